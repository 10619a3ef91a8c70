// `tracecheck serve` secure by default, tested on the real executable: the bind refusal, both token sources, the
// loopback Host/Origin guard, and log lines that cannot be forged.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatLogLine, quoteForLog } from '../../src/server/index.ts';
import { environmentWithoutOtel } from '../support/child-process.ts';
import { makeSdkSpans, sdkExportRequestBytes } from '../support/sdk-traces.ts';
import { BIN, tracecheck } from '../cli/tracecheck-process.ts';
import { spawnNode } from './child-processes.ts';
import type { Child } from './child-processes.ts';

const scratch = mkdtempSync(join(tmpdir(), 'tracecheck-secure-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const TOKEN = 'c0ffee-7d1b2e9a4f';

/** Starts `tracecheck serve` with `args` and `env`; resolves with its HTTP URL once it listens. */
async function serve(args: readonly string[], env: Record<string, string> = {}): Promise<{ child: Child; url: string }> {
  const child = spawnNode([BIN, 'serve', '--http-port', '0', '--grpc-port', 'off', ...args], { ...environmentWithoutOtel(), ...env });
  const [, url] = await child.waitFor(/listening on (http:\/\/\S+) \(OTLP\/HTTP|"url":"(http:\/\/[^"]+)"/);
  return { child, url: url ?? '' };
}

async function stop(child: Child): Promise<void> {
  child.process.kill('SIGTERM');
  await child.exited;
}

/** A raw request (fetch cannot set `Host`): status and body. */
function send(url: string, path: string, headers: Record<string, string>, method = 'GET', body?: Uint8Array): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path, method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('a non-loopback bind needs a token', () => {
  it('refuses --host 0.0.0.0 without a token: exit 2 and what to do', async () => {
    const outcome = await tracecheck(['serve', '--host', '0.0.0.0', '--http-port', '0', '--grpc-port', 'off'], scratch);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/--host "0\.0\.0\.0" is not a loopback address and no token is set.*TRACECHECK_AUTH_TOKEN or --auth-token-file FILE.*--insecure/);
    expect(outcome.stdout).not.toMatch(/listening/);
  });

  it('starts with --insecure, saying so', async () => {
    const { child } = await serve(['--host', '0.0.0.0', '--insecure']);
    await stop(child);
    expect(child.stderr).toMatch(/--insecure: listening on 0\.0\.0\.0 without a token/);
  });

  it('starts on 0.0.0.0 with a token from TRACECHECK_AUTH_TOKEN, and requires it', async () => {
    const { child, url } = await serve(['--host', '0.0.0.0'], { TRACECHECK_AUTH_TOKEN: TOKEN });
    try {
      expect(child.stdout).toMatch(/requests need a bearer token \(from TRACECHECK_AUTH_TOKEN\)/);
      expect(child.stdout).not.toContain(TOKEN);
      expect((await fetch(`${url}/api/runs`)).status).toBe(401);
      expect((await fetch(`${url}/api/runs`, { headers: { authorization: 'Bearer x' } })).status).toBe(401);
      expect((await fetch(`${url}/api/runs`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
      const export200 = await fetch(`${url}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${TOKEN}`, 'x-test-run-id': 'r1' },
        body: sdkExportRequestBytes(await makeSdkSpans([{ name: 'op' }]), 'protobuf'),
      });
      expect(export200.status).toBe(200);
    } finally {
      await stop(child);
    }
  });
});

describe('the token sources', () => {
  it('reads --auth-token-file, dropping its trailing newline', async () => {
    const file = join(scratch, 'token');
    writeFileSync(file, `${TOKEN}\n`, { mode: 0o600 });
    const { child, url } = await serve(['--auth-token-file', file]);
    try {
      expect(child.stdout).toMatch(/from --auth-token-file/);
      expect((await fetch(`${url}/api/runs`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
      expect((await fetch(`${url}/api/runs`, { headers: { authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);
    } finally {
      await stop(child);
    }
  });

  it.each([
    [['--auth-token-file', '/nonexistent/token'], {}, /--auth-token-file "\/nonexistent\/token": cannot read it/],
    [['--auth-token', 'a'], { TRACECHECK_AUTH_TOKEN: 'b' }, /the token is given 2 ways \(TRACECHECK_AUTH_TOKEN, --auth-token\)/],
    [[], { TRACECHECK_AUTH_TOKEN: 'has space' }, /the token from TRACECHECK_AUTH_TOKEN must be 1-4096 visible ASCII characters/],
  ])('%j with %j is a usage error', async (args, env, message) => {
    const outcome = await tracecheck(['serve', '--http-port', '0', '--grpc-port', 'off', ...args], scratch, { env });
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(message);
  });

  it('still takes --auth-token, warning that the process list shows it', async () => {
    const { child, url } = await serve(['--auth-token', TOKEN]);
    try {
      expect(child.stderr).toMatch(/--auth-token is deprecated: the token is visible .*\/proc\/PID\/cmdline.*TRACECHECK_AUTH_TOKEN or --auth-token-file/);
      expect((await fetch(`${url}/api/runs`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    } finally {
      await stop(child);
    }
  });
});

describe('on loopback, Host and Origin must name this server (DNS rebinding)', () => {
  it('answers loopback names on its port, and refuses other Hosts with 421 and Origins with 403', async () => {
    const { child, url } = await serve(['--cors-origin', 'http://app.test:3000']);
    const port = new URL(url).port;
    try {
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `api.localhost:${port}`]) {
        expect((await send(url, '/api/runs', { host })).status, host).toBe(200);
      }
      for (const host of [`evil.example:${port}`, `127.0.0.1:${Number(port) + 1}`, 'localhost', `10.0.0.1:${port}`]) {
        const refused = await send(url, '/api/runs', { host });
        expect(refused.status, host).toBe(421);
        expect(JSON.parse(refused.body)).toEqual({ error: expect.stringMatching(/Host ".*" is not this server.*DNS-rebinding guard/) });
      }
      // OTLP is guarded too; its refusal is a google.rpc.Status.
      const otlp = await send(url, '/v1/traces', { host: `rebind.example:${port}`, 'content-type': 'application/json' }, 'POST', new TextEncoder().encode('{}'));
      expect(otlp.status).toBe(421);
      expect(JSON.parse(otlp.body)).toMatchObject({ code: 7 });

      const host = `127.0.0.1:${port}`;
      expect((await send(url, '/api/runs', { host, origin: 'http://evil.example' })).status).toBe(403);
      expect((await send(url, '/api/runs', { host, origin: 'null' })).status).toBe(403);
      expect((await send(url, '/api/runs', { host, origin: `http://localhost:${port}` })).status).toBe(200);
      // The origin --cors-origin allows may export from the browser: preflight and POST.
      const preflight = await send(url, '/v1/traces', { host, origin: 'http://app.test:3000', 'access-control-request-method': 'POST' }, 'OPTIONS');
      expect(preflight.status).toBe(204);
      const exported = await send(url, '/v1/traces', { host, origin: 'http://app.test:3000', 'content-type': 'application/json' }, 'POST', new TextEncoder().encode('{"resourceSpans":[]}'));
      expect(exported.status).toBe(200);
    } finally {
      await stop(child);
    }
  });

  it('does not guard a non-loopback bind, which has its token instead', async () => {
    const { child, url } = await serve(['--host', '0.0.0.0'], { TRACECHECK_AUTH_TOKEN: TOKEN });
    try {
      const answer = await send(url.replace('0.0.0.0', '127.0.0.1'), '/api/runs', { host: 'sidecar.internal:4318', authorization: `Bearer ${TOKEN}` });
      expect(answer.status).toBe(200);
    } finally {
      await stop(child);
    }
  });
});

describe('log lines escape what they quote', () => {
  it('quotes a value on one line, escaping newlines, terminal escapes, line separators and bidi overrides', () => {
    const hostile = 'run-1\ntracecheck: evicted run "admin"\r\u001b[2J\u2028\u202e';
    const quoted = quoteForLog(hostile);
    expect(quoted).toBe('"run-1\\ntracecheck: evicted run \\"admin\\"\\r\\u001b[2J\\u2028\\u202e"');
    const text = formatLogLine('text', { level: 'warn', event: 'x', message: `evicted run ${hostile}` });
    expect(text.split(/[\n\r\u2028\u2029\u0085]/u)).toHaveLength(1);
    const json = formatLogLine('json', { level: 'warn', event: 'run-evicted', message: `evicted run ${quoted}`, fields: { runId: hostile } });
    expect(json.split(/[\n\r\u2028\u2029\u0085]/u)).toHaveLength(1);
    expect(JSON.parse(json)).toMatchObject({ level: 'warn', event: 'run-evicted', runId: hostile });
  });

  it('--log-format json writes one JSON object a line, on stdout and stderr, evictions included', async () => {
    const { child, url } = await serve(['--log-format', 'json', '--max-spans', '1']);
    try {
      for (const runId of ['first', 'second']) {
        const answer = await fetch(`${url}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf', 'x-test-run-id': runId },
          body: sdkExportRequestBytes(await makeSdkSpans([{ name: 'op' }]), 'protobuf'),
        });
        expect(answer.status).toBe(200);
      }
      await expect.poll(() => child.stderr).toMatch(/run-evicted/);
    } finally {
      await stop(child);
    }
    const lines = `${child.stdout}${child.stderr}`.trimEnd().split('\n');
    const events = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.map((e) => e['event'])).toEqual(expect.arrayContaining(['listening', 'run-evicted', 'stopping', 'stopped']));
    expect(events.find((e) => e['event'] === 'run-evicted')).toMatchObject({ level: 'warn', runId: 'first', reason: 'max-spans', spanCount: 1 });
    for (const event of events) expect(event).toMatchObject({ time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), msg: expect.any(String) });
  });
});
