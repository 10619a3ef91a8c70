// Runs the real `tracecheck` executable as a child process, for the CLI tests.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { environmentWithoutOtel } from '../support/child-process.ts';
import { makeSdkSpans, sdkExportRequestBytes } from '../support/sdk-traces.ts';

export const BIN = new URL('../../bin/tracecheck.js', import.meta.url).pathname;
/** An instrumented service: one HTTP round trip through the OpenTelemetry Node SDK; prints one line to stdout. */
export const ROUNDTRIP = new URL('./fixtures/http-roundtrip.ts', import.meta.url).pathname;
/** Writes the OTEL_* and TRACECHECK_* variables it was started with to the file named by its argument. */
export const PRINT_ENV = new URL('./fixtures/print-otel-env.ts', import.meta.url).pathname;
/** What {@link ROUNDTRIP} prints to stdout. */
export const ROUNDTRIP_STDOUT = 'http-roundtrip: GET /orders answered';

export interface Outcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface TracecheckOptions {
  /** Variables added to the environment (which starts without the developer's OTEL_* variables). */
  readonly env?: Readonly<Record<string, string>>;
  /** Close our end of these output pipes at once, as `tracecheck … | head -1` does once head has its line. */
  readonly closeEarly?: readonly ('stdout' | 'stderr')[];
  /** Kill the child and reject past this. Default 25 s (under the test timeout, so the failure says what hung). */
  readonly deadlineMillis?: number;
}

/** Runs the real CLI (the same Node as the tests) and resolves when it exits and its output is read. */
export function tracecheck(args: readonly string[], cwd: string, options: TracecheckOptions = {}): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const env = { ...environmentWithoutOtel(), NO_COLOR: '1', ...options.env };
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    for (const name of options.closeEarly ?? []) child[name].destroy();
    const deadlineMillis = options.deadlineMillis ?? 25_000;
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tracecheck ${args.join(' ')} did not exit within ${deadlineMillis} ms; stderr:\n${stderr}`));
    }, deadlineMillis);
    child.on('error', (error) => {
      clearTimeout(deadline);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(deadline);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A port that was free a moment ago (bound to port 0, then released), for options that need a fixed port. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Holds a port busy until the returned close function is called. */
export async function busyPort(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A spec the round trip (and saved.jsonl) satisfies: some server span. */
export const PASSING_SPEC = `name: round trip reaches the server
expect:
  - name: the server answers
    spans: '{ kind = server }'
`;

/** A spec nothing the CLI tests send satisfies: no service called payments exists. */
export const FAILING_SPEC = `name: payments is called
expect:
  - name: payments serves a request
    spans: '{ service = "payments" && kind = server }'
`;

/**
 * Writes the files the CLI tests judge into `dir`: pass.yaml, fail.yaml, and saved.jsonl (a shop → orders call as
 * one OTLP/JSON export line). Returns that export's spans, for tests that save them in other forms too.
 */
export async function writeCliFixtures(dir: string): Promise<Awaited<ReturnType<typeof makeSdkSpans>>> {
  await writeFile(join(dir, 'pass.yaml'), PASSING_SPEC);
  await writeFile(join(dir, 'fail.yaml'), FAILING_SPEC);
  const spans = await makeSdkSpans([
    { name: 'GET /orders', ref: 'client', kind: 'client', service: 'shop' },
    { name: 'GET /orders', parent: 'client', kind: 'server', service: 'orders' },
  ]);
  await writeFile(join(dir, 'saved.jsonl'), Buffer.from(sdkExportRequestBytes(spans, 'json')).toString('utf8') + '\n');
  return spans;
}
