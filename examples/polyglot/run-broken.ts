/**
 * `npm run example:polyglot:broken`: the polyglot example with its Python service configured for B3 only
 * (`OTEL_PROPAGATORS=b3`), between a W3C gateway and a W3C Go service. The run must fail its specs, naming the
 * hops: tracecheck's exit 1 becomes this script's 1; a pass, which would mean the specs no longer catch the
 * broken hop, exits 3. Any other code of tracecheck's is passed on.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
process.stdout.write('\n━━ pricing (Python) with OTEL_PROPAGATORS=b3: this run must fail ━━\n');
const child = spawn(
  process.execPath,
  // drive.ts has stopped its services (flushing them) before tracecheck judges: a short deadline for positive
  // expectations only shortens the wait for the verdict.
  ['bin/tracecheck.js', 'run', '--timeout', '3s', '--specs', 'examples/polyglot/specs', ...process.argv.slice(2), '--', process.execPath, 'examples/polyglot/drive.ts'],
  { cwd: root, stdio: 'inherit', env: { ...process.env, POLYGLOT_PRICING_PROPAGATORS: 'b3' } },
);
const [code] = (await once(child, 'exit')) as [number | null];
if (code === 0) process.stderr.write('example:polyglot:broken: the B3-only Python service passed every spec; the specs no longer catch this broken hop\n');
process.exitCode = code === 0 ? 3 : (code ?? 1);
