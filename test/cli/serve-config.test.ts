// `tracecheck serve --config FILE`: read against serve's own option table, with file:line:col problems.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readConfigText } from '../../src/cli/config-file.ts';
import { serveCommand } from '../../src/cli/serve-command.ts';
import { formatSpecProblem } from '../../src/errors.ts';
import { spawnNode } from '../server/child-processes.ts';
import { BIN, tracecheck } from './tracecheck-process.ts';

const scratch = mkdtempSync(join(tmpdir(), 'tracecheck-config-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function problemsOf(text: string): string[] {
  const read = readConfigText(text, 'tc.yaml', serveCommand.options);
  if (read.ok) throw new Error('expected problems');
  return read.error.map(formatSpecProblem);
}

describe('serve --config', () => {
  it('accepts every option of serve as a key, so options added to its table need no other edit', () => {
    const lines: string[] = [];
    const expected = new Map<string, readonly string[] | true>();
    for (const spec of serveCommand.options) {
      if (spec.name === 'config') continue;
      if (spec.type === 'flag') {
        lines.push(`${spec.name}: true`);
        expected.set(spec.name, true);
      } else if (spec.type === 'list') {
        lines.push(`${spec.name}: [first, second]`);
        expected.set(spec.name, ['first', 'second']);
      } else {
        const value = spec.choices?.[0] ?? 'x1';
        lines.push(`${spec.name}: ${value}`);
        expected.set(spec.name, [value]);
      }
    }
    const read = readConfigText(lines.join('\n'), '/etc/tracecheck/serve.yaml', serveCommand.options);
    if (!read.ok) throw new Error(read.error.map(formatSpecProblem).join('\n'));
    for (const [name, value] of expected) {
      const spec = serveCommand.options.find((s) => s.name === name);
      if (value === true) {
        expect(read.value.args.flags.has(name)).toBe(true);
      } else if (spec?.valueName === 'FILE' || spec?.valueName === 'PATH' || spec?.valueName === 'DIR') {
        // Paths in a config file are relative to the file's folder.
        expect(read.value.args.values.get(name)).toEqual(value.map((v) => `/etc/tracecheck/${v}`));
      } else {
        expect(read.value.args.values.get(name)).toEqual(value);
      }
    }
  });

  it.each([
    ['htp-port: 4318\n', 'tc.yaml:1:1 unknown key "htp-port" (did you mean "http-port"?)'],
    ['host: 0.0.0.0\nmaxSpans: 10\n', 'tc.yaml:2:1 unknown key "maxSpans" (did you mean "max-spans"?)'],
    ['config: other.yaml\n', 'tc.yaml:1:1 unknown key "config" (a config file cannot name another; pass --config once)'],
    ['http-port: [1, 2]\n', 'tc.yaml:1:12 "http-port" takes one value, not a list (write "http-port: PORT")'],
    ['redact-mode: hsah\n', 'tc.yaml:1:14 "redact-mode" cannot be "hsah" (did you mean "hash"?)'],
    ['specs:\n  - a\n  - { b: 1 }\n', 'tc.yaml:3:5 "specs" needs a PATH or a list of them'],
    ['save:\n', 'tc.yaml:1:6 "save" needs one FILE (write e.g. "save: FILE"; save is: append every export'],
    ['- http-port: 1\n', 'tc.yaml:1:1 a config file is a mapping of option names to values'],
    ['http-port: 1\nhttp-port: 2\n', 'tc.yaml:2:1 YAML syntax error'],
  ])('explains %j at its file:line:col', (text, message) => {
    expect(problemsOf(text)[0]).toContain(message);
  });

  it('runs a real serve from a config file; flags override it, and a bad value in it is shown where it is written', async () => {
    const config = join(scratch, 'serve.yaml');
    writeFileSync(config, ['# a sidecar for staging', 'host: 127.0.0.1', 'http-port: 0', 'grpc-port: "off"', 'max-spans: 5000', 'save: saved.jsonl', ''].join('\n'));
    // The command line turns gRPC back on: flags win over the file.
    const serve = spawnNode([BIN, 'serve', '--config', config, '--grpc-port', '0'], { ...process.env, NO_COLOR: '1' });
    try {
      await serve.waitFor(/listening on http:\/\/127\.0\.0\.1:\d+ \(OTLP\/gRPC\)/);
      // save: saved.jsonl is relative to the config file's folder.
      await serve.waitFor(new RegExp(`saving exports to "${scratch.replaceAll('/', '\\/')}\\/saved\\.jsonl"`));
    } finally {
      serve.process.kill('SIGTERM');
    }
    expect(await serve.exited).toBe(0);

    writeFileSync(config, 'http-port: 0\ngrpc-port: "off"\nmax-spans: 0\n');
    const bad = await tracecheck(['serve', '--config', 'serve.yaml'], scratch);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('tracecheck serve: serve.yaml:3:12 --max-spans must be a positive integer, got "0"\n');

    writeFileSync(config, 'http-port: 0\ngrpc-port: "off"\nredact-pattern:\n  - email\n  - "(oops"\n');
    const badRule = await tracecheck(['serve', '--config', 'serve.yaml'], scratch);
    expect(badRule.code).toBe(2);
    // A list option's position is its first item's.
    expect(badRule.stderr).toMatch(/^tracecheck serve: serve\.yaml:4:3 --redact-pattern "\(oops" is neither a built-in name \(email, card-number, bearer-token\) nor a usable regex/);

    writeFileSync(config, 'http-port: 0\nmax-spams: 10\n');
    const typo = await tracecheck(['serve', '--config', 'serve.yaml'], scratch);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe('serve.yaml:2:1 unknown key "max-spams" (did you mean "max-spans"?)\n');
  });
});
