// The layer lint (`depcruise src --config .dependency-cruiser.cjs`, run by `npm run lint`) must fail on a layer
// violation, a cycle and a deep cross-folder import, and pass on the real src/. Each fixture is a tiny src/ tree in a
// temporary directory, cruised by the dependency-cruiser CLI with the project's own config file: a rule taken out of
// the config makes its test fail.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs');
const CRUISE_TIMEOUT_MILLIS = 60_000;

interface CruiseReport {
  readonly exitCode: number;
  /** Each violation as `rule: from → to` (a cycle: `no-circular: a → b → a`). */
  readonly violations: readonly string[];
  readonly modulesCruised: number;
  readonly output: string;
}

/**
 * Runs the lint's command, `depcruise src --config .dependency-cruiser.cjs`, in `cwd` and reads its report: the
 * exit code (the number of errors) and the violations it printed.
 */
function cruise(cwd: string): Promise<CruiseReport> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      process.execPath,
      [DEPCRUISE, 'src', '--config', CONFIG],
      { cwd, maxBuffer: 16 * 1024 * 1024, timeout: CRUISE_TIMEOUT_MILLIS },
      (error, stdout, stderr) => {
        const output = stripVTControlCharacters(stdout);
        const summary = /(\d+) modules, \d+ dependencies cruised/.exec(output);
        if (summary === null) {
          reject(new Error(`depcruise printed no report (${error?.message ?? 'no error'}):\n${stdout}\n${stderr}`));
          return;
        }
        // `  error <rule>: <from> → <to>`; a cycle continues on indented lines, one module each.
        const violations = output
          .split(/^ {2}(?=error |warn |info )/m)
          .slice(1)
          .map((entry) => entry.replace(/^(error|warn|info) /, '').split(/\n\s*\n/)[0]!.replace(/\s+/g, ' ').trim());
        resolvePromise({
          exitCode: typeof error?.code === 'number' ? error.code : 0,
          violations,
          modulesCruised: Number(summary[1]),
          output,
        });
      },
    );
  });
}

const scratch = mkdtempSync(join(tmpdir(), 'tracecheck-layers-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Writes a fixture tree (paths relative to its root, e.g. `src/model/span.ts`) with a tsconfig like the project's. */
function fixture(name: string, files: Record<string, string>): string {
  const root = join(scratch, name);
  const tsconfig = {
    compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', allowImportingTsExtensions: true, noEmit: true, strict: true },
    include: ['src'],
  };
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'tsconfig.json'), JSON.stringify(tsconfig));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

/** A folder's door, exporting one value and one type. */
const door = (name: string) => `export const ${name} = 1;\nexport type ${name[0]?.toUpperCase()}${name.slice(1)} = number;\n`;

describe('the layer lint', () => {
  it('reports an import against the layer order, type-only imports included, and nothing for allowed ones', async () => {
    const root = fixture('layers', {
      'src/errors.ts': 'export const errors = 1;\n',
      'src/result.ts': 'export type Result = number;\n',
      'src/model/index.ts': door('model'),
      'src/protocol/index.ts': door('protocol'),
      'src/otlp/index.ts': door('otlp'),
      'src/language/index.ts': door('language'),
      'src/store/index.ts': door('store'),
      'src/receiver/index.ts': door('receiver'),
      'src/engine/index.ts': door('engine'),
      'src/report/index.ts': door('report'),
      'src/server/index.ts': door('server'),
      'src/testing/index.ts': door('testing'),
      'src/cli/index.ts': door('cli'),
      // Against the flow: the model below everything, a type-only import (a layer needing another's types depends on it).
      'src/model/span.ts': "import type { Engine } from '../engine/index.ts';\nexport type Span = Engine;\n",
      // The store holds data; judging runs is the engine's, above it.
      'src/store/live-run.ts': "import { engine } from '../engine/index.ts';\nexport const run = engine;\n",
      'src/otlp/decode.ts': "import { store } from '../store/index.ts';\nexport const decode = store;\n",
      'src/protocol/run-id.ts': "import { store } from '../store/index.ts';\nexport const runId = store;\n",
      'src/report/pretty.ts': "import { store } from '../store/index.ts';\nexport const pretty = store;\n",
      'src/server/collector.ts': "import { testing } from '../testing/index.ts';\nexport const collector = testing;\n",
      'src/testing/run.ts': "import { cli } from '../cli/index.ts';\nexport const run = cli;\n",
      // With the flow: none of these is reported.
      'src/engine/evaluate.ts':
        "import { errors } from '../errors.ts';\nimport type { Result } from '../result.ts';\nimport { store } from '../store/index.ts';\n" +
        "import { language } from '../language/index.ts';\nimport { model } from '../model/index.ts';\n" +
        'export const evaluate: Result = errors + store + language + model;\n',
      'src/receiver/export.ts':
        "import { otlp } from '../otlp/index.ts';\nimport { store } from '../store/index.ts';\nimport { protocol } from '../protocol/index.ts';\n" +
        'export const exported = otlp + store + protocol;\n',
      'src/cli/main.ts': "import { testing } from '../testing/index.ts';\nimport { server } from '../server/index.ts';\nexport const main = testing + server;\n",
    });
    const report = await cruise(root);
    expect([...report.violations].sort()).toEqual(
      [
        'layer-model: src/model/span.ts → src/engine/index.ts',
        'layer-store: src/store/live-run.ts → src/engine/index.ts',
        'layer-otlp: src/otlp/decode.ts → src/store/index.ts',
        'layer-protocol: src/protocol/run-id.ts → src/store/index.ts',
        'layer-report: src/report/pretty.ts → src/store/index.ts',
        'layer-server: src/server/collector.ts → src/testing/index.ts',
        'layer-testing: src/testing/run.ts → src/cli/index.ts',
      ].sort(),
    );
    expect(report.exitCode).not.toBe(0);
  }, CRUISE_TIMEOUT_MILLIS);

  it('reports an import cycle', async () => {
    const root = fixture('cycle', {
      'src/engine/index.ts': "export { judge } from './judge.ts';\n",
      'src/engine/judge.ts': "import { explain } from './explain.ts';\nexport const judge = () => explain();\n",
      'src/engine/explain.ts': "import { judge } from './judge.ts';\nexport const explain = (): unknown => judge;\n",
    });
    const report = await cruise(root);
    // One violation per cycle, starting at either of its modules.
    expect(report.violations).toHaveLength(1);
    expect(report.violations[0]).toMatch(
      /^no-circular: (src\/engine\/explain\.ts → src\/engine\/judge\.ts → src\/engine\/explain\.ts|src\/engine\/judge\.ts → src\/engine\/explain\.ts → src\/engine\/judge\.ts)$/,
    );
    expect(report.exitCode).not.toBe(0);
  }, CRUISE_TIMEOUT_MILLIS);

  it("reports a deep import into another folder, from a folder or an entry point, but not within a folder's subfolders", async () => {
    const root = fixture('deep', {
      'src/store/index.ts': "export { SpanStore } from './span-store.ts';\n",
      'src/store/span-store.ts': 'export class SpanStore {}\n',
      'src/engine/index.ts': "export { judge } from './judge.ts';\n",
      'src/engine/judge.ts': "import { SpanStore } from '../store/span-store.ts';\nexport const judge = () => new SpanStore();\n",
      // A subfolder is part of its folder: importing the folder's files directly is right.
      'src/engine/expectations/spans.ts': "import { judge } from '../judge.ts';\nexport const spans = judge;\n",
      'src/index.ts': "export type { SpanStore } from './store/span-store.ts';\nexport { judge } from './engine/index.ts';\n",
    });
    const report = await cruise(root);
    expect([...report.violations].sort()).toEqual([
      'no-deep-import: src/engine/judge.ts → src/store/span-store.ts',
      'no-deep-import: src/index.ts → src/store/span-store.ts',
    ]);
    expect(report.exitCode).not.toBe(0);
  }, CRUISE_TIMEOUT_MILLIS);

  it('passes on the real src/', async () => {
    const report = await cruise(ROOT);
    expect(report.violations, report.output).toEqual([]);
    expect(report.exitCode).toBe(0);
    // It looked at the whole tree, not at nothing.
    expect(report.modulesCruised).toBeGreaterThan(100);
  }, CRUISE_TIMEOUT_MILLIS);
});
