// Apollo Client (HttpLink over fetch) against a running Agora server: a query with a
// fragment and variables, errors as Apollo reports them, and automatic persisted queries
// (the `persistedQuery` extension) through @apollo/client/link/persisted-queries.
//
//   AGORA_URL=http://127.0.0.1:PORT/graphql [AGORA_READ_KEY=...] node apollo.mjs

import { createHash, randomBytes } from 'node:crypto';
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';

const url = process.env.AGORA_URL;
if (!url) {
  console.error('set AGORA_URL');
  process.exit(2);
}
const headers = process.env.AGORA_READ_KEY
  ? { authorization: `Bearer ${process.env.AGORA_READ_KEY}` }
  : {};

const results = [];
async function check(name, fn) {
  try {
    const detail = await fn();
    results.push(true);
    console.log(`ok   ${name}${detail ? ` — ${detail}` : ''}`);
  } catch (e) {
    results.push(false);
    console.log(`FAIL ${name} — ${e?.stack ?? e}`);
  }
}
function assert(cond, message) {
  if (!cond) throw new Error(message);
}

/** fetch, recording each request's method, body and the response's error codes. */
function recordingFetch(log) {
  return async (input, init = {}) => {
    const response = await fetch(input, init);
    const text = await response.clone().text();
    let codes = [];
    try {
      codes = (JSON.parse(text).errors ?? []).map((e) => e.extensions?.code);
    } catch {}
    const target = typeof input === 'string' ? input : input.url;
    const body = init.body ? JSON.parse(init.body) : null;
    const params = new URL(target).searchParams;
    log.push({
      method: init.method ?? 'GET',
      hasQuery: Boolean(body?.query ?? params.get('query')),
      hasHash: Boolean(
        body?.extensions?.persistedQuery ?? params.get('extensions')?.includes('persistedQuery'),
      ),
      status: response.status,
      codes,
    });
    return response;
  };
}

function apollo(link) {
  return new ApolloClient({ link, cache: new InMemoryCache() });
}

const DIALOGUE_PARTS = gql`
  fragment DialogueParts on Dialogue {
    id
    slug
    title {
      text
    }
    workshops {
      nodes {
        id
        title {
          text
        }
      }
    }
  }
`;

const DIALOGUE = gql`
  query DialogueBySlug($slug: String!) {
    dialogueBySlug(slug: $slug) {
      ...DialogueParts
    }
  }
  ${DIALOGUE_PARTS}
`;

await check('query with a fragment and variables: dialogueBySlug(slug: "idm-2018")', async () => {
  const client = apollo(new HttpLink({ uri: url, fetch, headers }));
  const { data, error } = await client.query({ query: DIALOGUE, variables: { slug: 'idm-2018' } });
  assert(!error, `error: ${error}`);
  const d = data.dialogueBySlug;
  assert(d, `no dialogue: ${JSON.stringify(data)}`);
  assert(d.__typename === 'Dialogue', `__typename ${d.__typename}`);
  assert(d.slug === 'idm-2018', `slug ${d.slug}`);
  assert(
    d.title.text === 'International Dialogue on Migration 2018',
    `title ${JSON.stringify(d.title)}`,
  );
  assert(d.workshops.nodes.length > 0, 'no workshops');
  assert(d.workshops.nodes.every((w) => w.title.text), 'a workshop without a title');
  // The cache normalised the result: reading the fragment back gives the same dialogue.
  const cached = client.cache.readFragment({
    id: client.cache.identify(d),
    fragment: DIALOGUE_PARTS,
  });
  assert(cached?.slug === 'idm-2018', 'the dialogue is not in the cache');
  return `"${d.title.text}", ${d.workshops.nodes.length} workshops, cached as ${client.cache.identify(d)}`;
});

await check('query with variables: an unknown slug gives null, not an error', async () => {
  const client = apollo(new HttpLink({ uri: url, fetch, headers }));
  const { data, error } = await client.query({
    query: DIALOGUE,
    variables: { slug: `no-such-dialogue-${randomBytes(3).toString('hex')}` },
  });
  assert(!error, `error: ${error}`);
  assert(data.dialogueBySlug === null, JSON.stringify(data));
  return 'dialogueBySlug = null';
});

await check('a missing required variable is reported as a GraphQL error', async () => {
  const client = apollo(new HttpLink({ uri: url, fetch, headers }));
  const { data, error } = await client.query({
    query: DIALOGUE,
    variables: {},
    errorPolicy: 'all',
  });
  assert(error, `no error; data ${JSON.stringify(data)}`);
  assert(error.errors?.length, `not a GraphQL error: ${error.name}: ${error.message}`);
  return `${error.name}: ${error.errors.map((e) => e.extensions?.code).join(', ')}`;
});

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

/** A query the server has not seen in this run, so that its hash is unknown at first. */
const apqQuery = () => {
  const tag = randomBytes(4).toString('hex');
  return gql(`
    query ApqDialogue${tag}($slug: String!) {
      dialogueBySlug(slug: $slug) {
        ...ApqParts${tag}
      }
    }
    fragment ApqParts${tag} on Dialogue {
      slug
      title {
        text
      }
    }
  `);
};

/** A client that sends persisted queries (by GET or POST), recording its requests in `log`. */
const persisted = (useGETForHashedQueries, log) =>
  apollo(
    ApolloLink.from([
      new PersistedQueryLink({ sha256, useGETForHashedQueries }),
      new HttpLink({ uri: url, fetch: recordingFetch(log), headers }),
    ]),
  );

for (const useGETForHashedQueries of [false, true]) {
  const how = useGETForHashedQueries ? 'GET' : 'POST';
  const query = apqQuery();
  await check(`automatic persisted query (${how}): unknown hash, then the retry with the query`, async () => {
    const log = [];
    const { data, error } = await persisted(useGETForHashedQueries, log).query({
      query,
      variables: { slug: 'idm-2018' },
    });
    assert(!error, `error: ${error}`);
    assert(data.dialogueBySlug?.slug === 'idm-2018', JSON.stringify(data));
    assert(log.length === 2, `${log.length} requests: ${JSON.stringify(log)}`);
    const [first, second] = log;
    assert(first.method === how, `the first request was a ${first.method}`);
    assert(first.hasHash && !first.hasQuery, `the first request: ${JSON.stringify(first)}`);
    assert(
      first.codes.includes('PERSISTED_QUERY_NOT_FOUND'),
      `the first answer's codes: ${JSON.stringify(first.codes)} (HTTP ${first.status})`,
    );
    assert(second.hasHash && second.hasQuery, `the retry: ${JSON.stringify(second)}`);
    assert(second.codes.length === 0, `the retry's codes: ${JSON.stringify(second.codes)}`);
    return `${first.method} hash only → HTTP ${first.status} ${first.codes}; ${second.method} hash + query → data`;
  });

  await check(`automatic persisted query (${how}): a new client sends the hash alone and gets data`, async () => {
    const log = [];
    const { data, error } = await persisted(useGETForHashedQueries, log).query({
      query,
      variables: { slug: 'idm-2018' },
    });
    assert(!error, `error: ${error}`);
    assert(data.dialogueBySlug?.slug === 'idm-2018', JSON.stringify(data));
    assert(log.length === 1, `${log.length} requests: ${JSON.stringify(log)}`);
    assert(log[0].hasHash && !log[0].hasQuery, `the request: ${JSON.stringify(log[0])}`);
    return `one ${log[0].method} with the hash alone → HTTP ${log[0].status}, data`;
  });
}

await check('automatic persisted query: a hash that is not the query\'s is refused', async () => {
  const query = '{ __typename }';
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({
      query,
      extensions: { persistedQuery: { version: 1, sha256Hash: sha256(`${query} `) } },
    }),
  });
  const body = await response.json();
  assert(body.errors?.length && !body.data, `not refused: ${JSON.stringify(body)}`);
  return `HTTP ${response.status} ${body.errors.map((e) => e.extensions?.code)}`;
});

const passed = results.filter(Boolean).length;
const failed = results.length - passed;
console.log(`apollo checks: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
