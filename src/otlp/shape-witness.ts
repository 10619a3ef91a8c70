import type { Span } from '../model/index.ts';

/**
 * Why the decoders keep one decoded span alive.
 *
 * V8's optimised code refers to the hidden classes (maps) of the objects it handles only weakly. The maps of
 * decoded spans, their resource and scope, and their attribute maps are reached by property-addition
 * transitions, which V8 also holds weakly: while any such object lives its map lives, but a full GC that finds
 * none (every run released or evicted) clears the maps and throws away every function optimised against them
 * ("embedded weak objects cleared"), so the next requests are decoded and stored by unoptimised code. The first
 * span of the latest request (with its resource, scope and attributes) keeps the shapes real traffic uses.
 *
 * Still pays (2026-12-03, decode only of bench/ingest.ts's payloads, a full GC before each trial, 3 runs each):
 * without this witness and the pinned `WireReader`/`JsonCursor` instances, protobuf decoded 163-165k spans/s
 * against 217-221k with them, OTLP/JSON 56-65k against 104-111k.
 */
const witness: { span: Span | undefined } = { span: undefined };

/** Keeps the first of `spans` reachable until the next request replaces it; see the note above. */
export function keepShapeWitness(spans: readonly Span[]): void {
  if (spans.length > 0) witness.span = spans[0];
}
