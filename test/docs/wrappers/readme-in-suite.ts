/* eslint-disable @typescript-eslint/no-unused-vars -- a template: the doc block spliced in at "// doc block" uses these names */
// The README's in-suite excerpt, inside the test around it: one suite collector, the three example services
// exporting to it untagged, and the excerpt's `suite`, `gatewayUrl` and `body` defined as a user's suite has them.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startSuiteCollector, connectSuiteCollector, type SuiteCollector } from 'tracecheck';
import 'tracecheck/vitest';

const { startServices } = (await import(`${process.env['DOCS_EXAMPLES_DIR']}/three-services/start-services.ts`)) as {
  startServices(options: { env: Readonly<Record<string, string>>; endpoints: { http: string; grpc: string } }): Promise<{ gatewayUrl: string; stop(): Promise<void> }>;
};

let started: SuiteCollector;
let services: { gatewayUrl: string; stop(): Promise<void> };
let gatewayUrl: string;
const body = JSON.stringify({ customer: 'c-1001', items: [{ sku: 'SKU-RED-MUG', quantity: 1 }] });

beforeAll(async () => {
  started = await startSuiteCollector();
  services = await startServices({ env: started.collector.env, endpoints: { http: started.collector.httpUrl, grpc: started.collector.grpcUrl } });
  gatewayUrl = services.gatewayUrl;
}, 60_000);

afterAll(async () => {
  await services?.stop();
  await started?.close();
});

test('the README excerpt', async () => {
  const suite = connectSuiteCollector();
// doc block
});
