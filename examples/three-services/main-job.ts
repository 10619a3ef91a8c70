/**
 * `npm run example [-- OPTIONS...]`: the main job on the bundled example,
 * `tracecheck run OPTIONS... -- node examples/three-services/drive-checkout.ts`. npm appends what follows `--` to the
 * script's command line, which would hand tracecheck's options to the driver; this puts them before the `--`, so
 * `npm run example -- --reporter html --out example-report.html` does what it says. tracecheck's exit code (or its
 * signal) is passed on.
 *
 * @example
 * ```sh
 * npm run example                                              # the pretty report
 * npm run example -- --reporter html --out example-report.html  # the html report
 * npm run example -- --reporter json --timeout 20s
 * ```
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const tracecheck = fileURLToPath(new URL('../../bin/tracecheck.js', import.meta.url));
const driver = fileURLToPath(new URL('./drive-checkout.ts', import.meta.url));
const child = spawn(process.execPath, [tracecheck, 'run', ...process.argv.slice(2), '--', process.execPath, driver], { stdio: 'inherit' });
const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
if (signal !== null) process.kill(process.pid, signal);
else process.exitCode = code ?? 1;
