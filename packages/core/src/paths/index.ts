export * from './normalize.js';
export * from './glob.js';
export * from './fixes.js';
export * from './resolver.js';
export * from './resolve-report.js';
export * from './explain.js';
export * from './git-ls-files.js';
