import type { Span } from '../model/index.ts';
import { encodeSpansAsOtlpJson } from '../otlp/index.ts';
import type { LiveRun } from '../store/index.ts';

const utf8 = new TextEncoder();

/** Default of {@link RunStreamOptions.maxBufferedBytes}: 4 MiB. */
export const DEFAULT_STREAM_BUFFER_BYTES = 4 * 1024 * 1024;
/** Spans per `spans` event at most, so no single event (the first one, of a large run) is unbounded. */
const SPANS_PER_EVENT = 512;

/** Options of {@link createRunStream}. */
export interface RunStreamOptions {
  /**
   * How far the reader may fall behind, as the estimated bytes of spans that arrived and were not yet taken
   * (the store's `retainedBytes` estimate). Past it the stream ends with a final `end` event whose `reason` is
   * `reader-behind`. Default 4 MiB.
   */
  readonly maxBufferedBytes?: number;
  /** Called once when the stream stops (ended, or the reader went away), e.g. to release a watched run. */
  readonly onClose?: () => void;
}

/**
 * A run's spans as server-sent events, for `GET /api/runs/{id}/stream`:
 *
 * - `event: spans`: `data` is one OTLP/JSON `ExportTraceServiceRequest` (one line) holding spans added since the
 *   previous event (at most 512 per event). The first event holds the spans the run had when the reader first
 *   asked, and is sent even when that is none, so a reader knows the mirror is complete up to that point.
 * - `event: end`: the last event. `data` is `{"state":"closed"|"evicted"}` when the run receives no more spans, or
 *   `{"state":"live","reason":"reader-behind","message":"..."}` when the reader fell further behind than
 *   `maxBufferedBytes`; then the stream ends.
 *
 * Events are made when the reader asks for the next one (the server asks once the socket has drained), not when
 * spans arrive: a reader that stops reading makes the server hold no more than one event, and the spans it has not
 * taken are the run's own, which the store bounds. Arrivals are coalesced: one event per ask however many
 * exports landed before it.
 *
 * OTLP/JSON keeps every span field (64-bit times as decimal strings, bytes as base64), so a reader that decodes
 * the events with `decodeExportRequestJson` holds spans equal to the collector's.
 *
 * The iterator's `return()` (called by the server when the client goes away) unsubscribes from the run.
 *
 * @example
 * ```ts
 * for await (const chunk of createRunStream(store.run('run-42'), { maxBufferedBytes: 1 << 20 })) process.stdout.write(chunk);
 * ```
 */
export function createRunStream(run: LiveRun, options: RunStreamOptions = {}): AsyncIterable<Uint8Array> {
  const maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_STREAM_BUFFER_BYTES;
  /** Spans found new by the last look at the run, not yet sent (sent {@link SPANS_PER_EVENT} at a time). */
  let pending: Span[] = [];
  let sentFirst = false;
  /** Set by an arrival; the next ask looks at the run again. */
  let changed = true;
  /** The run's retained bytes when the reader last took its spans: the growth since is how far it is behind. */
  let takenAtBytes = run.retainedBytes;
  let finalEvent: Uint8Array | undefined;
  let ended = false;
  let wake: (() => void) | undefined;
  /** Spans already sent, per trace; a trace whose span count did not change is skipped without looking inside. */
  const sentByTrace = new Map<string, Set<string>>();

  const wakeReader = (): void => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };

  const finish = (data: Record<string, string>): void => {
    if (finalEvent !== undefined || ended) return;
    finalEvent = utf8.encode(`event: end\ndata: ${JSON.stringify(data)}\n\n`);
    pending = [];
    unsubscribe();
    wakeReader();
  };

  const unsubscribeChange = run.onChange(() => {
    changed = true;
    const behindBytes = run.retainedBytes - takenAtBytes;
    if (behindBytes > maxBufferedBytes) {
      finish({
        state: run.state,
        reason: 'reader-behind',
        message: `the reader fell more than ${maxBufferedBytes} bytes behind the run; reconnect (the first event resends every span) and read faster`,
      });
      return;
    }
    wakeReader();
  });
  // Declared before use by onEnd, which may call back at once for a run that already ended.
  let unsubscribeEnd: () => void = () => {};
  let closed = false;
  const unsubscribe = (): void => {
    unsubscribeChange();
    unsubscribeEnd();
    if (!closed) {
      closed = true;
      options.onClose?.();
    }
  };
  let endState: string | undefined;
  unsubscribeEnd = run.onEnd((state) => {
    endState = state;
    wakeReader();
  });

  /** The run's spans not yet sent, trace by trace. */
  const takeFresh = (): void => {
    changed = false;
    takenAtBytes = run.retainedBytes;
    for (const trace of run.traces()) {
      let sent = sentByTrace.get(trace.traceId);
      if (sent === undefined) sentByTrace.set(trace.traceId, (sent = new Set()));
      if (sent.size === trace.spans.length) continue;
      for (const span of trace.spans) {
        if (sent.has(span.spanId)) continue;
        sent.add(span.spanId);
        pending.push(span);
      }
    }
  };

  const spansEvent = (spans: readonly Span[]): Uint8Array => utf8.encode(`event: spans\ndata: ${JSON.stringify(encodeSpansAsOtlpJson(spans))}\n\n`);

  const iterator: AsyncIterator<Uint8Array> = {
    async next() {
      for (;;) {
        if (ended) return { done: true, value: undefined };
        if (finalEvent === undefined && pending.length === 0 && (changed || !sentFirst)) takeFresh();
        if (pending.length > 0 || (!sentFirst && finalEvent === undefined)) {
          sentFirst = true;
          const batch = pending.length <= SPANS_PER_EVENT ? pending : pending.slice(0, SPANS_PER_EVENT);
          pending = pending.length <= SPANS_PER_EVENT ? [] : pending.slice(SPANS_PER_EVENT);
          return { done: false, value: spansEvent(batch) };
        }
        if (finalEvent === undefined && endState !== undefined) finish({ state: endState });
        if (finalEvent !== undefined) {
          const last = finalEvent;
          ended = true;
          return { done: false, value: last };
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    },
    async return() {
      ended = true;
      pending = [];
      unsubscribe();
      wakeReader();
      return { done: true, value: undefined };
    },
  };
  return { [Symbol.asyncIterator]: () => iterator };
}
