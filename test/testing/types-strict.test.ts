// A user's project that type-checks declaration files too (skipLibCheck: false) must still typecheck after
// `import 'tracecheck/vitest'` or `import 'tracecheck/jest'`: the matcher augmentations live inside the runners'
// own types (vitest's `MatchersObject` takes `Parameters<>` of every member of `Matchers`). The fixture resolves
// 'tracecheck/vitest' through the package's exports to the built dist/*.d.ts, as an installed project does.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, test } from 'vitest';
import { ensureBuilt, repoRoot as root } from './built-package.ts';

beforeAll(() => ensureBuilt(), 120_000);

const fixture = fileURLToPath(new URL('./fixtures/types-strict/', import.meta.url));

test('a strict project using the vitest and jest matchers typechecks with skipLibCheck: false', { timeout: 120_000 }, () => {
  const tsc = spawnSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', 'tsconfig.json'], { cwd: fixture, encoding: 'utf8' });
  expect(`${tsc.stdout}${tsc.stderr}`).toBe('');
  expect(tsc.status).toBe(0);
});
