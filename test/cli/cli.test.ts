import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HtmlReportData, JsonReport } from '../../src/report/index.ts';
import { sdkExportRequestBytes } from '../support/sdk-traces.ts';
import { ROUNDTRIP as FIXTURE, ROUNDTRIP_STDOUT, tracecheck, writeCliFixtures } from './tracecheck-process.ts';

const BROKEN = `name: broken
expect:
  - name: misspelt
    slector: '{ kind = server }'
`;

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tracecheck-cli-'));
  const spans = await writeCliFixtures(dir);
  await writeFile(join(dir, 'broken.yaml'), BROKEN);
  await writeFile(join(dir, 'saved.pb'), sdkExportRequestBytes(spans, 'protobuf'));
  await writeFile(join(dir, 'corrupt.jsonl'), '{"resourceSpans": [\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tracecheck help and usage', () => {
  it('prints help, command help and the version', async () => {
    const help = await tracecheck(['--help'], dir);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/run\s+run a command/);
    const runHelp = await tracecheck(['run', '--help'], dir);
    expect(runHelp.code).toBe(0);
    expect(runHelp.stdout).toContain('--reporter NAME');
    const version = await tracecheck(['--version'], dir);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('tracecheck help COMMAND prints that command\'s help, as COMMAND --help does', async () => {
    const help = await tracecheck(['help', 'run'], dir);
    const runHelp = await tracecheck(['run', '--help'], dir);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: tracecheck run /);
    expect(help.stdout).toBe(runHelp.stdout);
    for (const args of [['help'], ['help', '--help']]) {
      const general = await tracecheck(args, dir);
      expect(general.code).toBe(0);
      expect(general.stdout).toMatch(/run\s+run a command/);
    }
  });

  it('tracecheck help with an unknown command is a usage error with a did-you-mean', async () => {
    const out = await tracecheck(['help', 'chek'], dir);
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain('unknown command "chek" (did you mean "check"?)');
    expect(out.stderr).toContain('usage: tracecheck help');
  });

  it('exits 2 with a did-you-mean for unknown options, values and commands', async () => {
    const option = await tracecheck(['check', '--tracs', 'x'], dir);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain('unknown option --tracs (did you mean --traces?)');
    const value = await tracecheck(['check', '--reporter', 'junt'], dir);
    expect(value.code).toBe(2);
    expect(value.stderr).toContain('did you mean "junit"?');
    const command = await tracecheck(['chek'], dir);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('did you mean "check"?');
  });
});

describe('tracecheck validate', () => {
  it('prints one OK line for valid specs', async () => {
    const out = await tracecheck(['validate', '--specs', 'pass.yaml', 'fail.yaml'], dir);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toBe('OK: 2 specs with 2 expectations in 2 files\n');
  });

  it('prints every problem as file:line:col and exits 2', async () => {
    const out = await tracecheck(['validate', '--specs', 'broken.yaml'], dir);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/^broken\.yaml:4:5 .*slector/m);
  });
});

describe('tracecheck check', () => {
  it('exits 0 when specs pass over saved JSON lines and protobuf', async () => {
    const lines = await tracecheck(['check', '--traces', 'saved.jsonl', '--specs', 'pass.yaml'], dir);
    expect(lines.stderr).toBe('');
    expect(lines.code).toBe(0);
    expect(lines.stdout).toContain('✓ the server answers');
    const pb = await tracecheck(['check', '--traces', 'saved.pb', '--specs', 'pass.yaml', '--reporter', 'json'], dir);
    expect(pb.code).toBe(0);
    const report = JSON.parse(pb.stdout) as JsonReport;
    expect(report.passed).toBe(true);
    expect(report.spanCount).toBe(2);
  });

  it('exits 1 when a spec fails, writes junit to --out and the pretty report to stdout', async () => {
    const out = await tracecheck(
      ['check', '--traces', 'saved.jsonl', '--specs', 'pass.yaml', 'fail.yaml', '--reporter', 'junit', '--out', 'reports/tc.xml'],
      dir,
    );
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('✗ payments serves a request');
    expect(out.stdout).toMatch(/FAIL {2}Specs: 1 failed, 1 passed/);
    const xml = await readFile(join(dir, 'reports/tc.xml'), 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).toContain('<testcase classname="payments is called" name="payments serves a request"');
    expect(xml).toContain('<failure message=');
  });

  it('writes --reporter html to --out: one page holding the result and the spans it judged', async () => {
    const out = await tracecheck(['check', '--traces', 'saved.jsonl', '--specs', 'pass.yaml', 'fail.yaml', '--reporter', 'html', '--out', 'reports/tc.html'], dir);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/FAIL {2}Specs: 1 failed, 1 passed/);
    const html = await readFile(join(dir, 'reports/tc.html'), 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    const data = JSON.parse(/<script type="application\/json" id="tc-data">(.*?)<\/script>/su.exec(html)?.[1] ?? 'null') as HtmlReportData;
    expect(data.result?.passed).toBe(false);
    expect(data.traces.reduce((n, t) => n + t.spans.length, 0)).toBe(data.result?.spanCount);
    expect(data.result?.spanCount).toBeGreaterThan(0);
  });

  it('exits 2 and names the line of a corrupt trace file', async () => {
    const out = await tracecheck(['check', '--traces', 'corrupt.jsonl', '--specs', 'pass.yaml'], dir);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('corrupt.jsonl');
    expect(out.stderr).toContain('nothing was judged');
  });
});

describe('tracecheck run', () => {
  const node = process.execPath;

  it('exits 0 when the command and every spec pass, judging the traces the command exported', async () => {
    const out = await tracecheck(['run', '--specs', 'pass.yaml', '--reporter', 'json', '--', node, FIXTURE, 'shop', '0'], dir);
    // The command's own stdout goes to stderr: stdout is the report alone.
    expect(out.stderr).toBe(`${ROUNDTRIP_STDOUT}\n`);
    expect(out.code).toBe(0);
    const report = JSON.parse(out.stdout) as JsonReport;
    expect(report.passed).toBe(true);
    expect(report.spanCount).toBeGreaterThanOrEqual(2);
    // Spec files under the working directory are named relative to it, as editors and CI annotations expect.
    expect(report.specs.map((spec) => spec.file)).toEqual(report.specs.map(() => 'pass.yaml'));
  });

  it('with --reporter json or junit and no --out, stdout is the report alone: redirected, it parses', async () => {
    const json = await tracecheck(['run', '--specs', 'pass.yaml', '--reporter', 'json', '--', node, FIXTURE, 'shop', '0'], dir);
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as JsonReport).passed).toBe(true);
    expect(json.stderr).toContain(ROUNDTRIP_STDOUT);
    const junit = await tracecheck(['run', '--specs', 'pass.yaml', '--reporter', 'junit', '--', node, FIXTURE, 'shop', '0'], dir);
    expect(junit.code).toBe(0);
    expect(junit.stdout).toMatch(/^<\?xml/);
    expect(XMLValidator.validate(junit.stdout)).toBe(true);
    expect(junit.stderr).toContain(ROUNDTRIP_STDOUT);
  });

  it("keeps the command's stdout on stdout for the pretty report and when --out takes the file report", async () => {
    const pretty = await tracecheck(['run', '--specs', 'pass.yaml', '--', node, FIXTURE, 'shop', '0'], dir);
    expect(pretty.code).toBe(0);
    expect(pretty.stdout).toMatch(new RegExp(`^${ROUNDTRIP_STDOUT}\n`));
    const out = await tracecheck(['run', '--specs', 'pass.yaml', '--reporter', 'json', '--out', 'run.json', '--', node, FIXTURE, 'shop', '0'], dir);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(ROUNDTRIP_STDOUT);
    expect((JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')) as JsonReport).passed).toBe(true);
  });

  it('exits 1 when a spec fails and shows near misses from the real trace, judged once the run settles', async () => {
    // CMD has exited, so the failure is final once the run is quiet: a 60 s deadline is never waited for (the
    // test's own 30 s limit would fail it), and the report does not say it timed out.
    const out = await tracecheck(['run', '--specs', 'fail.yaml', '--timeout', '60s', '--', node, FIXTURE, 'shop', '0'], dir);
    expect(out.code).toBe(1);
    expect(out.stdout).not.toContain('timed out');
    expect(out.stdout).toContain('✗ payments serves a request');
    expect(out.stdout).toContain('closest: shop');
  });

  it("passes the command's own exit code through and still reports", async () => {
    const out = await tracecheck(['run', '--specs', 'pass.yaml', '--', node, FIXTURE, 'shop', '3'], dir);
    expect(out.code).toBe(3);
    expect(out.stdout).toContain('✓ the server answers');
    expect(out.stderr).toContain('exited with code 3');
  });

  it('exits 2 for broken specs before running the command', async () => {
    const out = await tracecheck(['run', '--specs', 'broken.yaml', '--', node, '-e', 'process.exit(7)'], dir);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/broken\.yaml:4:5/);
  });

  it('exits 2 without a command', async () => {
    const out = await tracecheck(['run', '--specs', 'pass.yaml'], dir);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('no command to run');
  });
});
