import type { Span } from '../model/index.ts';
import { encodeSpansAsOtlpJson } from '../otlp/index.ts';
import type { LiveRun } from '../store/index.ts';

const utf8 = new TextEncoder();

/**
 * A run's spans as server-sent events, for `GET /api/runs/{id}/stream`:
 *
 * - `event: spans`: `data` is one OTLP/JSON `ExportTraceServiceRequest` (one line) holding the spans added since
 *   the previous event. The first event holds every span the run had when the stream opened, and is sent even
 *   when that is none, so a reader knows the mirror is complete up to that point.
 * - `event: end`: `data` is `{"state":"closed"|"evicted"}`; the run receives no more spans and the stream ends.
 *
 * OTLP/JSON keeps every span field (64-bit times as decimal strings, bytes as base64), so a reader that decodes
 * the events with `decodeExportRequestJson` holds spans equal to the collector's. Arrivals are coalesced: one
 * event per event-loop turn however many exports landed in it.
 *
 * The iterator's `return()` (called by the server when the client goes away) unsubscribes from the run.
 */
export function createRunStream(run: LiveRun): AsyncIterable<Uint8Array> {
  const queue: Uint8Array[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  let flushScheduled = false;
  /** Spans already sent, per trace; a trace whose span count did not change is skipped without looking inside. */
  const sentByTrace = new Map<string, Set<string>>();

  const push = (chunk: Uint8Array): void => {
    queue.push(chunk);
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };

  const flush = (): void => {
    flushScheduled = false;
    if (ended) return;
    const fresh: Span[] = [];
    for (const trace of run.traces()) {
      let sent = sentByTrace.get(trace.traceId);
      if (sent === undefined) sentByTrace.set(trace.traceId, (sent = new Set()));
      if (sent.size === trace.spans.length) continue;
      for (const span of trace.spans) {
        if (sent.has(span.spanId)) continue;
        sent.add(span.spanId);
        fresh.push(span);
      }
    }
    sendSpans(fresh);
  };

  const sendSpans = (spans: readonly Span[]): void => {
    push(utf8.encode(`event: spans\ndata: ${JSON.stringify(encodeSpansAsOtlpJson(spans))}\n\n`));
  };

  const stop = (): void => {
    if (ended) return;
    ended = true;
    unsubscribeChange();
    unsubscribeEnd();
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };

  const unsubscribeChange = run.onChange(() => {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(flush);
  });
  // Declared before use by onEnd, which may call back at once for a run that already ended.
  let unsubscribeEnd: () => void = () => {};
  flush();
  unsubscribeEnd = run.onEnd((state) => {
    if (flushScheduled) flush();
    push(utf8.encode(`event: end\ndata: ${JSON.stringify({ state })}\n\n`));
    ended = true;
    unsubscribeChange();
    const resolve = wake;
    wake = undefined;
    resolve?.();
  });

  const iterator: AsyncIterator<Uint8Array> = {
    async next() {
      for (;;) {
        const chunk = queue.shift();
        if (chunk !== undefined) return { done: false, value: chunk };
        if (ended) return { done: true, value: undefined };
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    },
    async return() {
      stop();
      queue.length = 0;
      return { done: true, value: undefined };
    },
  };
  return { [Symbol.asyncIterator]: () => iterator };
}
