/**
 * Regenerates the convention data the rule packs are built from (src/language/rule-packs/semconv-data.ts) and the
 * rule-by-rule reference (docs/instrumentation-rules.md), from the installed `@opentelemetry/semantic-conventions`.
 *
 *   node scripts/generate-semconv.ts          write both files
 *   node scripts/generate-semconv.ts --check  exit 1 when either file differs from what would be written
 *
 * Upgrading the conventions is: `npm install --save-exact @opentelemetry/semantic-conventions@<v>`, run this
 * script, review the diff of both files. The package's type declarations carry, per attribute, its name, whether
 * it is stable (stable_attributes) or in development (experimental_attributes), its enumerated values, and
 * `@deprecated Replaced by \`x\`` with the replacement; those are read here. Requirement levels (required or
 * recommended per span type) are not in the package: they are the table REQUIREMENTS below, copied from the
 * conventions' pages at the same version, each with its link.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
// The package exports no ./package.json; its main entry lives in dist/, beside the declarations read here.
const distDir = dirname(require.resolve('@opentelemetry/semantic-conventions'));
const packageJsonPath = join(distDir, '..', 'package.json');

export const DATA_FILE = join(root, 'src/language/rule-packs/semconv-data.ts');
export const DOCS_FILE = join(root, 'docs/instrumentation-rules.md');

/** Namespaces whose attributes the packs use; the rest of the conventions is left out of the data file. */
const NAMESPACES = ['http', 'url', 'server', 'client', 'network', 'net', 'error', 'exception', 'db', 'messaging', 'rpc', 'user_agent', 'service', 'telemetry', 'enduser'];

/**
 * Requirement levels by span type, from the conventions' span pages at the pinned version (`required` includes
 * "conditionally required" attributes whose condition always holds for a finished span of that type).
 */
const REQUIREMENTS = {
  httpServer: {
    link: 'https://opentelemetry.io/docs/specs/semconv/http/http-spans/#http-server',
    required: ['http.request.method', 'url.path', 'url.scheme'],
    recommended: ['http.response.status_code', 'http.route', 'network.protocol.version', 'server.address', 'server.port', 'user_agent.original', 'client.address'],
  },
  httpClient: {
    link: 'https://opentelemetry.io/docs/specs/semconv/http/http-spans/#http-client',
    required: ['http.request.method', 'server.address', 'server.port', 'url.full'],
    recommended: ['http.response.status_code', 'network.protocol.version'],
  },
  db: {
    link: 'https://opentelemetry.io/docs/specs/semconv/database/database-spans/',
    required: ['db.system.name'],
    recommended: ['db.operation.name', 'db.collection.name', 'db.namespace', 'server.address', 'server.port'],
  },
  messaging: {
    link: 'https://opentelemetry.io/docs/specs/semconv/messaging/messaging-spans/',
    required: ['messaging.operation.name', 'messaging.system.name'],
    recommended: ['messaging.destination.name', 'messaging.operation.type', 'server.address'],
  },
  rpc: {
    link: 'https://opentelemetry.io/docs/specs/semconv/rpc/rpc-spans/',
    required: ['rpc.system.name'],
    recommended: ['rpc.method', 'server.address', 'server.port'],
  },
  resource: {
    link: 'https://opentelemetry.io/docs/specs/semconv/resource/#service',
    required: ['service.name', 'telemetry.sdk.name', 'telemetry.sdk.language', 'telemetry.sdk.version'],
    recommended: ['service.version'],
  },
} as const;

interface Declared {
  readonly constant: string;
  readonly value: string;
  readonly doc: string;
}

function declarations(file: string): Declared[] {
  const text = readFileSync(join(distDir, file), 'utf8');
  const found: Declared[] = [];
  for (const m of text.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*declare const (\w+): "([^"]*)";/gu)) {
    found.push({ doc: m[1] ?? '', constant: m[2] ?? '', value: m[3] ?? '' });
  }
  return found;
}

function inNamespaces(name: string): boolean {
  return NAMESPACES.includes(name.split('.')[0] ?? '');
}

/** The data file's text: what the conventions say, at the installed version. */
export function generateData(): string {
  const version = (JSON.parse(readFileSync(packageJsonPath, 'utf8')) as { version: string }).version;
  const stable = declarations('stable_attributes.d.mts');
  const experimental = declarations('experimental_attributes.d.mts');
  const stableNames = stable.filter((d) => d.constant.startsWith('ATTR_') && inNamespaces(d.value)).map((d) => d.value).sort();
  const enums: Record<string, string[]> = {};
  for (const d of stable) {
    const owner = /Enum value "[^"]*" for attribute \{@link (ATTR_\w+)\}/u.exec(d.doc)?.[1];
    if (owner === undefined || d.constant.startsWith('ATTR_')) continue;
    const attribute = stable.find((a) => a.constant === owner)?.value;
    if (attribute === undefined || !inNamespaces(attribute)) continue;
    (enums[attribute] ??= []).push(d.value);
  }
  for (const values of Object.values(enums)) values.sort();
  const deprecated: { name: string; replacement: string }[] = [];
  const development: string[] = [];
  for (const d of experimental) {
    if (!d.constant.startsWith('ATTR_') || !inNamespaces(d.value)) continue;
    const note = /@deprecated ([^\n]*)/u.exec(d.doc)?.[1];
    if (note === undefined) {
      development.push(d.value);
      continue;
    }
    const replacement = /(?:Replaced by|Use) `([^`]+)`/u.exec(note)?.[1];
    // A deprecated name with a replacement is a rule; a removed one without any is left to the reviewer.
    if (replacement !== undefined && replacement !== d.value) deprecated.push({ name: d.value, replacement });
  }
  deprecated.sort((a, b) => (a.name < b.name ? -1 : 1));
  development.sort();
  const json = (value: unknown): string => JSON.stringify(value, null, 2);
  return [
    '// GENERATED by scripts/generate-semconv.ts from @opentelemetry/semantic-conventions; do not edit. To upgrade,',
    '// install another version and rerun the script (test/rules/generated.test.ts fails while this file is stale).',
    '',
    '/** The version of `@opentelemetry/semantic-conventions` this data was read from. */',
    `export const SEMCONV_VERSION = ${JSON.stringify(version)};`,
    '',
    '/** Stable attribute names of the namespaces the packs use. */',
    `export const STABLE_ATTRIBUTES: readonly string[] = ${json(stableNames)};`,
    '',
    '/** Attributes in development (opt-in: used only by the messaging pack, whose conventions are not stable yet). */',
    `export const DEVELOPMENT_ATTRIBUTES: readonly string[] = ${json(development)};`,
    '',
    '/** Enumerated values of stable attributes. */',
    `export const ENUM_VALUES: Readonly<Record<string, readonly string[]>> = ${json(enums)};`,
    '',
    '/** Deprecated attribute names and what replaces each. */',
    `export const DEPRECATED_ATTRIBUTES: readonly { readonly name: string; readonly replacement: string }[] = ${json(deprecated)};`,
    '',
    '/** Requirement levels per span type (not in the package: copied from the conventions\' pages at this version). */',
    `export const REQUIREMENTS = ${json(REQUIREMENTS)} as const;`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const data = generateData();
  const stale: string[] = [];
  if (check) {
    if (readFileSync(DATA_FILE, 'utf8') !== data) stale.push(DATA_FILE);
  } else writeFileSync(DATA_FILE, data);
  // The docs are rendered from the packs, which read the data file just written.
  const { renderRulesDoc } = await import('./rules-doc.ts');
  const docs = renderRulesDoc();
  if (check) {
    if (readFileSync(DOCS_FILE, 'utf8') !== docs) stale.push(DOCS_FILE);
  } else writeFileSync(DOCS_FILE, docs);
  if (stale.length > 0) {
    process.stderr.write(`stale generated files: ${stale.join(', ')}\nrun: node scripts/generate-semconv.ts\n`);
    process.exitCode = 1;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
