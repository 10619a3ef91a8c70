import type { TestProject } from 'vitest/node';
import { startSuiteServices } from '../shared/suite-services.ts';

declare module 'vitest' {
  interface ProvidedContext {
    gatewayUrl: string;
  }
}

/** One collector and one set of services for the whole suite; workers get their URLs through `provide`. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const suite = await startSuiteServices();
  project.provide('tracecheck', suite.connection);
  project.provide('gatewayUrl', suite.gatewayUrl);
  return () => suite.stop();
}
