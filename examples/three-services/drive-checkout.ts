/**
 * The command `npm run example` hands to `tracecheck run`: start gateway → orders → inventory exporting to the
 * run's collector, send a few checkouts through the gateway, check the answers, stop the services (each flushes
 * its SDK on the way out) and exit. tracecheck then judges `specs/` against the traces that arrived.
 *
 * `tracecheck run` gives this process the run's `OTEL_*` variables (endpoint, protocol, run id header and
 * resource attribute) and `TRACECHECK_OTLP_GRPC_ENDPOINT`. Every service gets those, but keeps its own
 * transport: gateway OTLP/HTTP protobuf, orders OTLP/HTTP JSON, inventory OTLP/gRPC.
 *
 * With `EXAMPLE_FAULT` set (see faults.ts) the services misbehave on purpose; a checkout that fails the way the
 * fault makes it fail is expected, so the exit code stays 0 and the specs are what turn red.
 * Exit 1 means something unexpected: a service would not start, or an answer was not the one expected.
 *
 * @example
 * ```sh
 * node bin/tracecheck.js run -- node examples/three-services/drive-checkout.ts
 * EXAMPLE_FAULT=slow node bin/tracecheck.js run -- node examples/three-services/drive-checkout.ts
 * ```
 */
import { exampleFaultFrom, type ExampleFault } from './faults.ts';
import { defaultTransports, startServices, type ServiceTransports } from './start-services.ts';

/**
 * The checkouts sent, in order. Several, so run-wide percentiles have more than one trace to look at; the
 * two-item ones list the mug first, which specs/checkout-order.yaml relies on.
 */
const checkouts: readonly (readonly { readonly sku: string; readonly quantity: number }[])[] = [
  [
    { sku: 'SKU-RED-MUG', quantity: 2 },
    { sku: 'SKU-TEA-TIN', quantity: 1 },
  ],
  [{ sku: 'SKU-RED-MUG', quantity: 1 }],
  [
    { sku: 'SKU-RED-MUG', quantity: 1 },
    { sku: 'SKU-TEA-TIN', quantity: 3 },
  ],
];

/** The customer the checkouts are placed for; specs/ reads the same variable through `${env:EXAMPLE_CUSTOMER}`. */
const customer = process.env['EXAMPLE_CUSTOMER'] ?? 'c-1001';

type OrderItems = (typeof checkouts)[number];

/** Sends one checkout to the gateway; the run id travels in the OTEL_* settings, not in this request. */
async function sendCheckout(gatewayUrl: string, items: OrderItems): Promise<{ readonly status: number; readonly body: unknown }> {
  const response = await fetch(`${gatewayUrl}/checkout`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ customer, items }),
  });
  return { status: response.status, body: (await response.json()) as unknown };
}

/** The gateway's answer each fault should produce: inventory's 500 surfaces as the gateway's 502. */
function expectedStatus(fault: ExampleFault): number {
  return fault === 'error' ? 502 : 200;
}

function otelEnvOf(env: NodeJS.ProcessEnv): Record<string, string> {
  const otel: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (key.startsWith('OTEL_') && value !== undefined) otel[key] = value;
  return otel;
}

async function main(): Promise<number> {
  const fault = exampleFaultFrom(process.env);
  const httpEndpoint = process.env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  if (httpEndpoint === undefined || httpEndpoint === '') {
    process.stderr.write('drive-checkout: OTEL_EXPORTER_OTLP_ENDPOINT is not set; run me through `tracecheck run -- node examples/three-services/drive-checkout.ts`\n');
    return 1;
  }
  const grpcEndpoint = process.env['TRACECHECK_OTLP_GRPC_ENDPOINT'];
  let transports: ServiceTransports = defaultTransports;
  if (grpcEndpoint === undefined || grpcEndpoint === '') {
    // Another collector may only say where its OTLP/HTTP port is; inventory then exports over it too.
    process.stderr.write('drive-checkout: TRACECHECK_OTLP_GRPC_ENDPOINT is not set, so inventory exports over http/protobuf\n');
    transports = { ...defaultTransports, inventory: 'http/protobuf' };
  }

  const services = await startServices({
    env: otelEnvOf(process.env),
    endpoints: { http: httpEndpoint, grpc: grpcEndpoint ?? httpEndpoint },
    transports,
    fault,
  });
  const problems: string[] = [];
  try {
    const want = expectedStatus(fault);
    for (const items of checkouts) {
      const reply = await sendCheckout(services.gatewayUrl, items);
      const what = `POST /checkout (${items.map((item) => `${item.quantity}× ${item.sku}`).join(', ')}) → ${reply.status}`;
      process.stdout.write(`drive-checkout: ${what}${fault === 'none' ? '' : ` (EXAMPLE_FAULT=${fault})`}\n`);
      if (reply.status !== want) problems.push(`${what}, expected ${want}: ${JSON.stringify(reply.body)}`);
    }
  } finally {
    await services.stop();
  }
  for (const problem of problems) process.stderr.write(`drive-checkout: unexpected answer: ${problem}\n`);
  return problems.length === 0 ? 0 : 1;
}

try {
  process.exitCode = await main();
} catch (error) {
  process.stderr.write(`drive-checkout: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
