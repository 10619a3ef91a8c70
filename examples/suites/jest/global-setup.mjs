// One collector and the three example services for the whole suite. Jest's globalSetup runs in the parent
// process; the variables it sets on process.env (TRACECHECK_URL, EXAMPLE_GATEWAY_URL) reach every test worker.
import { startSuiteCollector } from 'tracecheck';
import { startServices } from '../../three-services/start-services.ts';

export default async function globalSetup() {
  const suite = await startSuiteCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: 0 });
  const { collector } = suite;
  const services = await startServices({ env: collector.env, endpoints: { http: collector.httpUrl, grpc: collector.grpcUrl } });
  process.env.EXAMPLE_GATEWAY_URL = services.gatewayUrl;
  // globalThis is shared with globalTeardown (not with the tests).
  globalThis.exampleSuite = { suite, services };
}
