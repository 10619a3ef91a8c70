#!/usr/bin/env node
// A checkout runs the TypeScript sources (Node >=22.18 strips types itself), so a stale dist/ can never answer
// for them; the published package ships no src/ and runs the compiled dist/.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
const entry = existsSync(source) ? source : new URL('../dist/cli/main.js', import.meta.url);
const { main, executableIo } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2), executableIo());
