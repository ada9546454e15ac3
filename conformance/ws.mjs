// GraphQL over WebSocket (graphql-transport-ws) against a running Agora server: a live
// subscription through the graphql-ws client, then each close code of the protocol,
// provoked with raw sockets where the client library cannot provoke it.
//
//   AGORA_URL=http://127.0.0.1:PORT/graphql AGORA_READ_KEY=... AGORA_WRITE_KEY=... node ws.mjs
//
// The WebSocket endpoint is AGORA_URL + "/ws" (override with AGORA_WS_URL). The init
// timeout (4408) is 3 s on the server (src/sync/ws.rs INIT_TIMEOUT), so that check always
// runs; AGORA_WS_INIT_TIMEOUT (seconds) tells it the timeout to expect.

import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const httpUrl = process.env.AGORA_URL;
const readKey = process.env.AGORA_READ_KEY;
const writeKey = process.env.AGORA_WRITE_KEY;
if (!httpUrl || !readKey || !writeKey) {
  console.error('set AGORA_URL, AGORA_READ_KEY and AGORA_WRITE_KEY');
  process.exit(2);
}
const wsUrl = process.env.AGORA_WS_URL ?? `${httpUrl.replace(/^http/, 'ws')}/ws`;
const PROTOCOL = 'graphql-transport-ws';
const INIT_TIMEOUT_S = Number(process.env.AGORA_WS_INIT_TIMEOUT ?? 3);

const SUBSCRIPTION = 'subscription { recordChanged(types: [PERSON]) { op type externalId } }';
const UPSERT = `mutation Upsert($id: String!, $name: String!) {
  upsertPerson(externalId: $id, input: { name: $name }) { outcome }
}`;

const results = [];
async function check(name, fn) {
  const started = Date.now();
  try {
    const detail = await fn();
    results.push({ name, ok: true });
    console.log(`ok   ${name}${detail ? ` — ${detail}` : ''} (${Date.now() - started} ms)`);
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name} — ${e?.message ?? e} (${Date.now() - started} ms)`);
  }
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function post(query, variables, key) {
  const response = await fetch(httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (response.status !== 200 || body.errors) {
    throw new Error(`POST answered ${response.status}: ${JSON.stringify(body)}`);
  }
  return body.data;
}

/** A graphql-ws client that never retries, with its close event as a promise. */
function client(connectionParams, extra = {}) {
  let resolveClosed;
  const closed = new Promise((r) => {
    resolveClosed = r;
  });
  let resolveConnected;
  const connected = new Promise((r) => {
    resolveConnected = r;
  });
  const c = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
    on: {
      connected: () => resolveConnected(),
      closed: (event) => resolveClosed(event),
    },
    ...extra,
  });
  return { c, closed, connected };
}

/**
 * Opens a raw socket (sub-protocol `protocols`), runs `script(ws, next)` once open
 * (`next()` waits for the next text message from the server), and resolves with the
 * close code and reason and the elapsed time from opening.
 */
function raw(protocols, script, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, protocols);
    const inbox = [];
    const waiting = [];
    let opened = 0;
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no close from the server within ${timeoutMs} ms`));
    }, timeoutMs);
    ws.on('message', (data, binary) => {
      const m = binary ? data : data.toString();
      if (waiting.length) waiting.shift()(m);
      else inbox.push(m);
    });
    const next = () =>
      withTimeout(
        new Promise((r) => (inbox.length ? r(inbox.shift()) : waiting.push(r))),
        3000,
        'a message from the server',
      );
    ws.on('open', () => {
      opened = Date.now();
      Promise.resolve(script(ws, next)).catch((e) => {
        clearTimeout(timer);
        ws.terminate();
        reject(e);
      });
    });
    ws.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    ws.on('close', (code, reason) => {
      clearTimeout(timer);
      resolve({ code, reason: reason.toString(), elapsed: Date.now() - opened, inbox });
    });
  });
}

const init = (payload) => JSON.stringify({ type: 'connection_init', payload });
const auth = (key) => ({ authorization: `Bearer ${key}` });

async function initialised(ws, next, key = readKey) {
  ws.send(init(auth(key)));
  const ack = JSON.parse(await next());
  assert(ack.type === 'connection_ack', `expected connection_ack, got ${JSON.stringify(ack)}`);
}

function expectClose(result, code) {
  assert(
    result.code === code,
    `expected close ${code}, got ${result.code} ${JSON.stringify(result.reason)}`,
  );
  return `closed ${result.code} "${result.reason}"`;
}

// (a) The graphql-ws client: a live subscription sees a mutation made over HTTP.
await check('graphql-ws client: recordChanged delivers a PERSON change made by a POST mutation', async () => {
  const { c, connected } = client(auth(readKey));
  const events = [];
  let failure = null;
  const dispose = c.subscribe(
    { query: SUBSCRIPTION },
    {
      next: (value) => events.push(value),
      error: (e) => {
        failure = e;
      },
      complete: () => {},
    },
  );
  try {
    await withTimeout(connected, 5000, 'connection_ack');
    await sleep(200); // let the server start the subscription
    const run = randomBytes(4).toString('hex');
    // The subscription starts on the server shortly after `subscribe`: retry the write a
    // few times rather than race it.
    for (let attempt = 1; attempt <= 5; attempt++) {
      if (failure) throw new Error(`subscription failed: ${JSON.stringify(failure)}`);
      const externalId = `conformance-ws-${run}-${attempt}`;
      const data = await post(UPSERT, { id: externalId, name: `Conformance ${attempt}` }, writeKey);
      assert(data.upsertPerson?.outcome, `no outcome: ${JSON.stringify(data)}`);
      for (let i = 0; i < 30; i++) {
        const event = events.find((e) => e.data?.recordChanged?.externalId === externalId);
        if (event) {
          const change = event.data.recordChanged;
          assert(!event.errors, `event with errors: ${JSON.stringify(event)}`);
          assert(change.type === 'PERSON', `type ${change.type}, not PERSON`);
          assert(change.op === 'CREATE', `op ${change.op}, not CREATE`);
          return `event ${JSON.stringify(change)} (attempt ${attempt}, outcome ${data.upsertPerson.outcome})`;
        }
        await sleep(100);
      }
    }
    throw new Error(`no event arrived; received ${JSON.stringify(events)}`);
  } finally {
    dispose();
    await c.dispose();
  }
});

await check('graphql-ws client: a query over the socket gives one result, then completes', async () => {
  const { c } = client(auth(readKey));
  try {
    const results = [];
    for await (const r of c.iterate({
      query: 'query($slug: String!) { dialogueBySlug(slug: $slug) { slug } }',
      variables: { slug: 'idm-2018' },
    })) {
      results.push(r);
    }
    assert(results.length === 1, `${results.length} results`);
    assert(results[0].data?.dialogueBySlug?.slug === 'idm-2018', JSON.stringify(results[0]));
    return 'dialogueBySlug.slug = idm-2018';
  } finally {
    await c.dispose();
  }
});

await check('graphql-ws client: an invalid key is refused with 4403', async () => {
  const { c, closed } = client(auth('agora_not-a-valid-key'));
  const errored = new Promise((resolve) => {
    c.subscribe({ query: SUBSCRIPTION }, { next: () => {}, error: resolve, complete: () => resolve(null) });
  });
  const event = await withTimeout(closed, 5000, 'the close');
  await withTimeout(errored, 5000, 'the subscription error');
  await c.dispose();
  return expectClose({ code: event.code, reason: event.reason }, 4403);
});

await check('graphql-ws client: without a key, recordChanged is refused (close 4403 or error UNAUTHENTICATED)', async () => {
  const { c, closed } = client(undefined);
  try {
    const outcome = await withTimeout(
      Promise.race([
        new Promise((resolve) => {
          c.subscribe(
            { query: SUBSCRIPTION },
            {
              next: (v) => resolve({ next: v }),
              error: (e) => resolve({ error: e }),
              complete: () => resolve({ complete: true }),
            },
          );
        }),
        closed.then((event) => ({ error: event })),
      ]),
      5000,
      'a refusal',
    );
    const e = outcome.error;
    assert(e, `not refused: ${JSON.stringify(outcome)}`);
    if (typeof e.code === 'number') return expectClose(e, 4403);
    assert(Array.isArray(e), `unexpected error ${e}`);
    const codes = e.map((x) => x.extensions?.code);
    assert(codes.includes('UNAUTHENTICATED'), `error codes ${JSON.stringify(codes)}`);
    return `connection acknowledged, then an error message with ${JSON.stringify(codes)}`;
  } finally {
    await c.dispose();
  }
});

// (b) Each protocol error and its close code, on raw sockets.
await check('raw: ping is answered by pong', async () => {
  const r = await raw(PROTOCOL, async (ws, next) => {
    await initialised(ws, next);
    ws.send(JSON.stringify({ type: 'ping' }));
    const m = JSON.parse(await next());
    assert(m.type === 'pong', `expected pong, got ${JSON.stringify(m)}`);
    ws.terminate();
  });
  return 'pong';
});

// RFC 6455 section 5.5.1: an endpoint that receives a Close frame, and did not send one
// first, MUST send a Close frame in response (the client then sees the code it sent,
// rather than 1006 for a connection dropped without a closing handshake).
await check('close handshake: a client close (1000) after connection_ack is answered with a close frame', async () => {
  const r = await raw(PROTOCOL, async (ws, next) => {
    await initialised(ws, next);
    ws.close(1000, 'done');
  });
  assert(r.code !== 1006, 'the server dropped the connection without a close frame (client saw 1006)');
  return `closed ${r.code}`;
});

await check('4400: a binary frame', async () => {
  const r = await raw(PROTOCOL, async (ws, next) => {
    await initialised(ws, next);
    ws.send(Buffer.from(init(auth(readKey))), { binary: true });
  });
  return expectClose(r, 4400);
});

await check('4400: JSON without a type', async () => {
  const r = await raw(PROTOCOL, (ws) => ws.send(JSON.stringify({ payload: {} })));
  return expectClose(r, 4400);
});

await check('4400: text that is not JSON', async () => {
  const r = await raw(PROTOCOL, (ws) => ws.send('connection_init'));
  return expectClose(r, 4400);
});

await check('4400: subscribe without a payload', async () => {
  const r = await raw(PROTOCOL, async (ws, next) => {
    await initialised(ws, next);
    ws.send(JSON.stringify({ type: 'subscribe', id: '1' }));
  });
  return expectClose(r, 4400);
});

await check('4401: subscribe before connection_ack', async () => {
  const r = await raw(PROTOCOL, (ws) =>
    ws.send(JSON.stringify({ type: 'subscribe', id: '1', payload: { query: SUBSCRIPTION } })),
  );
  return expectClose(r, 4401);
});

await check('4403: connection_init with an unknown key', async () => {
  const r = await raw(PROTOCOL, (ws) => ws.send(init(auth('agora_unknown'))));
  return expectClose(r, 4403);
});

await check('4403: connection_init with an authorization that is not a Bearer token', async () => {
  const r = await raw(PROTOCOL, (ws) => ws.send(init({ authorization: `Basic ${readKey}` })));
  return expectClose(r, 4403);
});

await check('4406: no sub-protocol requested', async () => {
  const r = await raw(undefined, () => {});
  return expectClose(r, 4406);
});

// A client that asks for a sub-protocol the server does not speak gets a handshake
// without one, which `ws` (like browsers) refuses before any frame: a raw HTTP upgrade
// reads the close frame that follows.
await check('4406: only an unknown sub-protocol (graphql-ws, the legacy one) requested', async () => {
  const u = new URL(wsUrl);
  const { status, protocol, code, reason } = await withTimeout(
    new Promise((resolve, reject) => {
      const socket = net.connect(Number(u.port || 80), u.hostname);
      let buffer = Buffer.alloc(0);
      let head = null;
      socket.on('error', reject);
      socket.on('connect', () => {
        socket.write(
          `GET ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\n` +
            `Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n` +
            `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
            `Sec-WebSocket-Protocol: graphql-ws\r\n\r\n`,
        );
      });
      socket.on('data', (chunk) => {
        buffer = Buffer.concat([buffer, chunk]);
        if (!head) {
          const end = buffer.indexOf('\r\n\r\n');
          if (end < 0) return;
          head = buffer.subarray(0, end).toString();
          buffer = buffer.subarray(end + 4);
        }
        const status = Number(head.split(' ')[1]);
        const protocol = /^sec-websocket-protocol:\s*(.*)$/im.exec(head)?.[1] ?? null;
        if (status !== 101) {
          socket.destroy();
          resolve({ status, protocol });
          return;
        }
        if (buffer.length < 2) return;
        const opcode = buffer[0] & 0x0f;
        const length = buffer[1] & 0x7f;
        if (buffer.length < 2 + length) return;
        socket.destroy();
        if (opcode !== 0x8) {
          reject(new Error(`first frame has opcode ${opcode}, not close`));
          return;
        }
        const code = length >= 2 ? buffer.readUInt16BE(2) : null;
        resolve({ status, protocol, code, reason: buffer.subarray(4, 2 + length).toString() });
      });
    }),
    5000,
    'the upgrade and a close frame',
  );
  assert(status === 101, `upgrade answered ${status}`);
  assert(protocol === null, `server selected sub-protocol ${protocol}`);
  return `${expectClose({ code, reason }, 4406)} (handshake selected no sub-protocol)`;
});

await check(`4408: no connection_init within the init timeout (${INIT_TIMEOUT_S} s)`, async () => {
  const r = await raw(PROTOCOL, () => {}, INIT_TIMEOUT_S * 1000 + 5000);
  const detail = expectClose(r, 4408);
  assert(
    r.elapsed >= INIT_TIMEOUT_S * 1000 - 500,
    `closed after ${r.elapsed} ms, before the ${INIT_TIMEOUT_S} s timeout`,
  );
  return `${detail} after ${r.elapsed} ms`;
});

await check('4409: a second subscribe with an id in use', async () => {
  const subscribe = JSON.stringify({ type: 'subscribe', id: 'dup', payload: { query: SUBSCRIPTION } });
  const r = await raw(PROTOCOL, async (ws, next) => {
    await initialised(ws, next);
    ws.send(subscribe);
    await sleep(200);
    ws.send(subscribe);
  });
  return expectClose(r, 4409);
});

await check('4409: the graphql-ws client, made to reuse one subscription id', async () => {
  const { c, closed } = client(auth(readKey), { generateID: () => 'same-id' });
  const sink = { next: () => {}, error: () => {}, complete: () => {} };
  c.subscribe({ query: SUBSCRIPTION }, sink);
  c.subscribe({ query: SUBSCRIPTION }, sink);
  const event = await withTimeout(closed, 5000, 'the close');
  await c.dispose();
  return expectClose({ code: event.code, reason: event.reason }, 4409);
});

await check('4429: a second connection_init', async () => {
  const r = await raw(PROTOCOL, async (ws, next) => {
    await initialised(ws, next);
    ws.send(init(auth(readKey)));
  });
  return expectClose(r, 4429);
});

const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`ws checks: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
