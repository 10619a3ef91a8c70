/**
 * The V8-specific tricks of tracecheck, in one module, each with the measurement that justifies it. Nothing here
 * changes what the code does; it only keeps V8's optimised code alive. `npm run bench` (bench/ingest.ts, which
 * collects the heap before each trial) shows whether each still pays; drop one the day it does not.
 *
 * Why they are needed: optimised code refers to the hidden classes (maps) of the objects it handles only weakly,
 * and a class's final map, reached by property-addition transitions, is held only by its instances. When a full
 * GC finds no live instance (every run released or evicted, a store replaced, a request decoded and dropped) the
 * map dies and V8 throws away every function optimised against it ("embedded weak objects cleared"): the next
 * requests are decoded and stored by unoptimised code until V8 optimises it again.
 */

/** Instances kept for the life of the process, one per class that asked. */
const pinned: object[] = [];

/**
 * Keeps one instance of a class alive for the life of the process, so its hidden class outlives every other
 * instance. Used by the decoders' `WireReader` and `JsonCursor` and by the store's `SpanStore`, `LiveRun`,
 * `TraceAssembly` and `LinkIndex`.
 *
 * Still pays (2026-12-03, bench/ingest.ts, decode only, a full GC before each trial, 3 runs each): without the
 * pinned `WireReader`/`JsonCursor` and the span witness below, protobuf decoded 163-165k spans/s against 217-221k
 * with them, OTLP/JSON 56-65k against 104-111k. The store's four pins, measured the same day (bench/ingest.ts in full,
 * 3 runs each, alternately process by process, strict trials): with them, protobuf ingest was 2.26x to 3.26x
 * protobufjs's decode and OTLP/JSON ingest 0.97x to 1.09x `JSON.parse`; without them 2.12x to 2.63x and 0.92x to
 * 0.93x.
 *
 * @example
 * ```ts
 * export class WireReader { ... }
 * pinHiddenClass(new WireReader(new Uint8Array(0)));
 * ```
 */
export function pinHiddenClass(instance: object): void {
  pinned.push(instance);
}

/** The first span of the latest decoded request (with its resource, scope and attribute maps). */
const witness: { value: object | undefined } = { value: undefined };

/**
 * Keeps `value` (the first decoded span of a request) reachable until the next request replaces it: the maps of
 * decoded spans, their resources, scopes and attribute maps are the shapes real traffic uses, and they die with
 * the last span that has them (see the measurement of {@link pinHiddenClass}, which includes this witness).
 */
export function keepShapeWitness(value: object | undefined): void {
  if (value !== undefined) witness.value = value;
}
