/**
 * Benchmark payloads: OTLP export requests of 512 spans (traces of 8 spans over 4 services, ~10 attributes each),
 * recorded by the real SDK and serialised by the real OTLP serializers, in both encodings.
 */
import type { SdkSpanSpec } from '../../test/support/sdk-traces.ts';
import { makeSdkSpans, sdkExportRequestBytes } from '../../test/support/sdk-traces.ts';
import type { OtlpEncoding } from '../../src/otlp/index.ts';

/** Spans in each request, as the SDK's BatchSpanProcessor sends by default. */
export const SPANS_PER_REQUEST = 512;
const SPANS_PER_TRACE = 8;
const services = ['frontend', 'checkout', 'payments', 'inventory'];

function requestSpecs(request: number): SdkSpanSpec[] {
  const specs: SdkSpanSpec[] = [];
  for (let i = 0; i < SPANS_PER_REQUEST; i++) {
    const inTrace = i % SPANS_PER_TRACE;
    const root = i - inTrace;
    const start = 1_700_000_000_000 + request * 10_000 + i;
    specs.push({
      ref: `s${i}`,
      parent: inTrace === 0 ? undefined : `s${root}`,
      name: inTrace === 0 ? 'GET /api/checkout/{id}' : `SELECT orders.item_${inTrace}`,
      kind: inTrace === 0 ? 'server' : 'client',
      service: services[(i / SPANS_PER_TRACE + inTrace) % services.length],
      start,
      durationMillis: 3 + inTrace,
      attributes: {
        'http.request.method': 'GET',
        'url.path': `/api/checkout/${request}-${i}`,
        'http.response.status_code': inTrace === 7 ? 500 : 200,
        'server.address': 'checkout.internal.example.com',
        'server.port': 8080,
        'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) tracecheck-bench/1.0',
        'db.system': 'postgresql',
        'db.query.text': 'SELECT * FROM orders WHERE id = $1 AND tenant = $2',
        'app.cart.total': 123.45 + i,
        'app.feature.flags': ['new-checkout', 'fast-pay'],
      },
      status: inTrace === 7 ? { code: 'error', message: 'upstream timed out' } : undefined,
    });
  }
  return specs;
}

/** `count` distinct requests (new trace and span ids in each), protobuf and JSON bodies of the same spans. */
export async function makeBenchPayloads(count: number): Promise<Record<OtlpEncoding, Uint8Array[]>> {
  const payloads: Record<OtlpEncoding, Uint8Array[]> = { protobuf: [], json: [] };
  for (let r = 0; r < count; r++) {
    const sdkSpans = await makeSdkSpans(requestSpecs(r), { resourceAttributes: { 'deployment.environment.name': 'ci' } });
    payloads.protobuf.push(sdkExportRequestBytes(sdkSpans, 'protobuf'));
    payloads.json.push(sdkExportRequestBytes(sdkSpans, 'json'));
  }
  return payloads;
}
