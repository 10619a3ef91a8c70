/**
 * The non-Node OpenTelemetry clients for tests (clients/where.ts says where they are built). A client that is not
 * built is one loud line and its tests are skipped, except under CI=true, where its tests fail instead.
 */
import { clientBuilds, type ClientLanguage } from '../../clients/where.ts';

export { goCommand, javaCommand, pythonCommand, type ClientCommand, type ClientLanguage } from '../../clients/where.ts';

const announced = new Set<ClientLanguage>();

/**
 * The built client's folder, or `undefined` when it is not built: then one loud line on stderr (once per
 * language and process) says how to build it. Under CI=true a missing client throws, so its tests fail.
 */
export function builtClient(language: ClientLanguage): string | undefined {
  const { dir, ready } = clientBuilds()[language];
  if (ready) return dir;
  const message = `the ${language} OpenTelemetry client is not built (${dir}): run \`bash scripts/install-clients.sh ${language}\``;
  if (process.env['CI'] === 'true') throw new Error(`${message}; CI=true, so this fails`);
  if (!announced.has(language)) process.stderr.write(`\n!!! SKIPPED: ${message} !!!\n\n`);
  announced.add(language);
  return undefined;
}
