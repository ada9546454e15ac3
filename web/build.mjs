// Builds Agora's GraphiQL into dist/graphiql/ (or into the directory given as the first
// argument): exactly the files the server serves under /graphiql/, nothing else.
//
//   graphiql.js         the page's script (an ES module: index.html loads it)
//   graphiql.css        its styles, fonts and images inlined as data: URLs
//   editor.worker.js    monaco-editor's editor worker      (classic worker scripts,
//   graphql.worker.js   monaco-graphql's language worker    started from the same
//   json.worker.js      monaco-editor's JSON worker         origin: worker-src 'self')
//
// The output is byte-for-byte reproducible (no source maps, no hashes, no absolute
// paths): `web/run` rebuilds it and compares it with the committed copy.
import * as esbuild from 'esbuild';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const outdir = path.resolve(process.argv[2] ?? path.join(here, 'dist', 'graphiql'));
const expected = [
  'editor.worker.js',
  'graphiql.css',
  'graphiql.js',
  'graphql.worker.js',
  'json.worker.js',
];

// graphiql/style.css already holds monaco-editor's whole stylesheet (0.52.2, the version
// @graphiql/react pins), so the CSS files monaco's modules import one by one are left out
// rather than bundled twice.
const skipMonacoCss = {
  name: 'skip-monaco-css',
  setup(build) {
    build.onResolve({ filter: /\.css$/ }, (args) => {
      const from = args.importer.split(path.sep).join('/');
      return from.includes('/node_modules/monaco-editor/') ? { path: args.path, namespace: 'skipped-css' } : undefined;
    });
    build.onLoad({ filter: /.*/, namespace: 'skipped-css' }, () => ({ contents: '', loader: 'css' }));
  },
};

const common = {
  absWorkingDir: here,
  bundle: true,
  minify: true,
  sourcemap: false,
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  platform: 'browser',
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'eof',
  charset: 'ascii',
  logLevel: 'warning',
  loader: {
    '.ttf': 'dataurl',
    '.woff': 'dataurl',
    '.woff2': 'dataurl',
    '.svg': 'dataurl',
    '.png': 'dataurl',
    '.gif': 'dataurl',
  },
  outdir,
  entryNames: '[name]',
  write: true,
};

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

await esbuild.build({
  ...common,
  entryPoints: { graphiql: 'graphiql/index.jsx' },
  format: 'esm',
  jsx: 'automatic',
  plugins: [skipMonacoCss],
});

await esbuild.build({
  ...common,
  entryPoints: {
    'editor.worker': 'node_modules/monaco-editor/esm/vs/editor/editor.worker.js',
    'json.worker': 'node_modules/monaco-editor/esm/vs/language/json/json.worker.js',
    'graphql.worker': 'node_modules/monaco-graphql/esm/graphql.worker.js',
  },
  format: 'iife',
});

const produced = readdirSync(outdir).sort();
if (JSON.stringify(produced) !== JSON.stringify(expected)) {
  console.error(`build.mjs: expected exactly ${expected.join(', ')} in ${outdir}, got ${produced.join(', ')}`);
  process.exit(1);
}
console.log(`built ${produced.join(', ')} into ${outdir}`);
