// Import boundaries CI enforces (docs/architecture.md, "Boundaries"): run by `npm run lint:boundaries`.
/** Where the server's features live; the capture group is the feature's folder. */
const FEATURE = '^packages/server/src/features/([^/]+)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-imports-nothing-of-ours',
      comment:
        '@trunkflow/core is the pure domain: it may import npm packages, never another @trunkflow package or a file outside packages/core.',
      severity: 'error',
      from: { path: '^packages/core/' },
      to: { path: ['^packages/(?!core/)', '^node_modules/@trunkflow/', '^(?!packages/|node_modules/)'] },
    },
    {
      name: 'platform-imports-no-feature',
      comment:
        'platform/ is what every feature builds on, so it may not import a feature: move the shared part into platform (as platform/auth/roles.ts was).',
      severity: 'error',
      from: { path: '^packages/server/src/platform/' },
      to: { path: '^packages/server/src/features/' },
    },
    {
      name: 'no-feature-reads-another-features-store',
      comment:
        "A feature's store and SQL are its own: another feature asks through that feature's service (features/X may not import features/Y/store*.ts).",
      severity: 'error',
      from: { path: FEATURE },
      to: { path: '^packages/server/src/features/[^/]+/store[^/]*$', pathNot: `${FEATURE.replace('([^/]+)', '$1')}` },
    },
  ],
  options: {
    // Type-only imports count: `import type { PullStore }` couples two features as much as a value does.
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['(^|/)dist/', '(^|/)coverage/'] },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
