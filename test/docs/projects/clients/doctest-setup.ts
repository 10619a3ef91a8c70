/**
 * docs/clients.md's setups, as a developer who followed its install lines has them: the pinned Python packages in
 * `.venv`, the Go module's go.mod and go.sum, the Java SDK's jars in `lib/`. They are the builds of
 * scripts/install-clients.sh (the same pins), linked or copied here instead of installed again; the docs test runs
 * this project only when they are built (test/support/clients.ts).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';

const repo = `${process.env['DOCS_EXAMPLES_DIR']}/..`;
const where = JSON.parse(execFileSync('bash', [`${repo}/scripts/install-clients.sh`, '--where'], { encoding: 'utf8' })) as Record<string, { dir: string }>;
symlinkSync(where['python']!.dir, '.venv', 'dir');
symlinkSync(`${where['java']!.dir}/lib`, 'lib', 'dir');
// `go mod init example.com/app` and the `go get` lines of the doc leave this go.mod (and go.sum) behind.
writeFileSync('go.mod', readFileSync(`${repo}/clients/go/go.mod`, 'utf8').replace(/^module .*$/mu, 'module example.com/app'));
writeFileSync('go.sum', readFileSync(`${repo}/clients/go/go.sum`, 'utf8'));
