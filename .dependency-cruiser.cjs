/**
 * Import boundaries (docs/ARCHITECTURE.md): the domain is pure (xstate and
 * itself only), other folders import each other only through their index
 * files, and nothing imports in a circle.
 */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'src/domain may import only xstate and itself: no node:*, no other folder, no other package.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { pathNot: ['^src/domain/', '(^|/)node_modules/xstate/'] },
    },
    {
      name: 'no-circular',
      comment: 'Import cycles make start-up order and testing fragile.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'folders-meet-at-index',
      comment: 'A folder of src/ imports another only through its index.ts.',
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: {
        path: '^src/([^/]+)/.+',
        // src/eventstore/sqlite/index.ts: the embedded store alone, for worker threads.
        pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$', '^src/eventstore/sqlite/index\\.ts$'],
      },
    },
    {
      name: 'eventstore-is-below-the-domain-logic',
      comment: 'The event store knows nothing of commands, projections, media or the API.',
      severity: 'error',
      from: { path: '^src/eventstore/' },
      to: { path: '^src/(commands|projections|media|graphql|scheduling|runtime|cli)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
