// Monaco's web workers: three bundles of their own, served beside graphiql.js from the
// same origin (CSP `worker-src 'self'`), as classic scripts: no blob: and no eval.
// This module must be evaluated before monaco-editor starts, so index.jsx imports it first.
const base = new URL('./', import.meta.url);

globalThis.MonacoEnvironment = {
  getWorker(_moduleId, label) {
    switch (label) {
      case 'json':
        return new Worker(new URL('json.worker.js', base), { name: 'json' });
      case 'graphql':
        return new Worker(new URL('graphql.worker.js', base), { name: 'graphql' });
      default:
        return new Worker(new URL('editor.worker.js', base), { name: label || 'editor' });
    }
  },
};
