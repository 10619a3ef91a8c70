import type { SuiteServices } from '../shared/suite-services.ts';
import { startSuiteServices } from '../shared/suite-services.ts';

let suite: SuiteServices | undefined;

/** `node --test --test-global-setup=global-setup.ts`: test files inherit TRACECHECK_URL and the gateway URL. */
export async function globalSetup(): Promise<void> {
  suite = await startSuiteServices();
}

export async function globalTeardown(): Promise<void> {
  await suite?.stop();
}
