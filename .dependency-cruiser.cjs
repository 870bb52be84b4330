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
    { name: 'cli-talks-to-api', comment: 'the CLI is a thin client: it may use spec/ and lib/, and start the daemon (control/daemon).',
      severity: 'error', from: { path: '^src/cli', pathNot: '^src/cli/up\\.ts$' }, to: { path: '^src/(state|runtime|edge)' } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
