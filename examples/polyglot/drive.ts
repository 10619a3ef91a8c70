/**
 * The command `npm run example:polyglot` hands to `tracecheck run`: start three services in three languages, each
 * instrumented with its own SDK's standard HTTP instrumentation and W3C propagation, send a few quotes through
 * them, stop them (each flushes its SDK on the way out) and exit. tracecheck then judges examples/polyglot/specs.
 *
 *   gateway (Node, @opentelemetry/instrumentation-http) → pricing (Python, instrumentation-wsgi + -urllib)
 *     → inventory (Go, otelhttp)
 *
 * Every service gets the run's `OTEL_*` variables from `tracecheck run` and nothing else to export with; the
 * Python and Go services are the ones scripts/install-clients.sh builds. With `POLYGLOT_PRICING_PROPAGATORS` set
 * (run-broken.ts sets `b3`), the Python service is started with `OTEL_PROPAGATORS` set to it: a B3-only service
 * between W3C ones breaks both of its hops, and the specs must say which.
 *
 * Exit 1 means something unexpected: a service would not start, or an answer was not the one expected; exit 2
 * that the Python or Go client is not built.
 *
 * @example
 * ```sh
 * node bin/tracecheck.js run --specs examples/polyglot/specs -- node examples/polyglot/drive.ts
 * ```
 */
import { fileURLToPath } from 'node:url';
import { clientBuilds, goCommand, pythonCommand } from '../../clients/where.ts';
import { startServiceProcess, type RunningService } from '../propagation/start-service.ts';

const { python, go } = clientBuilds();
if (!python.ready || !go.ready) {
  process.stderr.write('polyglot: the Python and Go OpenTelemetry clients are not built: run `bash scripts/install-clients.sh python go`\n');
  process.exit(2);
}

const otelEnv: Record<string, string> = {};
for (const [key, value] of Object.entries(process.env)) if (key.startsWith('OTEL_') && value !== undefined) otelEnv[key] = value;
const pricingPropagators = process.env['POLYGLOT_PRICING_PROPAGATORS'];

/** The quotes sent; specs/polyglot.yaml counts one trace for each. */
const skus = ['SKU-RED-MUG', 'SKU-TEA-TIN', 'SKU-RED-MUG'];

const running: RunningService[] = [];
let exitCode = 0;
try {
  const inventory = await startServiceProcess(goCommand(go.dir, 'inventory'), 'inventory', otelEnv, { OTEL_SERVICE_NAME: 'inventory' });
  running.push(inventory);
  const pricing = await startServiceProcess(pythonCommand(python.dir, 'examples/polyglot/pricing.py'), 'pricing', otelEnv, {
    OTEL_SERVICE_NAME: 'pricing',
    INVENTORY_URL: inventory.url,
    // The stable HTTP semantic conventions (url.path, server.port) and the propagation headers it received, which
    // the diagnosis reads to name a broken hop and its cause.
    OTEL_SEMCONV_STABILITY_OPT_IN: 'http',
    OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST: 'traceparent,tracestate,baggage,b3',
    ...(pricingPropagators === undefined ? {} : { OTEL_PROPAGATORS: pricingPropagators }),
  });
  running.push(pricing);
  const gateway = await startServiceProcess(fileURLToPath(new URL('./gateway.ts', import.meta.url)), 'gateway', otelEnv, { PRICING_URL: pricing.url });
  running.push(gateway);
  for (const sku of skus) {
    const response = await fetch(`${gateway.url}/quote`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sku }) });
    const body = (await response.json()) as { quote?: { sku?: string; inStock?: number } };
    if (response.status !== 200 || body.quote?.sku !== sku || body.quote.inStock !== 7) {
      process.stderr.write(`polyglot: the quote for ${sku} answered ${response.status} ${JSON.stringify(body)}\n`);
      exitCode = 1;
    }
  }
} catch (error) {
  process.stderr.write(`polyglot: ${error instanceof Error ? error.message : String(error)}\n`);
  exitCode = 1;
} finally {
  await Promise.all(running.map((service) => service.stop()));
}
process.exitCode = exitCode;
