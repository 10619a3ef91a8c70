/**
 * What every example suite's global setup does: ONE collector for the whole suite, the three long-lived example
 * services exporting to it (untagged: they serve every test), and the gateway's URL published for the tests.
 */
import { startSuiteCollector } from '../../../src/index.ts';
import { startServices } from '../../three-services/start-services.ts';

/** Where the tests find the gateway (set on `process.env`, which test workers inherit). */
export const GATEWAY_URL_ENV = 'EXAMPLE_GATEWAY_URL';

/** The running suite: its collector connection, the gateway URL, and how to stop everything. */
export interface SuiteServices {
  readonly connection: { readonly httpUrl: string };
  readonly gatewayUrl: string;
  stop(): Promise<void>;
}

/** Starts the suite collector and the services; `stop()` ends both. */
export async function startSuiteServices(): Promise<SuiteServices> {
  const suite = await startSuiteCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: 0 });
  try {
    const { collector } = suite;
    const services = await startServices({ env: collector.env, endpoints: { http: collector.httpUrl, grpc: collector.grpcUrl } });
    process.env[GATEWAY_URL_ENV] = services.gatewayUrl;
    return {
      connection: suite.connection,
      gatewayUrl: services.gatewayUrl,
      async stop() {
        await services.stop();
        await suite.close();
      },
    };
  } catch (error) {
    await suite.close();
    throw error;
  }
}
