/**
 * Selector speed: 50 selectors (plain and structural) over 100k spans in 1k traces, the shape of the engine's
 * target (50 expectations over 100k spans in under 250 ms overall). Prints milliseconds per pass and spans
 * covered per second (50 x 100k over the pass time), beside the cost of 50 bare walks over the same spans, each
 * folding every span's fields into a checksum (the machine may be shared; the ratio is steadier than the time). A plain selector that requires `root`, a service,
 * a name, a kind or a status looks only at that group of each trace's spans, as the engine does; the groups are
 * kept per trace, so only the first pass makes them. Run: `node bench/select.ts` or `node bench/run.ts select`.
 */
import { emptyAttributes, type AttributeMap } from '../src/model/attribute-value.ts';
import type { Resource, Span } from '../src/model/span.ts';
import type { Trace } from '../src/model/trace.ts';
import { compileSelector, type CompiledSelector } from '../src/engine/select.ts';
import { parseSelector } from '../src/language/selector-parser.ts';
import { TraceAssembly } from '../src/store/index.ts';
import { formatTiming, medianTiming, timeOnce, type Timing } from './support/measure.ts';
import { formatWalks, measureWalks, type WalkBaseline } from './support/span-walk.ts';
import type { BenchOutcome } from './run.ts';

const TRACES = 1_000;
const SPANS_PER_TRACE = 100;
const SERVICES = ['gateway', 'orders', 'inventory', 'payments', 'shipping'];
const EVALUATION_TARGET_MILLIS = 250;

function hex(n: number, digits: number): string {
  return n.toString(16).padStart(digits, '0');
}

function attributes(entries: Record<string, string | bigint | number | boolean>): AttributeMap {
  const map = emptyAttributes();
  for (const [key, value] of Object.entries(entries)) map[key] = value;
  return map;
}

const resources: Resource[] = SERVICES.map((service) => ({
  attributes: attributes({ 'service.name': service, 'deployment.environment': 'bench', 'host.name': `${service}-1` }),
  droppedAttributesCount: 0,
  schemaUrl: '',
}));
const scope = { name: '@opentelemetry/instrumentation-http', version: '0.301.0', attributes: emptyAttributes(), droppedAttributesCount: 0, schemaUrl: '' };

/** One trace: a tree where span i's parent is span floor((i-1)/3), ten attributes per span. */
function makeTrace(t: number): Trace {
  const traceId = hex(t + 1, 32);
  const assembly = new TraceAssembly(traceId);
  const start = 1_700_000_000_000_000_000n + BigInt(t) * 1_000_000_000n;
  for (let i = 0; i < SPANS_PER_TRACE; i += 1) {
    const kind = i === 0 ? 2 : i % 3 === 1 ? 3 : i % 3 === 2 ? 2 : 1;
    const status = (t + i) % 97 === 0 ? 2 : 0;
    const span: Span = {
      traceId,
      spanId: hex(t * SPANS_PER_TRACE + i + 1, 16),
      parentSpanId: i === 0 ? undefined : hex(t * SPANS_PER_TRACE + Math.floor((i - 1) / 3) + 1, 16),
      traceState: '',
      name: kind === 1 ? `work ${i % 7}` : `GET /api/${SERVICES[i % SERVICES.length]}/${i % 11}`,
      kind,
      startTimeUnixNano: start + BigInt(i) * 1_000_000n,
      endTimeUnixNano: start + BigInt(i) * 1_000_000n + BigInt(((i * 7919) % 500) + 1) * 1_000_000n,
      attributes: attributes({
        'http.request.method': i % 4 === 0 ? 'POST' : 'GET',
        'http.response.status_code': BigInt(status === 2 ? 503 : 200),
        'http.route': `/api/${i % 11}`,
        'url.full': `http://localhost/api/${i}`,
        'server.port': 8080n,
        'net.peer.name': 'localhost',
        'user.id': BigInt(i % 50),
        'order.total': (i % 13) * 1.5,
        'feature.flag': i % 2 === 0,
        'thread.name': 'main',
      }),
      droppedAttributesCount: 0,
      events: i % 10 === 0 ? [{ timeUnixNano: start, name: 'exception', attributes: emptyAttributes(), droppedAttributesCount: 0 }] : [],
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
      status: { code: status, message: status === 2 ? 'unavailable' : '' },
      flags: 1,
      resource: resources[i % resources.length] as Resource,
      scope,
    };
    assembly.add(span);
  }
  return assembly.build();
}

const SELECTORS = [
  'kind = server',
  '{ service = "orders" && kind = server }',
  'name =~ "^GET /api/inventory/.*" && span.http.response.status_code >= 500',
  'status = error',
  'duration > 300ms',
  'span.http.request.method = "POST" && kind = client',
  'resource.deployment.environment = "bench" && root',
  'span.user.id in [1, 2, 3, 4, 5]',
  'exists(span.order.total) && span.order.total > 10',
  'event.name = "exception"',
  '.host.name = "payments-1"',
  'name contains "inventory" || name contains "payments"',
  '!(status = error) && kind = internal',
  '{ kind = client } > { kind = server }',
  '{ root } >> { status = error }',
  '{ status = error } << { kind = server }',
  '{ status = error } < { }',
  '{ kind = internal } ~ { kind = client }',
  '{ kind = client } !> { kind = server }',
  '{ service = "gateway" } !>> { service = "orders" }',
];

const traces: Trace[] = [];
for (let t = 0; t < TRACES; t += 1) traces.push(makeTrace(t));

/** Parses and compiles the 50 selectors afresh (compiled selectors remember structural results per trace). */
function compileAll(): CompiledSelector[] {
  return Array.from({ length: 50 }, (_, i) => {
    const source = SELECTORS[i % SELECTORS.length] as string;
    const parsed = parseSelector(source);
    if (!parsed.ok) throw new Error(`${source}: ${parsed.error.message}`);
    return compileSelector(parsed.value);
  });
}

function pass(): number {
  let selected = 0;
  for (const selector of compileAll()) for (const trace of traces) selected += selector.select(trace).length;
  return selected;
}

/** Measures selection alone: 50 selectors over every trace, compiled afresh per pass. */
export async function run(): Promise<BenchOutcome> {
  let selected = 0;
  // The first pass also builds each trace's structural index and span groups (shared by all selectors), as the
  // engine's first evaluation does.
  const first = timeOnce(() => {
    selected = pass();
  });
  const runs: Timing[] = [];
  for (let r = 0; r < 7; r += 1) runs.push(timeOnce(pass));
  const median = medianTiming(runs);
  // The floor, what any selection must at least do: a walk reading every span (support/span-walk.ts), at half
  // the spans and at all of them, so that it shows it does its work; one selector per walk.
  const walks = measureWalks(traces, [(TRACES * SPANS_PER_TRACE) / 2, TRACES * SPANS_PER_TRACE]);
  const walk = 50 * (walks[walks.length - 1] as WalkBaseline).millisPerWalk;
  const judged = 50 * TRACES * SPANS_PER_TRACE;
  const millis = median.mainThreadCpuMillis;
  console.log(`select: 50 selectors x ${TRACES * SPANS_PER_TRACE} spans (${TRACES} traces), ${selected} selected per pass`);
  console.log(`  median of 7 passes: ${formatTiming(median)}; ${Math.round(judged / (millis / 1000)).toLocaleString('en-US')} spans covered/s`);
  console.log(`  first pass:         ${formatTiming(first)}`);
  console.log(`  baseline, one walk folding each span's fields into a checksum: ${formatWalks(walks)}`);
  console.log(`  50 such walks over the same spans: ${walk.toFixed(1)} ms; selection costs ${(millis / walk).toFixed(1)}x a bare walk`);
  // Selection is one part of an evaluation; the target (evaluation under 250 ms) is judged on the whole, in
  // bench/evaluate.ts, where selections are shared between expectations as the engine shares them.
  console.log(`  (informational: the ${EVALUATION_TARGET_MILLIS} ms target is the whole evaluation's, see bench/evaluate.ts)`);
  return { missedTargets: [] };
}

if (import.meta.main) await run();
