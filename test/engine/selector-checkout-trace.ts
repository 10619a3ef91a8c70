import type { Span } from '../../src/model/span.ts';
import type { Trace } from '../../src/model/trace.ts';
import type { SelectorAst } from '../../src/language/selector-ast.ts';
import { parseSelector } from '../../src/language/selector-parser.ts';
import { TraceAssembly } from '../../src/store/index.ts';
import { makeTrace } from '../support/sdk-traces.ts';

// What the selector tests share: the checkout trace they select from, the store's assembly, and a parse that throws.

/** Assembles model spans into a `Trace` with the store's own assembly, as the engine receives them. */
export function assemble(spans: readonly Span[]): Trace {
  const first = spans[0];
  if (first === undefined) throw new Error('assemble: no spans');
  const assembly = new TraceAssembly(first.traceId);
  for (const span of spans) assembly.add(span);
  return assembly.build();
}

/** The selector's syntax tree; a selector that does not parse fails the test with the parser's message. */
export function parse(source: string): SelectorAst {
  const parsed = parseSelector(source);
  if (!parsed.ok) throw new Error(`${source}: ${parsed.error.message} at ${parsed.error.offset}`);
  return parsed.value;
}

/*
 * The checkout trace, recorded by the real SDK across three services, serialised by the real OTLP protobuf
 * serializer and decoded by our decoder:
 *
 *   frontend  GET /checkout (server, root, 200)
 *   frontend  └─ POST /orders (client)
 *   orders       └─ POST /orders (server)          items=3 total=12.5 tags=[gift,express] vip=true "weird key"
 *   orders          ├─ validate (internal, 300ms)  event "exception"
 *   orders          ├─ GET /inventory/sku-1 (client)
 *   inventory       │  └─ GET /inventory/:sku (server, error "out of stock", 503, scope inventory-lib 2.0.0)
 *   orders          └─ publish order (producer)     link to validate, reason=audit
 */
export async function selectorCheckoutTrace(): Promise<Trace> {
  const spans = await makeTrace(
    [
      { ref: 'root', name: 'GET /checkout', kind: 'server', service: 'frontend', attributes: { 'http.response.status_code': 200, 'http.route': '/checkout' }, status: { code: 'ok' }, durationMillis: 900 },
      { ref: 'call', parent: 'root', name: 'POST /orders', kind: 'client', service: 'frontend', attributes: { 'deployment.environment': 'canary' }, durationMillis: 700 },
      {
        ref: 'orders',
        parent: 'call',
        name: 'POST /orders',
        kind: 'server',
        service: 'orders',
        attributes: { 'order.items': 3, 'order.total': 12.5, 'order.tags': ['gift', 'express'], 'customer.vip': true, 'weird key': 'yes' },
        durationMillis: 650,
      },
      {
        ref: 'validate',
        parent: 'orders',
        name: 'validate',
        service: 'orders',
        durationMillis: 300,
        events: [{ name: 'exception', attributes: { 'exception.type': 'ValidationError' } }, { name: 'retry' }],
      },
      { ref: 'inv-call', parent: 'orders', name: 'GET /inventory/sku-1', kind: 'client', service: 'orders', durationMillis: 120 },
      {
        parent: 'inv-call',
        name: 'GET /inventory/:sku',
        kind: 'server',
        service: 'inventory',
        scope: { name: 'inventory-lib', version: '2.0.0' },
        attributes: { 'http.response.status_code': 503 },
        status: { code: 'error', message: 'out of stock' },
        durationMillis: 100,
      },
      { parent: 'orders', name: 'publish order', kind: 'producer', service: 'orders', durationMillis: 5, links: [{ to: 'validate', attributes: { reason: 'audit' } }] },
    ],
    { resourceAttributes: { 'deployment.environment': 'test', 'host.cores': 8 } },
  );
  return assemble(spans);
}
