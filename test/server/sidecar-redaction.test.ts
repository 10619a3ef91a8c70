// Redaction at ingest, end to end: PII planted through a real exporter into a real `tracecheck serve` must appear in
// no output: the query API, the save file, the upstream's copy (--forward to a second real collector), the stderr
// log, and the JSON and JUnit reports of `tracecheck check` over the saved file.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportResultCode } from '@opentelemetry/core';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeSpansAsOtlpJson } from '../../src/otlp/index.ts';
import { compileRedaction, startCollector } from '../../src/server/index.ts';
import { makeTrace, makeSdkSpans } from '../support/sdk-traces.ts';
import { BIN, tracecheck } from '../cli/tracecheck-process.ts';
import { spawnNode } from './child-processes.ts';
import { exportVia } from './exporters.ts';
import { untilSpanCount } from './sidecar-support.ts';

const scratch = mkdtempSync(join(tmpdir(), 'tracecheck-redact-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const EMAIL = 'alice.liddell@example.com';
const CARD = '4111 1111 1111 1111';
const CARD_DIGITS = '4111111111111111';
const BEARER = 'sk_live_9f8e7d6c5b4a';
const GLOBBED = 'hunter2-do-not-leak';
const PLANTED = [EMAIL, CARD, CARD_DIGITS, BEARER, GLOBBED];

/** A spec that fails on the planted attributes, so the reports quote the (redacted) values they found. */
const SPEC = `name: checkout keeps customer data out of spans
traces: { root: '{ name =~ "^GET /users" }' }
expect:
  - name: the user e-mail is not recorded
    spans: '{ span.user.email != "" }'
    count: 0
  - name: the card is what the test expects
    spans: '{ kind = server }'
    attributes:
      payment.card: '4000 0000 0000 0002'
`;

describe('serve --redact-key / --redact-pattern', () => {
  it('lets no planted e-mail, card number, bearer token or glob-matched value reach any output', async () => {
    const upstream = await startCollector({ grpcPort: null });
    const saveFile = join(scratch, 'saved.jsonl');
    const serve = spawnNode([
      BIN, 'serve', '--http-port', '0', '--grpc-port', '0', '--save', saveFile,
      '--forward', upstream.httpUrl,
      '--redact-key', 'secret.*', '--redact-pattern', 'email', 'card-number', 'bearer-token',
    ]);
    try {
      const [, httpUrl = ''] = await serve.waitFor(/listening on (http:\/\/\S+) \(OTLP\/HTTP/);
      const [, grpcUrl = ''] = await serve.waitFor(/listening on (http:\/\/\S+) \(OTLP\/gRPC/);
      await serve.waitFor(/redacting secret\.\*, email, card-number, bearer-token \(mask\)/);
      const spans = await makeSdkSpans([
        {
          ref: 'root',
          name: `GET /users/${EMAIL}`,
          kind: 'server',
          service: 'shop',
          attributes: {
            'user.email': EMAIL,
            'payment.card': CARD,
            'http.request.header.authorization': `Bearer ${BEARER}`,
            'secret.api_key': GLOBBED,
            'order.note': `call ${EMAIL} about card ${CARD_DIGITS}`,
            'order.lines': [`gift for ${EMAIL}`, 'mug'],
          },
          events: [{ name: `mail sent to ${EMAIL}`, attributes: { 'secret.cc': CARD } }],
          status: { code: 'error', message: `card ${CARD} declined for ${EMAIL}` },
        },
        { parent: 'root', name: 'charge card', kind: 'client', service: 'shop', attributes: { 'peer.user': EMAIL } },
      ]);
      const headers = { 'x-test-run-id': 'pii-1' };
      expect((await exportVia('http/protobuf', httpUrl, spans.slice(0, 1), { headers })).code).toBe(ExportResultCode.SUCCESS);
      expect((await exportVia('grpc', grpcUrl, spans.slice(1), { headers })).code).toBe(ExportResultCode.SUCCESS);

      const settled = await fetch(`${httpUrl}/api/runs/pii-1/settled?quietMillis=50&timeoutMillis=5000`);
      expect(await settled.json()).toMatchObject({ settled: true, spanCount: 2 });
      const queried = await (await fetch(`${httpUrl}/api/runs/pii-1/traces`)).text();
      const streamed = await (await fetch(`${httpUrl}/api/runs`)).text();
      const upstreamRun = upstream.run('pii-1');
      await untilSpanCount(upstreamRun, 2);
      const forwarded = JSON.stringify(encodeSpansAsOtlpJson(upstreamRun.spans()));

      // The masks are where the values were, so redaction did run (and this test would see a no-op).
      expect(queried).toContain('[REDACTED]');
      expect(forwarded).toContain('[REDACTED]');
      expect(queried).toContain('Bearer [REDACTED]');
      for (const output of [queried, streamed, forwarded]) {
        for (const secret of PLANTED) expect(output).not.toContain(secret);
      }
    } finally {
      serve.process.kill('SIGTERM');
    }
    expect(await serve.exited).toBe(0);
    await upstream.close();

    const saved = readFileSync(saveFile, 'utf8');
    expect(saved).toContain('[REDACTED]');
    writeFileSync(join(scratch, 'pii.yaml'), SPEC);
    const reports: string[] = [];
    for (const reporter of ['json', 'junit']) {
      const out = join(scratch, `report.${reporter}`);
      const checked = await tracecheck(['check', '--traces', saveFile, '--specs', 'pii.yaml', '--reporter', reporter, '--out', out], scratch);
      // The spec fails (the card attribute is not what it expects), so the report quotes what it found.
      expect(checked.code, checked.stderr + checked.stdout).toBe(1);
      reports.push(readFileSync(out, 'utf8'), checked.stdout, checked.stderr);
    }
    expect(reports.join('\n')).toContain('[REDACTED]');
    for (const output of [saved, serve.stdout, serve.stderr, ...reports]) {
      for (const secret of PLANTED) expect(output).not.toContain(secret);
    }
  });
});

describe('compileRedaction', () => {
  it('hashes instead of masking, keeping equal values equal, and leaves numbers that fail the Luhn check alone', async () => {
    const redactor = compileRedaction({ patterns: ['email', 'card-number'], keys: ['*token*'], mode: 'hash' });
    if (!redactor.ok) throw new Error(redactor.error.join('\n'));
    const [a, b] = redactor.value.redact(
      await makeTrace([
        { ref: 'a', name: 'a', attributes: { to: EMAIL, order: '1234 5678 9012 3456', card: CARD, 'session.token': 'abc' } },
        { parent: 'a', name: 'b', attributes: { from: EMAIL } },
      ]),
    );
    expect(a?.attributes['to']).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(a?.attributes['to']).toBe(b?.attributes['from']);
    expect(a?.attributes['order']).toBe('1234 5678 9012 3456');
    expect(a?.attributes['card']).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(a?.attributes['session.token']).toMatch(/^sha256:[0-9a-f]{16}$/);
  });

  it('passes spans with nothing to redact through as they are', async () => {
    const spans = await makeTrace([{ name: 'a', attributes: { plain: 'nothing here' } }]);
    const redactor = compileRedaction({ patterns: ['email'] });
    if (!redactor.ok) throw new Error('rules');
    expect(redactor.value.redact(spans)[0]).toBe(spans[0]);
  });

  it('says what is wrong with a bad rule', () => {
    const redactor = compileRedaction({ patterns: ['emial', '(unclosed'], keys: [''] });
    expect(redactor.ok).toBe(false);
    if (redactor.ok) return;
    expect(redactor.error.join('\n')).toMatch(/--redact-key "" is empty/);
    expect(redactor.error.join('\n')).toMatch(/--redact-pattern "\(unclosed" is neither a built-in name \(email, card-number, bearer-token\) nor a usable regex/);
  });
});
