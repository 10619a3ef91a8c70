#!/usr/bin/env node
// The published package runs the compiled dist/; a checkout without a build runs the TypeScript sources, which
// Node 24 strips of types itself.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
const { main } = await import(existsSync(compiled) ? compiled.href : new URL('../src/cli/main.ts', import.meta.url).href);
process.exitCode = await main(process.argv.slice(2));
