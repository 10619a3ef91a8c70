// The save file behind `serve --save`, as a library: lines land in call order, rotation numbers only grow (across
// restarts too), and a closed file refuses.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSaveFile } from '../../src/server/index.ts';
import type { SaveFile } from '../../src/server/index.ts';

const scratch = mkdtempSync(join(tmpdir(), 'tracecheck-save-file-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function open(path: string, maxFileBytes?: number): Promise<SaveFile> {
  const opened = await openSaveFile({ path, maxFileBytes });
  if (!opened.ok) throw new Error(opened.error);
  return opened.value;
}

describe('openSaveFile', () => {
  it('writes lines of concurrent appends in call order, answering each once it is written', async () => {
    const path = join(scratch, 'ordered.jsonl');
    const file = await open(path);
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => file.append(`{"n":${i}}`)));
    expect(answers.every((a) => a.ok)).toBe(true);
    await file.close();
    expect(readFileSync(path, 'utf8')).toBe(Array.from({ length: 200 }, (_, i) => `{"n":${i}}\n`).join(''));
    expect(file.stats()).toMatchObject({ savedLines: 200, failedLines: 0, busyLines: 0 });
    expect((await file.append('{}')).ok).toBe(false);
  });

  it('rotates to FILE.1, FILE.2, ... and a reopened file continues the numbers instead of overwriting', async () => {
    const path = join(scratch, 'rotated.jsonl');
    const line = 'x'.repeat(99);
    for (let restart = 0; restart < 2; restart++) {
      const file = await open(path, 250);
      for (let i = 0; i < 5; i++) expect((await file.append(`${restart}${line}`)).ok).toBe(true);
      await file.close();
    }
    const names = readdirSync(scratch).filter((n) => n.startsWith('rotated.jsonl')).sort();
    expect(names).toEqual(['rotated.jsonl', 'rotated.jsonl.1', 'rotated.jsonl.2', 'rotated.jsonl.3', 'rotated.jsonl.4']);
    const lines = names.flatMap((n) => readFileSync(join(scratch, n), 'utf8').split('\n').filter((l) => l !== ''));
    expect(lines).toHaveLength(10);
    // The oldest lines are in the lowest number; the active file holds the newest.
    expect(readFileSync(join(scratch, 'rotated.jsonl.1'), 'utf8').startsWith('0')).toBe(true);
    expect(readFileSync(path, 'utf8').startsWith('1')).toBe(true);
  });
});
