// Checks Agora's GraphiQL page in headless Chromium, as a person would use it, against a
// running server:
//
//   AGORA_URL=http://127.0.0.1:PORT AGORA_KEY=<read,write key> [SCREENSHOT_DIR=dir] \
//     node check-graphiql.mjs
//
// (AGORA_URL may also end in /graphql.) Steps: the page loads with no console error, no
// CSP violation and no request to another origin; the pre-filled query runs; typing gets
// completions and validation markers; a typed query runs; the docs explorer and the
// Explorer plugin work; a subscription with the key from the headers editor receives a
// change made by a mutation; the URL fragment carries a query. Every wait is bounded;
// the first failure ends the check with a non-zero exit. With SCREENSHOT_DIR set, the
// page is saved as graphiql.png there (and graphiql-failure.png on a failure).
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const base = (process.env.AGORA_URL ?? '').replace(/\/graphql\/?$/, '').replace(/\/$/, '');
const key = process.env.AGORA_KEY ?? '';
const screenshotDir = process.env.SCREENSHOT_DIR || '';
const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
if (!/^https?:\/\//.test(base)) fail('AGORA_URL must be set, e.g. http://127.0.0.1:8080');
if (!key) fail('AGORA_KEY must be set to a read,write API key');
const endpoint = `${base}/graphql`;
const origin = new URL(base).origin;

const SHORT = 10_000; // a UI reaction
const LONG = 30_000; // a first page load, a worker start, a round trip to the server

function fail(message) {
  console.error(`check-graphiql: FAIL: ${message}`);
  process.exit(1);
}

// --- the browser ---------------------------------------------------------------------
const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-dev-shm-usage',
  ],
  timeout: LONG,
});
const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
const page = await context.newPage();
page.setDefaultTimeout(SHORT);

const problems = []; // console errors, page errors, CSP violations, foreign requests
const notes = []; // console warnings: printed, not failures
page.on('console', (message) => {
  const text = `${message.type()}: ${message.text()}`;
  if (message.type() === 'error') problems.push(`console ${text}`);
  else if (message.type() === 'warning') notes.push(`console ${text}`);
});
page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
page.on('worker', (worker) => {
  // A dedicated worker's own console (monaco's workers): the same rules.
  worker.on?.('console', (message) => {
    if (message.type() === 'error') problems.push(`worker ${worker.url()} console error: ${message.text()}`);
  });
});
page.on('request', (request) => {
  const url = request.url();
  if (url.startsWith('data:') || url.startsWith('blob:')) {
    if (url.startsWith('blob:')) problems.push(`a blob: URL was loaded: ${url}`);
    return;
  }
  let requestOrigin = '';
  try {
    requestOrigin = new URL(url).origin;
  } catch {
    // about:blank and the like
  }
  if (requestOrigin && requestOrigin !== origin) problems.push(`request to another origin: ${url}`);
});
page.on('response', (response) => {
  if (response.status() >= 400 && !response.url().endsWith('/graphql')) {
    problems.push(`HTTP ${response.status()} for ${response.url()}`);
  }
});
// CSP violations, in the page (the browser also logs them to the console).
await page.addInitScript(() => {
  document.addEventListener('securitypolicyviolation', (event) => {
    const where = event.sourceFile ? ` at ${event.sourceFile}:${event.lineNumber}` : '';
    console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || '(inline)'}${where}`);
  });
});

// Every WebSocket frame the page sends or receives, for the subscription step.
const sockets = [];
const socketEvents = new EventTarget(); // fires on each socket, frame and close
const socketEvent = () => socketEvents.dispatchEvent(new Event('change'));
page.on('websocket', (socket) => {
  const entry = { url: socket.url(), sent: [], received: [], closed: false };
  sockets.push(entry);
  socket.on('framesent', (frame) => {
    entry.sent.push(parseFrame(frame.payload));
    socketEvent();
  });
  socket.on('framereceived', (frame) => {
    entry.received.push(parseFrame(frame.payload));
    socketEvent();
  });
  socket.on('close', () => {
    entry.closed = true;
    socketEvent();
  });
  socketEvent();
});
function parseFrame(payload) {
  try {
    return JSON.parse(String(payload));
  } catch {
    return { unparsed: String(payload) };
  }
}

// --- helpers -------------------------------------------------------------------------
let stepNumber = 0;
async function step(name, fn) {
  stepNumber += 1;
  const started = Date.now();
  try {
    const detail = await fn();
    assertNoProblems();
    console.log(`ok   ${stepNumber}. ${name}${detail ? ` — ${detail}` : ''} (${Date.now() - started} ms)`);
  } catch (error) {
    console.log(`FAIL ${stepNumber}. ${name} (${Date.now() - started} ms)`);
    console.error(`     ${String(error?.message ?? error).split('\n').join('\n     ')}`);
    for (const problem of problems) console.error(`     ${problem}`);
    if (screenshotDir) {
      mkdirSync(screenshotDir, { recursive: true });
      const file = path.join(screenshotDir, 'graphiql-failure.png');
      await page.screenshot({ path: file, timeout: SHORT }).catch(() => {});
      console.error(`     screenshot: ${file}`);
    }
    await browser.close().catch(() => {});
    fail(`step ${stepNumber} (${name}) failed`);
  }
}

function assertNoProblems() {
  if (problems.length) throw new Error(`the page reported problems:\n${problems.join('\n')}`);
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

// The text an editor shows (monaco renders spaces as no-break spaces). `which` is a
// selector of the editor's container.
async function shownText(which) {
  return page.evaluate(
    (selector) =>
      (document.querySelector(`${selector} .view-lines`)?.innerText ?? '').replace(/\u00a0/g, ' '),
    which,
  );
}

// The whole value of the monaco editor inside the container (GraphiQL exposes monaco as
// globalThis.__MONACO).
async function editorValue(which) {
  return page.evaluate((selector) => {
    const root = document.querySelector(selector);
    const editor = globalThis.__MONACO?.editor
      .getEditors()
      .find((candidate) => root?.contains(candidate.getContainerDomNode()));
    return editor ? editor.getValue() : null;
  }, which);
}

async function waitForShownText(which, needle, timeout = LONG) {
  try {
    await page.waitForFunction(
      ({ selector, text }) =>
        (document.querySelector(`${selector} .view-lines`)?.innerText ?? '')
          .replace(/\u00a0/g, ' ')
          .includes(text),
      { selector: which, text: needle },
      { timeout },
    );
  } catch (error) {
    throw new Error(
      `${which} did not show ${JSON.stringify(needle)} within ${timeout} ms; it shows:\n${await shownText(which)}`,
    );
  }
}

const QUERY_EDITOR = '.graphiql-query-editor';
const RESPONSE = '.graphiql-response';
const TOOL_EDITOR = '.graphiql-editor-tool > .graphiql-editor:not(.hidden)';

// Replaces an editor's whole text: select all with the keyboard, then paste (a paste
// event carrying the text: typing it would let monaco auto-close the brackets).
async function replaceText(which, text) {
  await page.click(`${which} .view-lines`);
  await page.keyboard.press('ControlOrMeta+A');
  await page.evaluate(
    ({ selector, value }) => {
      const textarea = document.querySelector(`${selector} textarea`);
      const data = new DataTransfer();
      data.setData('text/plain', value);
      textarea.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    },
    { selector: which, value: text },
  );
  // Monaco applies a paste asynchronously: wait for the editor to hold the text.
  try {
    await page.waitForFunction(
      ({ selector, value }) => {
        const root = document.querySelector(selector);
        const editor = globalThis.__MONACO.editor
          .getEditors()
          .find((candidate) => root?.contains(candidate.getContainerDomNode()));
        return editor?.getValue() === value;
      },
      { selector: which, value: text },
      { timeout: SHORT },
    );
  } catch {
    throw new Error(`pasting into ${which} left it holding ${JSON.stringify(await editorValue(which))}`);
  }
}

async function graphql(query, variables) {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(LONG),
  });
  const body = await response.json();
  if (body.errors) throw new Error(`${query}: ${JSON.stringify(body.errors)}`);
  return body.data;
}

// --- the steps -----------------------------------------------------------------------
console.log(`check-graphiql: ${endpoint} in ${chromiumPath}`);

// The five files of the bundle, as the server must serve them under /graphiql/.
const BUNDLE = {
  'graphiql.js': /^(text|application)\/javascript\b/,
  'graphiql.css': /^text\/css\b/,
  'editor.worker.js': /^(text|application)\/javascript\b/,
  'graphql.worker.js': /^(text|application)\/javascript\b/,
  'json.worker.js': /^(text|application)\/javascript\b/,
};
const distDir = process.env.GRAPHIQL_DIST_DIR || path.join(path.dirname(fileURLToPath(import.meta.url)), 'dist', 'graphiql');

await step('the server serves the bundle: its five files as built, nothing else', async () => {
  for (const [name, type] of Object.entries(BUNDLE)) {
    const response = await fetch(`${base}/graphiql/${name}`, { signal: AbortSignal.timeout(LONG) });
    check(response.status === 200, `GET /graphiql/${name} answered ${response.status}`);
    const contentType = response.headers.get('content-type') ?? '';
    check(type.test(contentType), `GET /graphiql/${name} has content-type ${JSON.stringify(contentType)}`);
    check(response.headers.get('content-security-policy'), `GET /graphiql/${name} has no Content-Security-Policy`);
    const served = Buffer.from(await response.arrayBuffer());
    const built = readFileSync(path.join(distDir, name));
    check(
      served.equals(built),
      `GET /graphiql/${name} is not ${path.join(distDir, name)} (${served.length} bytes served, ${built.length} built): is the server built from this tree?`,
    );
  }
  for (const name of ['graphiql.js.map', 'index.jsx', 'index.html', '..%2FCargo.toml', 'nothing.js']) {
    const response = await fetch(`${base}/graphiql/${name}`, { signal: AbortSignal.timeout(LONG) });
    await response.arrayBuffer();
    check(response.status === 404, `GET /graphiql/${name} answered ${response.status}, not 404`);
  }
  return `${Object.keys(BUNDLE).join(', ')} match ${distDir}`;
});

await step('the page loads at /graphql with its editors, no error, no CSP violation', async () => {
  const introspection = page.waitForResponse(
    (response) =>
      response.url() === endpoint &&
      response.request().method() === 'POST' &&
      (response.request().postData() ?? '').includes('IntrospectionQuery'),
    { timeout: LONG },
  );
  const response = await page.goto(endpoint, { waitUntil: 'load', timeout: LONG });
  check(response?.status() === 200, `GET /graphql answered ${response?.status()}`);
  const type = response.headers()['content-type'] ?? '';
  check(type.startsWith('text/html'), `GET /graphql answered ${type}, not text/html`);
  const csp = response.headers()['content-security-policy'];
  check(csp, 'the page has no Content-Security-Policy header');
  // Scripts and workers only from the server itself: no inline script, no eval, no blob:.
  const directives = Object.fromEntries(
    csp.split(';').map((part) => part.trim().split(/\s+/)).filter((words) => words[0]).map(([name, ...values]) => [name, values.join(' ')]),
  );
  check(directives['script-src'] === "'self'", `the CSP's script-src is ${JSON.stringify(directives['script-src'])}, not 'self': ${csp}`);
  check(directives['default-src'] === "'none'", `the CSP's default-src is ${JSON.stringify(directives['default-src'])}, not 'none': ${csp}`);
  check(!/unsafe-eval|blob:|\*/.test(csp), `the CSP allows eval, blob: or a wildcard: ${csp}`);
  check((await page.title()) === 'Agora GraphiQL', `the title is ${JSON.stringify(await page.title())}`);
  await page.waitForSelector(`${QUERY_EDITOR} .monaco-editor .view-lines`, { timeout: LONG });
  const schema = await introspection;
  check(schema.ok(), `the introspection query answered ${schema.status()}`);
  await waitForShownText(QUERY_EDITOR, 'dialogueBySlug(slug: "idm-2018")');
  return `CSP: ${csp}`;
});

await step('the pre-filled query runs and shows the seeded dialogue', async () => {
  const answered = page.waitForResponse(
    (response) =>
      response.url() === endpoint && (response.request().postData() ?? '').includes('dialogueBySlug'),
    { timeout: LONG },
  );
  await page.click('.graphiql-execute-button');
  const response = await answered;
  check(response.ok(), `the query answered HTTP ${response.status()}`);
  await waitForShownText(RESPONSE, '"slug": "idm-2018"');
  await waitForShownText(RESPONSE, '"city": "New York"');
  const value = JSON.parse(await editorValue(RESPONSE));
  check(value.data?.dialogueBySlug?.workshops?.nodes?.length >= 1, 'no workshops in the response');
  const detail = `${value.data.dialogueBySlug.title.text}, ${value.data.dialogueBySlug.workshops.nodes.length} workshops`;
  if (!screenshotDir) return detail;
  mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, 'graphiql.png');
  await page.mouse.move(0, 0); // no hover highlight in the picture
  await page.screenshot({ path: file, timeout: SHORT });
  return `${detail}; screenshot ${file}`;
});

await step('typing in the editor: completion offers dialogueBySlug', async () => {
  await page.click(`${QUERY_EDITOR} .view-lines`);
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Backspace');
  await page.keyboard.type('{ dialogueB', { delay: 20 });
  const row = page.locator('.suggest-widget.visible .monaco-list-row', { hasText: 'dialogueBySlug' });
  await row.first().waitFor({ state: 'visible', timeout: LONG });
  const rows = await page.locator('.suggest-widget.visible .monaco-list-row').allInnerTexts();
  await page.keyboard.press('Escape');
  return `suggestions: ${rows.map((text) => text.split('\n')[0]).join(', ')}`;
});

await step('validation: a misspelt field gets an error marker', async () => {
  await replaceText(QUERY_EDITOR, '{\n  dialogueBySlugg(slug: "idm-2018") {\n    slug\n  }\n}\n');
  // The editor's markers (monaco-graphql's validation, from its worker).
  const markers = () =>
    globalThis.__MONACO.editor
      .getModelMarkers({})
      .filter((marker) => marker.resource.path.endsWith('operation.graphql'))
      .map((marker) => marker.message);
  try {
    await page.waitForFunction(
      () =>
        globalThis.__MONACO.editor
          .getModelMarkers({})
          .some((marker) => marker.resource.path.endsWith('operation.graphql') && marker.message.includes('dialogueBySlugg')),
      null,
      { timeout: LONG },
    );
  } catch {
    throw new Error(`no marker names dialogueBySlugg: ${JSON.stringify(await page.evaluate(markers))}`);
  }
  await page.waitForSelector(`${QUERY_EDITOR} .squiggly-error`, { timeout: SHORT });
  const messages = await page.evaluate(markers);
  return `marker: ${messages.find((message) => message.includes('dialogueBySlugg'))}`;
});

await step('a typed query runs (Ctrl-Enter) and shows its result', async () => {
  await replaceText(
    QUERY_EDITOR,
    '{\n  dialogueBySlug(slug: "idm-2018") {\n    slug\n    startDate\n    city\n    title { text }\n  }\n}\n',
  );
  await page.waitForSelector(`${QUERY_EDITOR} .squiggly-error`, { state: 'detached', timeout: LONG });
  const answered = page.waitForResponse(
    (response) =>
      response.url() === endpoint && (response.request().postData() ?? '').includes('startDate'),
    { timeout: LONG },
  );
  await page.keyboard.press('ControlOrMeta+Enter');
  await answered;
  await waitForShownText(RESPONSE, '"startDate": "2018-03-26"');
  return 'dialogueBySlug.startDate = 2018-03-26';
});

await step("the docs explorer shows the Query type's fields", async () => {
  await page.click('button[aria-label="Show Documentation Explorer"]');
  await page.click('.graphiql-doc-explorer a.graphiql-doc-explorer-type-name:text-is("Query")');
  const field = page.locator('.graphiql-doc-explorer a.graphiql-doc-explorer-field-name', {
    hasText: /^dialogueBySlug$/,
  });
  await field.waitFor({ state: 'visible' });
  const count = await page.locator('.graphiql-doc-explorer a.graphiql-doc-explorer-field-name').count();
  return `${count} fields, dialogueBySlug among them`;
});

await step('the Explorer plugin lists root fields and builds a query from clicks', async () => {
  await page.click('button[aria-label="Show GraphiQL Explorer"]');
  const field = page.locator('.graphiql-explorer-root [data-field-name="dialogues"]');
  await field.waitFor({ state: 'visible' });
  const roots = await page.locator('.graphiql-explorer-root [data-field-name]').count();
  const before = await editorValue(QUERY_EDITOR);
  await field.click();
  // The field opens: a click on one of its own fields selects it too.
  const subfield = page.locator('.graphiql-explorer-dialogues [data-field-name="totalCount"]');
  await subfield.click();
  try {
    await page.waitForFunction(
      (previous) => {
        const root = document.querySelector('.graphiql-query-editor');
        const editor = globalThis.__MONACO.editor
          .getEditors()
          .find((candidate) => root.contains(candidate.getContainerDomNode()));
        const value = editor.getValue();
        return value !== previous && /dialogues\s*\{\s*totalCount\s*\}/.test(value);
      },
      before,
      { timeout: SHORT },
    );
  } catch {
    throw new Error(`the query did not gain dialogues { totalCount }: ${await editorValue(QUERY_EDITOR)}`);
  }
  const after = await editorValue(QUERY_EDITOR);
  await page.click('.graphiql-execute-button');
  await waitForShownText(RESPONSE, '"totalCount": ');
  return `${roots} fields listed; the query became: ${after.replace(/\s+/g, ' ').trim()}; it ran`;
});

await step('a subscription with the key from the headers editor receives a change', async () => {
  // The feed's current end: the subscription starts after it, so that the change made
  // below is delivered however soon it commits (no race with the subscription's start).
  let cursor = null;
  for (let pages = 0; pages < 100; pages++) {
    const { changes } = await graphql(
      'query($after: String) { changes(after: $after, first: 100) { pageInfo { hasNextPage endCursor } } }',
      { after: cursor },
    );
    cursor = changes.pageInfo.endCursor ?? cursor;
    if (!changes.pageInfo.hasNextPage) break;
  }
  check(cursor, 'the change feed has no cursor');

  await page.click('button[aria-label="Hide GraphiQL Explorer"]');
  await page.click('.graphiql-editor-tools button:text-is("Headers")');
  await replaceText(TOOL_EDITOR, JSON.stringify({ Authorization: `Bearer ${key}` }, null, 2));
  await page.click('.graphiql-editor-tools button:text-is("Variables")');
  await replaceText(TOOL_EDITOR, JSON.stringify({ after: cursor }, null, 2));
  await replaceText(
    QUERY_EDITOR,
    'subscription Changes($after: String) {\n  recordChanged(after: $after, types: [DIALOGUE]) {\n    op\n    type\n    version\n    node { ... on Dialogue { slug } }\n  }\n}\n',
  );
  await page.waitForSelector(`${QUERY_EDITOR} .squiggly-error`, { state: 'detached', timeout: LONG });
  await page.waitForSelector('.graphiql-tab-button:text-is("Changes")'); // GraphiQL parsed it

  const socketsBefore = sockets.length;
  await page.click('.graphiql-execute-button');
  const subscribed = await waitForSockets(
    () => sockets.slice(socketsBefore).find((socket) => socket.sent.some((frame) => frame.type === 'subscribe')),
    LONG,
    'the subscribe message on a WebSocket',
  );
  const wsPath = new URL(subscribed.url).pathname;
  check(wsPath === '/graphql', `the WebSocket went to ${subscribed.url}, not the page's own path`);
  const init = subscribed.sent.find((frame) => frame.type === 'connection_init');
  check(
    init?.payload?.authorization === `Bearer ${key}`,
    `connection_init payload is ${JSON.stringify(init?.payload)}, not the key from the headers editor`,
  );
  check(subscribed.received.some((frame) => frame.type === 'connection_ack'), 'no connection_ack');

  const slug = `graphiql-check-${randomBytes(4).toString('hex')}`;
  const { createDialogue } = await graphql(
    'mutation($input: DialogueInput!) { createDialogue(input: $input) { outcome id version } }',
    { input: { slug, title: [{ lang: 'en', text: `GraphiQL check ${slug}` }] } },
  );
  check(createDialogue.outcome === 'CREATED', `createDialogue: ${JSON.stringify(createDialogue)}`);
  await waitForShownText(RESPONSE, `"slug": "${slug}"`);
  await waitForShownText(RESPONSE, '"op": "CREATE"');

  // The button now stops the subscription: GraphiQL completes it on the socket.
  await page.click('.graphiql-execute-button');
  await waitForSockets(
    () => subscribed.sent.some((frame) => frame.type === 'complete') || subscribed.closed,
    SHORT,
    'the subscription to stop',
  );
  return `event for ${slug} over ${subscribed.url}, connection_init carried the key`;
});

await step('the URL fragment carries a query (#query=...&variables=...)', async () => {
  const query = 'query Slug($slug: String!) { dialogueBySlug(slug: $slug) { slug } }';
  const variables = '{"slug": "idm-2018"}';
  const linked = await context.newPage();
  linked.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console (second page) error: ${message.text()}`);
  });
  linked.on('pageerror', (error) => problems.push(`page error (second page): ${error.message}`));
  await linked.goto(`${endpoint}#${new URLSearchParams({ query, variables })}`, { timeout: LONG });
  await linked.waitForFunction(
    (text) =>
      (document.querySelector('.graphiql-query-editor .view-lines')?.innerText ?? '')
        .replace(/\u00a0/g, ' ')
        .includes(text),
    'dialogueBySlug(slug: $slug)',
    { timeout: LONG },
  );
  await linked.close();
  return 'the linked query opened in the editor';
});

await browser.close();
if (notes.length) console.log(`console warnings (not failures):\n  ${notes.join('\n  ')}`);
console.log('check-graphiql: all steps passed');

// Waits until a condition on the WebSocket frames seen so far holds: checked now and at
// each socket event, for at most `timeout` ms.
function waitForSockets(condition, timeout, what) {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      socketEvents.removeEventListener('change', test);
    };
    const test = () => {
      const value = condition();
      if (value) {
        done();
        resolve(value);
      }
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out after ${timeout} ms waiting for ${what}`));
    }, timeout);
    socketEvents.addEventListener('change', test);
    test();
  });
}
