// GraphQL Code Generator's client preset with persisted documents, against a real Agora:
// the preset writes its manifest (persisted-documents.json, keys `sha256:<hex>` by
// default, plain SHA-1 hex when asked), a second Agora serves that manifest as its trusted
// documents, and each document runs by its `documentId` (POST and GET), anonymously,
// while anonymous ad hoc queries are refused.
//
// Usage: node codegen.mjs   (AGORA_BINARY: the agora binary to start)

import { generate } from '@graphql-codegen/cli';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// The CLI looks for its preset packages from the working folder (run starts suites in a
// temporary one): look from here.
process.chdir(here);
const binary = process.env.AGORA_BINARY;
if (!binary) throw new Error('AGORA_BINARY is not set');
const work = mkdtempSync(join(tmpdir(), 'agora-codegen-'));
let passed = 0;
let failed = 0;
const check = (name, ok, detail) => {
  if (ok) passed += 1;
  else failed += 1;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok ? '' : `: ${detail}`}`);
};

// The client preset, as a front-end project runs it: once with its default hash
// (sha256, prefixed), once with SHA-1.
const manifests = {};
for (const algorithm of ['sha256', 'sha1']) {
  const out = join(work, algorithm, 'gql') + '/';
  await generate(
    {
      schema: join(here, '..', 'schema.graphql'),
      documents: [join(here, 'codegen', '*.graphql')],
      generates: {
        [out]: {
          preset: 'client',
          presetConfig: {
            persistedDocuments: algorithm === 'sha256' ? true : { hashAlgorithm: algorithm },
          },
        },
      },
      silent: true,
    },
    true,
  );
  manifests[algorithm] = join(out, 'persisted-documents.json');
}

const sha256Manifest = JSON.parse(readFileSync(manifests.sha256, 'utf8'));
const sha256Keys = Object.keys(sha256Manifest);
check('the sha256 manifest has both operations', sha256Keys.length === 2, sha256Keys);
check(
  'its keys are sha256:<hex>',
  sha256Keys.every((k) => /^sha256:[0-9a-f]{64}$/.test(k)),
  sha256Keys,
);

// A server per manifest, on a fresh SQLite database of its own.
async function startServer(manifest) {
  const dir = mkdtempSync(join(work, 'server-'));
  const child = spawn(binary, ['serve', '--listen', '127.0.0.1:0'], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      AGORA_TRUSTED_DOCUMENTS: manifest,
      AGORA_RATE_LIMIT_OPERATIONS: '0',
      AGORA_LOG: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (chunk) => {
      text += chunk;
      const found = /listening on (http:\/\/127\.0\.0\.1:\d+\/graphql)/.exec(text);
      if (found) resolve(found[1]);
    });
    child.on('exit', (code) => reject(new Error(`agora exited with ${code}: ${text}`)));
  });
  return { child, url };
}

async function post(url, body) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return response.json();
}

const variables = { DialoguePage: { slug: 'idm-2018' }, Counts: {} };
const operationName = (doc) => /query (\w+)/.exec(doc)[1];

for (const [algorithm, path] of Object.entries(manifests)) {
  const manifest = JSON.parse(readFileSync(path, 'utf8'));
  const { child, url } = await startServer(path);
  try {
    for (const [id, doc] of Object.entries(manifest)) {
      const name = operationName(doc);
      const byPost = await post(url, { documentId: id, variables: variables[name] });
      check(
        `${algorithm}: ${name} by documentId over POST`,
        byPost.data && !byPost.errors,
        JSON.stringify(byPost),
      );
      const params = new URLSearchParams({
        documentId: id,
        variables: JSON.stringify(variables[name]),
      });
      const byGet = await (await fetch(`${url}?${params}`)).json();
      check(
        `${algorithm}: ${name} by documentId over GET`,
        JSON.stringify(byGet.data) === JSON.stringify(byPost.data),
        JSON.stringify(byGet),
      );
    }
    const page = await post(url, {
      documentId: Object.keys(manifest).find((k) => manifest[k].includes('DialoguePage')),
      variables: variables.DialoguePage,
    });
    check(
      `${algorithm}: the dialogue page's data`,
      page.data?.dialogueBySlug?.slug === 'idm-2018' &&
        page.data.dialogueBySlug.workshops.edges.length > 0,
      JSON.stringify(page),
    );
    const adHoc = await post(url, { query: '{ dialogues { totalCount } }' });
    check(
      `${algorithm}: an anonymous ad hoc query is refused`,
      adHoc.errors?.[0]?.extensions?.code === 'FORBIDDEN',
      JSON.stringify(adHoc),
    );
  } finally {
    child.kill('SIGTERM');
  }
}

rmSync(work, { recursive: true, force: true });
console.log(`codegen checks: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
