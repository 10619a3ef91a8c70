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

// Spans are constructed, not written as object literals (`SpanRecord` in src/model/span.ts; it lives in the model
// because every layer that makes a span uses it, and only this note is V8-specific).
//
// V8 gives each object literal an allocation site and counts how many of its objects survive a scavenge. Past 85%
// it "pretenures" the site: its objects are then allocated straight into the old generation, where allocating is
// slower and every pointer written into a new object (ids, attribute maps, bigints) goes through the write
// barrier. Decoded spans mostly survive (a store keeps them), so the span literal was pretenured once the first
// requests had been stored. V8's --trace-pretenuring-statistics showed per-span sites going "maybe tenure =>
// tenure"; `--no-allocation-site-pretenuring` alone gave the gains below. A constructed object has no allocation
// site, so nothing is pretenured.
//
// Measured 2026-12-05 (bench/ingest.ts through bench/run.ts, 3 runs of each tree alternately, process by process,
// strict trials): with the literal, protobuf decode 1.89-1.96x protobufjs's decode and ingest 1.67-1.76x, OTLP/JSON
// decode 0.90-0.92x JSON.parse and ingest 0.84-0.88x; with the class, 2.70-2.88x, 2.12-2.19x, 1.05-1.07x and
// 0.93-0.96x. Whether the literal's site got pretenured depended on timing (run as its own main module, the bench
// decoded JSON at 1.07x with the literal as well): the likely reason earlier rounds' figures moved from run to run.
