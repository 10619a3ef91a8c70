/**
 * The three-service example end to end, standalone (`npm run example`):
 * start an in-process collector, start gateway → orders → inventory (each exporting over its own OTLP
 * transport, untagged), send ONE checkout tagged with a run id, wait until the run settles, print the trace.
 * Exits 0 only when one connected trace, entering at the gateway and spanning all three services, arrived.
 *
 * `EXAMPLE_FAULT=drop-context npm run example` shows what a broken hop looks like (and exits 1).
 */
import { startCollector } from '../../src/server/index.ts';
import { exampleFaultFrom, type ExampleFault } from './faults.ts';
import { sendCheckout, startServices } from './start-services.ts';
import { connectedTraceProblems, entryTraceOf, formatTraceTree } from './trace-tree.ts';
import { waitForTraces } from './wait-for-traces.ts';

let fault: ExampleFault;
try {
  fault = exampleFaultFrom(process.env);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(2);
}
const collector = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: 0 });
let exitCode = 1;
try {
  console.log(`collector: OTLP/HTTP ${collector.httpUrl}, OTLP/gRPC ${collector.grpcUrl}`);
  const services = await startServices({ env: collector.env, endpoints: { http: collector.httpUrl, grpc: collector.grpcUrl }, fault });
  try {
    for (const [service, protocol] of Object.entries(services.transports)) console.log(`${service.padEnd(9)} exports over ${protocol}`);
    const run = collector.run();
    const reply = await sendCheckout(services.gatewayUrl, { runId: run.id });
    console.log(`POST /checkout (x-test-run-id: ${run.id}) → ${reply.status}`);
    // The gateway's SERVER span ends last and carries the run id: once its trace is here, let the rest settle.
    await waitForTraces(run, (traces) => entryTraceOf(traces, 'gateway') !== undefined, 10_000);
    const outcome = await run.settled({ quietMillis: 300, timeoutMillis: 10_000 });
    console.log(`run ${run.id}: ${outcome.settled ? 'settled' : `not settled (${outcome.reason})`} with ${outcome.spanCount} spans in ${outcome.traceCount} trace(s)\n`);
    for (const trace of run.traces()) console.log(`${formatTraceTree(trace)}\n`);
    const problems = connectedTraceProblems(run.traces(), ['gateway', 'orders', 'inventory']);
    if (problems.length === 0) {
      console.log('OK: one connected trace across gateway, orders and inventory');
      exitCode = 0;
    } else {
      for (const problem of problems) console.log(`FAIL: ${problem}`);
    }
  } finally {
    await services.stop();
  }
} finally {
  await collector.close();
}
process.exitCode = exitCode;
