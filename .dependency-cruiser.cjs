/**
 * The layers of src/, lowest first: a folder imports only folders of lower layers (and itself),
 * and no module imports in a circle; src/ imports no test code, and every module of src/ is reached
 * from an entry point (a type-only import counts as reaching; exports nobody uses inside a reached
 * module are not looked for). test/unit/structure/layers.test.ts runs this in CI;
 * `npm run -s layers` prints what breaks them. A folder not listed here is refused until it is given a
 * layer.
 */
const LAYERS = [
  ['util'], // logging, errors, processes, hashing: nothing of PostgreSQL
  ['core'], // options, manifest, platforms, majors: the facts every stage shares
  ['github', 'source', 'release', 'walredo'], // GitHub calls; source trees; release assets; walredo protocol and WAL
  ['pin', 'compile', 'verify'], // the pin format; the build stage; conformance
  ['fetch', 'publish', 'outdated', 'doctor'], // stages that use a built or published bundle
  ['compare', 'rebuild-check'], // measure two bundles, rebuild a published one
  ['pin-bump'], // the consumer pull request, with compare's measurement
  ['commands'], // the command registry
  ['cli', 'action'], // the two front doors
];

/** What runs src/: the two front doors and the generators of action.yml and docs/inputs.md (package.json). */
const ENTRY_POINTS = [
  'src/cli/index.ts',
  'src/action/index.ts',
  'src/action/action-yml.ts',
  'src/action/reference-tables.ts',
];

const folders = LAYERS.flat();
const layerOf = (folder) => LAYERS.findIndex((layer) => layer.includes(folder));

/** For each folder: no import of a folder in its own layer or a higher one. */
const upward = folders.map((folder) => {
  const notBelow = folders.filter((other) => other !== folder && layerOf(other) >= layerOf(folder));
  return {
    name: `layer-${folder}`,
    comment: `src/${folder} (layer ${layerOf(folder)}) imports only lower layers: ${LAYERS.slice(
      0,
      layerOf(folder),
    )
      .flat()
      .join(', ')}`,
    severity: 'error',
    from: { path: `^src/${folder}/` },
    to: { path: `^src/(${notBelow.join('|')})/` },
  };
});

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'no-unresolvable',
      comment: 'an import that does not resolve would slip past the layer rules',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
    {
      name: 'no-test-code',
      comment:
        "src/ imports only src/, packages and Node's own modules: tests, their helpers, benchmarks and scripts live above everything",
      severity: 'error',
      from: { path: '^src/' },
      to: { pathNot: '^(src|node_modules)/', dependencyTypesNot: ['core'], couldNotResolve: false },
    },
    {
      name: 'no-test-only-code',
      comment: `a module of src/ that no entry point (${ENTRY_POINTS.join(', ')}) reaches is used only by tests, benchmarks or nothing: move it under test/ (or bench/) or delete it`,
      severity: 'error',
      from: { path: ENTRY_POINTS.map((e) => `^${e}$`).join('|') },
      to: { path: '^src/', pathNot: ENTRY_POINTS.map((e) => `^${e}$`).join('|'), reachable: false },
    },
    {
      name: 'no-circular',
      comment: 'a module imports itself through others: split the shared part into a module of its own',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'layer-unknown',
      comment: 'every folder of src/ has a layer in .dependency-cruiser.cjs',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: `^src/`, pathNot: `^src/(${folders.join('|')})/` },
    },
    {
      name: 'layer-unknown-from',
      comment: 'every folder of src/ has a layer in .dependency-cruiser.cjs',
      severity: 'error',
      from: { path: '^src/', pathNot: `^src/(${folders.join('|')})/` },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
    // type-only imports count: a circle held only by types is still a circle
    tsPreCompilationDeps: true,
  },
};
