/** Layering rules for src/ (see shared/design.md, "Architecture"). */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    { name: 'spec-is-a-leaf', comment: 'spec/ is pure schema and loading; it depends on no other layer.',
      severity: 'error', from: { path: '^src/spec' }, to: { path: '^src/(state|control|runtime|edge|api|cli)' } },
    { name: 'edge-is-data-plane', comment: 'the edge knows routes and targets, never the control plane, the API or the CLI.',
      severity: 'error', from: { path: '^src/edge' }, to: { path: '^src/(control|api|cli|state)' } },
    { name: 'runtime-below-control', comment: 'runtimes are driven by control/, never the other way round.',
      severity: 'error', from: { path: '^src/runtime' }, to: { path: '^src/(control|api|cli|edge)' } },
    { name: 'cli-talks-to-api', comment: 'the CLI is a thin client of the API: it may use spec/ and lib/ (and types of api/ and control/); only `up` starts a daemon.',
      severity: 'error', from: { path: '^src/cli' }, to: { path: '^src/(state|runtime|edge)' } },
    { name: 'daemon-is-the-root', comment: 'daemon/ wires every layer together; only `berth up` may import it.',
      severity: 'error', from: { path: '^src/', pathNot: '^src/(daemon|cli/up\\.ts$)' }, to: { path: '^src/daemon' } },
    { name: 'control-not-transport', comment: 'control/ holds use cases; it never depends on the API or the CLI.',
      severity: 'error', from: { path: '^src/control' }, to: { path: '^src/(api|cli|daemon)' } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
