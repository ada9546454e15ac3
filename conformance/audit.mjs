// The GraphQL-over-HTTP audit suite of graphql-http (`serverAudits`), run against a
// running Agora server.
//
//   node audit.mjs [URL] [--allow FILE]
//
// URL defaults to $AGORA_URL. Prints each audit (id, status, name), the reason and the
// server's response for every audit that is not ok, and the counts. Exits 1 when any
// MUST audit fails (status "error") or any SHOULD audit fails (status "warn"): every MUST
// and SHOULD audit has to pass. MAY audits ("notice") never fail the run.
//
// Strict by default. `--allow FILE` (or $AUDIT_ALLOW) names a file of audit ids, one a
// line (`#` starts a comment), whose "warn" is accepted; an "error" is never accepted.
// An allowed id that now passes is reported, so that the file can shrink.

import { readFileSync } from 'node:fs';
import { serverAudits } from 'graphql-http';

const args = process.argv.slice(2);
let url = process.env.AGORA_URL;
let allowFile = process.env.AUDIT_ALLOW || null;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--allow') allowFile = args[++i];
  else url = args[i];
}
if (!url) {
  console.error('usage: node audit.mjs URL [--allow FILE]   (or set AGORA_URL)');
  process.exit(2);
}

const allowed = new Set();
if (allowFile) {
  for (const line of readFileSync(allowFile, 'utf8').split('\n')) {
    const id = line.replace(/#.*/, '').trim();
    if (id) allowed.add(id);
  }
}

/** A short account of the response behind an audit's result. */
async function describe(response) {
  if (!response) return '';
  let body = '';
  try {
    body = await response.clone().text();
  } catch {
    try {
      body = await response.text();
    } catch {
      body = '(body already read)';
    }
  }
  if (body.length > 400) body = `${body.slice(0, 400)}…`;
  const type = response.headers.get('content-type') ?? '(none)';
  return `HTTP ${response.status}, content-type: ${type}, body: ${body}`;
}

const counts = { ok: 0, warn: 0, notice: 0, error: 0 };
const failing = [];
const allowedSeen = new Set();

const audits = serverAudits({ url, fetchFn: fetch });
for (const audit of audits) {
  let result;
  try {
    result = await audit.fn();
  } catch (e) {
    result = { status: 'error', reason: `the audit threw: ${e?.message ?? e}` };
  }
  const { status } = result;
  counts[status] = (counts[status] ?? 0) + 1;
  let mark = '';
  if (status === 'warn' && allowed.has(audit.id)) {
    mark = ' (allowed)';
    allowedSeen.add(audit.id);
  } else if (status === 'warn' || status === 'error') {
    failing.push(audit);
  }
  console.log(`${audit.id} ${status.padEnd(6)} ${audit.name}${mark}`);
  if (status !== 'ok') {
    console.log(`       reason: ${result.reason}`);
    const response = await describe(result.response);
    if (response) console.log(`       response: ${response}`);
  }
}

for (const id of allowed) {
  if (!allowedSeen.has(id)) {
    console.log(`note: allowed audit ${id} did not warn in this run; remove it from ${allowFile}`);
  }
}

console.log(
  `graphql-http audits: ${audits.length} run, ${counts.ok} ok, ${counts.warn} warn ` +
    `(${allowedSeen.size} allowed), ${counts.notice} notice, ${counts.error} error`,
);
if (failing.length > 0) {
  console.log(
    `FAIL: ${failing.length} MUST/SHOULD audit(s) failed: ${failing.map((a) => a.id).join(', ')}`,
  );
  process.exit(1);
}
console.log('PASS: every MUST and SHOULD audit passed');
