import { SpanKind, backgroundShapeOf, firstStartingFrom, isRecurringWhileIdle, selfStartedRootService, serviceNameOf } from '../model/index.ts';
import type { Span } from '../model/index.ts';

/** A service's requests of the run (its SERVER and CONSUMER spans), whether they are in start order, and the longest. */
interface Requests {
  readonly spans: Span[];
  sorted: boolean;
  longestNanos: bigint;
}

/** How many of a shape's latest roots are looked at: recurrence shows in the latest, and a long run stays cheap. */
const LATEST_ROOTS = 32;

/**
 * A run's background work, kept as its spans arrive: the traces whose root a service started by itself (see
 * `selfStartedRootService`) while it also serves requests of the run, and whose shape recurs while that service
 * serves none of them (`isRecurringWhileIdle`): a timer's or a poller's traces. {@link LiveRun.settled} does not
 * let their arrivals hold a run open, so a tagged process with a timer still settles.
 *
 * A trace whose root has not arrived, a root of a process that serves no request of the run (the test process
 * itself), and a root call made while its service served a request (a worker that lost its request's context)
 * are never background.
 */
export class BackgroundWork {
  private readonly rootByTrace = new Map<string, Span>();
  private readonly rootsByShape = new Map<string, Span[]>();
  private readonly requestsByService = new Map<string, Requests>();

  /** Notes one span the run took in. */
  note(span: Span): void {
    if (span.kind === SpanKind.SERVER || span.kind === SpanKind.CONSUMER) {
      const service = serviceNameOf(span);
      if (service === undefined) return;
      let requests = this.requestsByService.get(service);
      if (requests === undefined) this.requestsByService.set(service, (requests = { spans: [], sorted: true, longestNanos: 0n }));
      const last = requests.spans.at(-1);
      if (last !== undefined && last.startTimeUnixNano > span.startTimeUnixNano) requests.sorted = false;
      requests.spans.push(span);
      const nanos = span.endTimeUnixNano - span.startTimeUnixNano;
      if (nanos > requests.longestNanos) requests.longestNanos = nanos;
      return;
    }
    const service = selfStartedRootService(span);
    if (service === undefined || this.rootByTrace.has(span.traceId)) return;
    this.rootByTrace.set(span.traceId, span);
    const shape = backgroundShapeOf(span, service);
    let roots = this.rootsByShape.get(shape);
    if (roots === undefined) this.rootsByShape.set(shape, (roots = []));
    roots.push(span);
  }

  /** Whether a trace of the run is background work, on what has arrived so far. */
  isBackground(traceId: string): boolean {
    const root = this.rootByTrace.get(traceId);
    if (root === undefined) return false;
    const service = serviceNameOf(root) as string;
    const requests = this.requestsByService.get(service);
    // A process that serves no request of the run (the test's own) starts the run's requests, not background work.
    if (requests === undefined) return false;
    // Judged afresh each time, not remembered: a request that was running at a root's start may arrive after it.
    const roots = (this.rootsByShape.get(backgroundShapeOf(root, service)) ?? []).slice(-LATEST_ROOTS);
    if (!requests.sorted) {
      requests.spans.sort((a, b) => (a.startTimeUnixNano < b.startTimeUnixNano ? -1 : a.startTimeUnixNano > b.startTimeUnixNano ? 1 : 0));
      requests.sorted = true;
    }
    let idle = 0;
    for (const candidate of roots) {
      if (!servingAt(requests, candidate)) idle++;
      if (isRecurringWhileIdle(idle, roots.length)) return true;
    }
    return false;
  }
}

/**
 * Whether the service was serving a request (of another trace) when `root` started. Only requests that started
 * within the longest request's duration before it can have been, so a binary search finds where to look.
 */
function servingAt(requests: Requests, root: Span): boolean {
  const at = root.startTimeUnixNano;
  const spans = requests.spans;
  for (let i = firstStartingFrom(spans, at - requests.longestNanos); i < spans.length && (spans[i] as Span).startTimeUnixNano <= at; i++) {
    const span = spans[i] as Span;
    if (span.endTimeUnixNano >= at && span.traceId !== root.traceId) return true;
  }
  return false;
}
