import { mkdtemp, rm, writeFile, chmod, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatSpecProblem } from '../../src/errors.ts';
import { loadSpecFiles, loadSpecText } from '../../src/language/loader.ts';

const FIXTURES = 'test/language/fixtures';
const VALID = `${FIXTURES}/valid`;

describe('loadSpecFiles', () => {
  it('loads a directory recursively, in sorted order, YAML and JSON alike', async () => {
    const result = await loadSpecFiles([VALID], { env: {} });
    if (!result.ok) throw new Error(result.error.map(formatSpecProblem).join('\n'));
    expect(result.value.map((s) => [s.file, s.definition.name, `${s.source.line}:${s.source.col}`])).toEqual([
      [`${VALID}/list.yml`, 'health check is quiet', '2:5'],
      [`${VALID}/list.yml`, 'payment publishes an event', '7:5'],
      [`${VALID}/nested/multi.yaml`, 'first document', '1:1'],
      [`${VALID}/nested/multi.yaml`, 'second document', '5:1'],
      [`${VALID}/nested/plain.json`, 'json spec', '1:1'],
      [`${VALID}/single.yaml`, 'checkout crosses three services', '2:1'],
    ]);
  });

  it('loads a YAML spec into exactly the typed object', async () => {
    const result = await loadSpecFiles([`${VALID}/single.yaml`]);
    if (!result.ok) throw new Error(result.error.map(formatSpecProblem).join('\n'));
    const [spec] = result.value;
    expect(spec?.definition.traces).toEqual({ root: 'name = "POST /checkout"', count: { min: 1 } });
    expect(spec?.definition.vars).toEqual({ sku: 'ABC-1' });
    expect(spec?.definition.timeout).toBe('10s');
    expect(spec?.definition.expect?.[0]).toEqual({
      name: 'orders is called',
      spans: '{ service = "orders" && kind = server }',
      count: 1,
      attributes: { 'http.request.method': 'POST', 'http.response.status_code': { in: [200, 201] }, 'order.sku': '${var:sku}' },
      capture: { orderId: 'span.order.id' },
    });
    expect(spec?.definition.expect).toHaveLength(9);
    expect(spec?.definition.expect?.[4]).toEqual({ budget: { over: 'traces', max: '1s' } });
  });

  it('loads JSON with positions and without the $schema key', async () => {
    const result = await loadSpecFiles([`${VALID}/nested/plain.json`]);
    if (!result.ok) throw new Error(result.error.map(formatSpecProblem).join('\n'));
    const [spec] = result.value;
    expect(spec?.definition).toEqual({
      name: 'json spec',
      expect: [
        { spans: '{ kind = server }', count: { exactly: 2 } },
        { budget: { over: 'spans', spans: '{ kind = client }', max: 250 } },
      ],
    });
    expect(spec?.positionOf(['expect', 1])).toEqual({ file: `${VALID}/nested/plain.json`, line: 6, col: 5 });
    expect(spec?.positionOf(['expect', 1, 'budget', 'max'])).toEqual({ file: `${VALID}/nested/plain.json`, line: 6, col: 73 });
  });

  it('reports the problems of every file, each with its own file name', async () => {
    const result = await loadSpecFiles([`${FIXTURES}/invalid`, VALID]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.map(formatSpecProblem)).toEqual([
      `${FIXTURES}/invalid/bad-key.json:1:60 unknown key "cont" to a "spans" expectation (did you mean "count"?)`,
      `${FIXTURES}/invalid/bad-kind.yaml:3:22 unknown kind "sever" (did you mean "server"?)`,
    ]);
  });

  describe('with files on disk', () => {
    let dir: string | undefined;
    afterEach(async () => {
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
      dir = undefined;
    });

    it('says when a path does not exist, a directory has no spec files, or a file cannot be read', async () => {
      dir = await mkdtemp(join(tmpdir(), 'tracecheck-spec-'));
      await mkdir(join(dir, 'empty'));
      await writeFile(join(dir, 'empty', 'notes.txt'), 'not a spec');
      const locked = join(dir, 'locked.yaml');
      await writeFile(locked, 'name: x\nexpect: [{ connected: true }]\n');
      await chmod(locked, 0o000);
      const missing = join(dir, 'nope.yaml');
      const result = await loadSpecFiles([missing, join(dir, 'empty'), locked]);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      const lines = result.error.map(formatSpecProblem);
      expect(lines[0]).toBe(`${missing}:1:1 cannot read "${missing}": ENOENT (check the path; it is resolved from the current directory)`);
      expect(lines[1]).toBe(`${join(dir, 'empty')}:1:1 no spec files found under "${join(dir, 'empty')}" (spec files end in .yaml, .yml, .json)`);
      // Root reads any file regardless of its mode; only check the third problem where permissions apply.
      if (process.getuid?.() !== 0) expect(lines[2]).toBe(`${locked}:1:1 cannot read "${locked}": EACCES`);
      else expect(lines).toHaveLength(2);
    });

    it('loads the same file once when it is named twice', async () => {
      dir = await mkdtemp(join(tmpdir(), 'tracecheck-spec-'));
      await writeFile(join(dir, 'a.yaml'), 'name: a\nexpect: [{ connected: true }]\n');
      const result = await loadSpecFiles([dir, join(dir, 'a.yaml')]);
      expect(result.ok && result.value.map((s) => s.definition.name)).toEqual(['a']);
    });
  });
});

describe('loadSpecText', () => {
  it('accepts a top-level list of specs', () => {
    const result = loadSpecText('- name: a\n  expect: [{ connected: true }]\n- name: b\n  expect: [{ connected: true }]\n', 'l.yaml');
    expect(result.ok && result.value.map((s) => `${s.definition.name}@${s.source.line}:${s.source.col}`)).toEqual(['a@1:3', 'b@3:3']);
  });

  it('positionOf points at expectations, keys and characters inside selectors', () => {
    const text = 'name: p\nexpect:\n  - spans: >-\n      { kind = server }\n      >> { name = "x" }\n';
    const result = loadSpecText(text, 'p.yaml');
    if (!result.ok) throw new Error(result.error.map(formatSpecProblem).join('\n'));
    const [spec] = result.value;
    expect(spec?.positionOf(['expect', 0])).toEqual({ file: 'p.yaml', line: 3, col: 5 });
    expect(spec?.positionOf(['expect', 0, 'spans'], { key: true })).toEqual({ file: 'p.yaml', line: 3, col: 5 });
    // The folded value is `{ kind = server } >> { name = "x" }`; offset 21 is the second `{`.
    expect(spec?.definition.expect?.[0]).toEqual({ spans: '{ kind = server } >> { name = "x" }' });
    expect(spec?.positionOf(['expect', 0, 'spans'], { offset: 21 })).toEqual({ file: 'p.yaml', line: 5, col: 10 });
    expect(spec?.positionOf(['expect', 3])).toBeUndefined();
  });

  it('validates a value given through an anchor and alias like any other (the alias is placed at the alias)', () => {
    const text = 'name: a\nexpect:\n  - spans: &sel "{ kind = sever }"\n  - noErrors: *sel\n';
    const result = loadSpecText(text, 'a.yaml');
    expect(!result.ok && result.error.map(formatSpecProblem)).toEqual([
      'a.yaml:3:27 unknown kind "sever" (did you mean "server"?)',
      'a.yaml:4:15 unknown kind "sever" (did you mean "server"?)',
    ]);
  });
});
