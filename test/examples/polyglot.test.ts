/**
 * The polyglot example as a person runs it: `npm run example:polyglot` (its package.json command, through a shell
 * with this Node first on PATH, as npm would) starts a Node gateway, a Python service and a Go service, each with
 * its own SDK's standard HTTP instrumentation and W3C propagation, under `tracecheck run`, and must pass its specs;
 * `npm run example:polyglot:broken` runs the Python service with `OTEL_PROPAGATORS=b3` and must fail, naming the
 * hop gateway → pricing and why. The Python and Go services are the clients scripts/install-clients.sh builds.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../clients/where.ts';
import { runProgram, type ChildOutcome as Outcome } from '../support/child-process.ts';
import { builtClient } from '../support/clients.ts';

/** One run of a script: three SDKs' processes start on a busy 2-core machine. */
const SCRIPT_MILLIS = 110_000;

const scripts = (JSON.parse(readFileSync(`${repoRoot}package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts;

/** Runs `npm run NAME`'s command as npm would: through sh, in the repository, this Node first on PATH. */
async function npmScript(name: string): Promise<Outcome> {
  const command = scripts[name];
  if (command === undefined) throw new Error(`package.json has no script ${name}`);
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`, NO_COLOR: '1' };
  for (const key of Object.keys(env)) if (key.startsWith('OTEL_') || key.startsWith('POLYGLOT_')) delete env[key];
  return runProgram('sh', ['-c', command], env, SCRIPT_MILLIS, repoRoot);
}

const ready = [builtClient('python'), builtClient('go')].every((dir) => dir !== undefined);

describe.skipIf(!ready)('the polyglot example (Node → Python → Go)', () => {
  let healthy: Outcome;
  let broken: Outcome;

  beforeAll(async () => {
    [healthy, broken] = await Promise.all([npmScript('example:polyglot'), npmScript('example:polyglot:broken')]);
  }, 120_000);

  it('npm run example:polyglot passes its specs: one connected trace per quote across three SDKs', () => {
    expect(healthy.code, `${healthy.stdout}\n${healthy.stderr}`).toBe(0);
    expect(healthy.stdout).toContain('✓ a quote crosses gateway (Node) → pricing (Python) → inventory (Go)');
    expect(healthy.stdout).toContain('✓ gateway → pricing, Node\'s context reaches the Python service');
    expect(healthy.stdout).toContain('✓ pricing → inventory, Python\'s context reaches the Go service');
    expect(healthy.stdout).toContain('15 spans in 3 traces');
    expect(healthy.stdout).not.toContain('✗');
  });

  it('npm run example:polyglot:broken fails (exit 1) and names the hop: gateway → pricing, a B3-only Python service', () => {
    expect(broken.code, `${broken.stdout}\n${broken.stderr}`).toBe(1);
    expect(broken.stdout).toContain('✗ gateway → pricing, Node\'s context reaches the Python service');
    // The diagnosis: pricing recorded the traceparent it received (OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST)
    // and still started a new trace, so the header names the client span for certain and the cause is extraction.
    expect(broken.stdout).toMatch(/gateway → pricing: pricing started a new trace \(client span "GET" [0-9a-f]{8} has no server child; server span "GET \/price" [0-9a-f]{8} is the root of trace [0-9a-f]{8}; pricing received traceparent "00-/u);
    expect(broken.stdout).toContain('likely cause: pricing did not extract it');
    expect(broken.stdout).toContain('paired for certain: the traceparent the callee recorded names the client span');
    // The B3-only service also breaks its own call onward: the Go service reads W3C trace context only.
    expect(broken.stdout).toContain('pricing → inventory: inventory started a new trace');
    expect(broken.stdout).toContain('FAIL  Specs: 1 failed');
  });
});
