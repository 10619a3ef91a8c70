// The layer rules of tracecheck (issue 10, "Layers that hold"), checked by `npm run lint` over src/.
//
// Data flows one way: wire (otlp, receiver) → model → store → engine → report, with the run protocol low beside
// the model and the outer layer (server, testing, cli) on top. Each folder of src/ may import only the folders
// listed for it in LAYERS (and itself); errors.ts, result.ts and v8-shapes.ts are leaves every layer may import; the entry
// points (index.ts, vitest.ts, jest.ts, node-test.ts) are imported by nothing inside src. Other folders are
// reached through their index.ts, never deep. test/lint/layers.test.ts proves each kind of rule fires.

/** The folders of src/ and the folders each may import, lowest first. */
const LAYERS = {
  // Normalised Span / Trace / Resource / AttributeValue: the bottom.
  model: [],
  // The run protocol's facts: run-id header and attribute, run-id validation, OTEL_* env, the root span.
  protocol: ['model'],
  // Wire codecs, protobuf and JSON → model; nothing outside otlp/ sees wire types.
  otlp: ['model'],
  // The spec language: types, selector grammar, loader, validator.
  language: ['model'],
  // Run correlation and trace assembly: data only. The run-id attribute it correlates on is a protocol fact.
  store: ['model', 'protocol'],
  // The transport-neutral export core and its HTTP/gRPC adapters, feeding the store's SpanSink.
  receiver: ['otlp', 'store', 'model', 'protocol'],
  // Judging runs against specs, and diagnosing their broken hops (which reads the run identity the protocol defines).
  engine: ['store', 'language', 'protocol', 'model'],
  // Reporters over the engine's read-only result model.
  report: ['engine'],
  // The outer layer: the sidecar collector and its query API, the test-runner integrations, the commands.
  server: ['receiver', 'report', 'engine', 'language', 'store', 'otlp', 'protocol', 'model'],
  testing: ['server', 'receiver', 'report', 'engine', 'language', 'store', 'otlp', 'protocol', 'model'],
  cli: ['testing', 'server', 'receiver', 'report', 'engine', 'language', 'store', 'otlp', 'protocol', 'model'],
};

const SHARED_LEAVES = '^src/(errors|result|v8-shapes)\\.ts$';
const ENTRY_POINTS = '^src/(index|vitest|jest|node-test)\\.ts$';

/** One rule per folder: it imports nothing in src/ but itself, the folders it builds on and the shared leaves. */
const layerRules = Object.entries(LAYERS).map(([folder, allowed]) => ({
  name: `layer-${folder}`,
  severity: 'error',
  comment:
    allowed.length === 0
      ? `${folder}/ is the bottom layer: it imports nothing in src/ but errors.ts, result.ts and v8-shapes.ts.`
      : `${folder}/ may import only ${allowed.join(', ')} (and errors.ts, result.ts, v8-shapes.ts): data flows one way.`,
  from: { path: `^src/${folder}/` },
  to: { path: '^src/', pathNot: [`^src/(${[folder, ...allowed].join('|')})/`, SHARED_LEAVES] },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'layer-unplaced',
      severity: 'error',
      comment: 'Every folder of src/ has a place in the layer table of .dependency-cruiser.cjs: add a new one there.',
      from: { path: '^src/', pathNot: [`^src/(${Object.keys(LAYERS).join('|')})/`, SHARED_LEAVES, ENTRY_POINTS] },
      to: { path: '^src/' },
    },
    {
      name: 'shared-leaf',
      severity: 'error',
      comment: 'errors.ts, result.ts and v8-shapes.ts are imported by every layer, so they import nothing in src/ themselves.',
      from: { path: SHARED_LEAVES },
      to: { path: '^src/', pathNot: SHARED_LEAVES },
    },
    {
      name: 'entry-point-imported',
      severity: 'error',
      comment: 'index.ts, vitest.ts, jest.ts and node-test.ts are the package entry points: nothing inside src/ imports them.',
      from: { path: '^src/' },
      to: { path: ENTRY_POINTS },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles in src/: a cycle makes load order matter and hides which layer depends on which.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-deep-import',
      severity: 'error',
      comment:
        "A folder's index.ts is its door: import another folder through it (src/B/index.ts), never src/B/x.ts. " +
        'Export what you need from that index.ts.',
      // $1 is the importer's folder, or its file name for a top-level file (an entry point).
      from: { path: '^src/([^/]+)' },
      to: { path: '^src/[^/]+/', pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$'] },
    },
    {
      name: 'no-own-index-import',
      severity: 'error',
      comment: "Inside a folder, import the file itself, not the folder's own index.ts: the barrel would make a cycle.",
      from: { path: '^src/([^/]+)/' },
      to: { path: '^src/$1/index\\.ts$' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that cannot be resolved escapes every rule above (and fails at run time).',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Type-only imports are dependencies too: a layer that needs another's types depends on it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.d\\.ts$' },
    moduleSystems: ['es6', 'cjs'],
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
