// Drives the researchers' explorer (/explore) in headless Chromium against a running
// Agora server, and fails (non-zero exit, with the reason) unless:
// - the page comes with its Content-Security-Policy, and loads without a console error,
//   a page error, a failed request or a CSP violation (listened to from the start);
// - a search, then the same search with one facet (a year chosen in the chart, then an
//   organisation, then a type), shows the count the API gives for the same arguments (a
//   GraphQL request sent from here, `hasOrganisation` for the organisation), and the
//   facet's own count said so beforehand; every organisation the facet lists has the
//   count the API gives;
// - the chart has bars; a result card's JSON-LD, BibTeX and CSL-JSON links, and the
//   list's CSV and JSON Lines downloads answer 200 with their media types; a search's
//   download links carry its words (`q=`), and each JSON Lines file holds as many records
//   as the page counts for its type (with the organisation too, in each list's filter);
// - the page's language switches to French and a reload of the address shows the same view.
// With SCREENSHOT_DIR set, writes ${SCREENSHOT_DIR}/explore.png (1280x900).
//
// Environment: AGORA_URL (such as http://127.0.0.1:8080), AGORA_KEY (not needed: the
// explorer uses the public API only), SCREENSHOT_DIR (optional), CHROMIUM (default
// /usr/bin/chromium), EXPLORE_WORD (default "migration": a word the seed holds).
// Waits are on events and page states only, each bounded; no fixed sleeps.

import { chromium } from 'playwright-core';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

const base = (process.env.AGORA_URL || '').replace(/\/+$/, '').replace(/\/graphql$/, '');
const word = process.env.EXPLORE_WORD || 'migration';
const shots = process.env.SCREENSHOT_DIR || '';
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const WAIT = 30_000;

if (!/^https?:\/\//.test(base)) {
  console.error('check-explore: set AGORA_URL to the server, such as http://127.0.0.1:8080');
  process.exit(2);
}

const steps = [];
const step = (text) => { steps.push(text); console.log(`ok   ${steps.length}. ${text}`); };

class Failure extends Error {}
const fail = (message) => { throw new Failure(message); };
const expect = (cond, message) => { if (!cond) fail(message); };

// A hang guard over the whole run.
const guard = setTimeout(() => {
  console.error(`check-explore: FAILED: the run took longer than 180 s (last step: ${steps.at(-1) || 'none'})`);
  process.exit(1);
}, 180_000);
guard.unref();

/** The API's answer to a GraphQL request, sent from here (not through the page). */
async function api(query, variables) {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(WAIT),
  });
  const body = await res.json().catch(() => null);
  if (!body || body.errors || !body.data) fail(`the API refused a check's query: ${res.status} ${JSON.stringify(body?.errors || body)}`);
  return body.data;
}

async function searchCount(args) {
  const d = await api(
    'query CheckCount($q: String!, $types: [NodeType!], $lang: String, $filter: SearchFilter) { search(query: $q, types: $types, lang: $lang, filter: $filter, first: 0) { totalCount } }',
    args,
  );
  return d.search.totalCount;
}

const browser = await chromium.launch({
  executablePath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
});

const problems = [];
let page;

try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB', acceptDownloads: false });
  page = await context.newPage();
  page.setDefaultTimeout(WAIT);

  // Everything that must not happen, from the first byte on.
  await page.exposeFunction('__exploreCspViolation', (v) => problems.push(`CSP violation: ${v}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__exploreCspViolation(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile || '?'}:${e.lineNumber || 0}`);
    });
  });
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.method()} ${r.url()} (${r.failure()?.errorText})`));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.request().method()} ${r.url()}`); });
  const clean = (when) => { if (problems.length) fail(`${when}:\n  ${problems.join('\n  ')}`); };

  // The results carry the number of the view shown; an action waits for a newer one.
  const viewNumber = () => page.$eval('#results', (el) => Number(el.dataset.view || 0));
  async function nextView(before, what) {
    await page.waitForFunction((n) => {
      const r = document.querySelector('#results');
      return r && Number(r.dataset.view || 0) > n && r.dataset.state !== 'loading';
    }, before, { timeout: WAIT }).catch(() => fail(`no view was shown within ${WAIT / 1000} s after ${what}`));
    const st = await page.$eval('#results', (el) => ({ ...el.dataset }));
    if (st.state === 'error') fail(`the page shows an error after ${what}: ${await page.textContent('#error')}`);
    // The organisation facet is counted after the results are shown: the view is whole
    // once it is (and acting sooner would abort its requests, on purpose).
    await page.waitForSelector('#facet-org[data-state="ready"]', { timeout: WAIT })
      .catch(() => fail(`the organisation facet was not counted within ${WAIT / 1000} s after ${what}`));
    clean(`after ${what}`);
    return st;
  }
  const shownTotal = async () => {
    const st = await page.$eval('#results', (el) => ({ ...el.dataset }));
    const text = await page.textContent('#total');
    const n = Number(st.total);
    const digits = (text || '').replace(/\D/g, '');
    expect(digits.startsWith(String(n)), `the heading "${text}" does not show the count ${n}`);
    return n;
  };

  // 1. The page and its policy.
  const response = await page.goto(`${base}/explore`, { waitUntil: 'domcontentloaded' });
  expect(response && response.status() === 200, `GET /explore answered ${response?.status()}`);
  const csp = response.headers()['content-security-policy'] || '';
  expect(/default-src 'none'/.test(csp) && /script-src 'self'/.test(csp) && /style-src 'self'/.test(csp) && !/unsafe-inline|unsafe-eval/.test(csp),
    `GET /explore has no strict Content-Security-Policy: "${csp}"`);
  const first = await nextView(0, 'loading /explore');
  step(`loaded /explore (CSP: ${csp}); it shows ${first.total} records`);

  // 2. A search.
  await page.fill('#q', word);
  let before = await viewNumber();
  await page.press('#q', 'Enter');
  await nextView(before, `searching for "${word}"`);
  const total = await shownTotal();
  const apiTotal = await searchCount({ q: word });
  expect(total === apiTotal, `"${word}": the page shows ${total}, the API counts ${apiTotal}`);
  expect(total > 0, `"${word}" finds nothing: use EXPLORE_WORD for a word the database holds`);
  step(`search "${word}": the page shows ${total}, the API ${apiTotal}`);
  expect(new URL(page.url()).searchParams.get('q') === word, `the address does not hold the search: ${page.url()}`);

  // 3. The chart has bars; one facet: the year with most results, chosen in the chart.
  const bars = await page.$$eval('#chart svg .bar', (gs) => gs.map((g) => ({ year: Number(g.dataset.year), count: Number(g.dataset.count),
    height: Number(g.querySelector('.fill')?.getAttribute('height') || 0) })));
  expect(bars.length > 0, 'the chart has no bars');
  expect(bars.some((b) => b.height > 0), 'every bar of the chart is empty');
  const top = bars.reduce((a, b) => (b.count > a.count ? b : a));
  step(`the chart has ${bars.length} bars; ${top.year} has the most (${top.count})`);
  before = await viewNumber();
  await page.click(`#chart svg .bar[data-year="${top.year}"]`);
  await nextView(before, `choosing ${top.year} in the chart`);
  const yearTotal = await shownTotal();
  const apiYear = await searchCount({ q: word, filter: { year: { gte: top.year, lte: top.year } } });
  expect(yearTotal === apiYear, `"${word}" in ${top.year}: the page shows ${yearTotal}, the API counts ${apiYear}`);
  expect(yearTotal === top.count, `"${word}" in ${top.year}: the bar said ${top.count}, the page shows ${yearTotal}`);
  const address = new URL(page.url()).searchParams;
  expect(address.get('from') === String(top.year) && address.get('to') === String(top.year), `the address does not hold the year: ${page.url()}`);
  step(`search "${word}" + year ${top.year}: the page shows ${yearTotal}, the API ${apiYear}`);
  if (shots) {
    await mkdir(shots, { recursive: true });
    await page.waitForSelector('#downloads[data-state="ready"]', { timeout: WAIT });
    await page.mouse.move(0, 0);
    await page.screenshot({ path: path.join(shots, 'explore.png') });
    step(`screenshot: ${path.join(shots, 'explore.png')}`);
  }

  // 4. Another facet instead: an organisation (the year removed from its chip).
  before = await viewNumber();
  await page.click('#active .chip >> text=/^(Year|Année) /');
  await nextView(before, 'removing the year');
  const orgValues = await page.$$eval('#facet-org .facet-value[data-count]', (bs) => bs.map((b) => ({
    id: b.dataset.value, count: Number(b.dataset.count), shown: Number(b.querySelector('.count').textContent.replace(/\D/g, '')) })));
  expect(orgValues.length > 0, `the organisation facet lists no organisation for "${word}"`);
  for (const v of orgValues) {
    expect(v.count === v.shown, `the organisation facet shows ${v.shown} for ${v.id}, its data says ${v.count}`);
    const n = await searchCount({ q: word, filter: { hasOrganisation: { id: { eq: v.id } } } });
    expect(v.count === n, `"${word}" + organisation ${v.id}: the facet says ${v.count}, the API counts ${n}`);
  }
  const org = orgValues.reduce((a, b) => (b.count > a.count ? b : a));
  expect(org.count > 0, `no organisation is linked to a record that "${word}" finds`);
  before = await viewNumber();
  await page.click(`#facet-org .facet-value[data-value="${org.id}"]`);
  await nextView(before, `choosing the organisation ${org.id}`);
  const orgTotal = await shownTotal();
  const apiOrg = await searchCount({ q: word, filter: { hasOrganisation: { id: { eq: org.id } } } });
  expect(orgTotal === apiOrg, `"${word}" + organisation ${org.id}: the page shows ${orgTotal}, the API counts ${apiOrg}`);
  expect(orgTotal === org.count, `"${word}" + organisation ${org.id}: the facet said ${org.count}, the page shows ${orgTotal}`);
  expect(new URL(page.url()).searchParams.get('org') === org.id, `the address does not hold the organisation: ${page.url()}`);
  step(`search "${word}" + organisation ${org.id}: the page shows ${orgTotal}, the API ${apiOrg}, the facet said ${org.count} (${orgValues.length} organisations listed, each as the API counts)`);

  // The downloads of that search: its words, and the organisation in each list's filter.
  const get = async (href, what, media) => {
    const url = new URL(href, base).href;
    const r = await page.request.get(url, { timeout: WAIT });
    const type = r.headers()['content-type'] || '';
    expect(r.status() === 200, `${what} (${url}) answered ${r.status()}: ${(await r.text()).slice(0, 300)}`);
    expect(type.startsWith(media), `${what} (${url}) came as "${type}", not ${media}`);
    return r.text();
  };
  const records = (text) => text.split('\n').filter((l) => l.trim());
  await page.waitForSelector('#downloads[data-state="ready"]', { timeout: WAIT }).catch(() => fail('the download links did not appear'));
  const orgLinks = await page.$$eval('#downloads li[data-type]', (lis) => lis.map((li) => ({
    t: li.dataset.type, count: Number(li.dataset.count), jsonl: li.querySelector('a.dl-jsonl')?.getAttribute('href') })));
  expect(orgLinks.length > 0, `"${word}" + organisation ${org.id}: no download link`);
  expect(orgLinks.reduce((n, l) => n + l.count, 0) === orgTotal,
    `"${word}" + organisation ${org.id}: the download links count ${orgLinks.map((l) => `${l.t} ${l.count}`).join(', ')}, the page ${orgTotal}`);
  for (const l of orgLinks) {
    const params = new URL(l.jsonl, base).searchParams;
    expect(params.get('q') === word && !/"id":\{"in"/.test(params.get('filter') || ''), `the ${l.t} download of the search does not carry its words: ${l.jsonl}`);
    const lines = records(await get(l.jsonl, `the ${l.t} JSON Lines download`, 'application/jsonl'));
    expect(lines.length === l.count, `the ${l.t} JSON Lines download of "${word}" + organisation ${org.id} holds ${lines.length} records, the page counts ${l.count} (${l.jsonl})`);
  }
  step(`its JSON Lines downloads (with q=) hold the records counted: ${orgLinks.map((l) => `${l.t} ${l.count}`).join(', ')}`);

  // 5. Another facet instead: reports only (the organisation removed from its chip).
  before = await viewNumber();
  await page.click('#active .chip >> text=/^Organisation: /');
  await nextView(before, 'removing the organisation');
  expect(await shownTotal() === total, `without the organisation, the page does not show the ${total} results of "${word}" again`);
  const reportFacet = Number(await page.$eval('#facet-type input[value="REPORT"] + label .count', (el) => el.textContent.replace(/\D/g, '')));
  before = await viewNumber();
  await page.check('#facet-type input[value="REPORT"]');
  await nextView(before, 'keeping reports only');
  const reportTotal = await shownTotal();
  const apiReports = await searchCount({ q: word, types: ['REPORT'] });
  expect(reportTotal === apiReports, `"${word}", reports: the page shows ${reportTotal}, the API counts ${apiReports}`);
  expect(reportTotal === reportFacet, `"${word}", reports: the facet said ${reportFacet}, the page shows ${reportTotal}`);
  step(`search "${word}" + type REPORT: the page shows ${reportTotal}, the API ${apiReports}`);
  expect(reportTotal > 0, `no report matches "${word}": the citation links cannot be checked`);

  // 6. A card's links, and the list's downloads.
  const card = await page.waitForSelector('.card[data-type="REPORT"]', { timeout: WAIT });
  const href = async (sel) => {
    const a = await card.$(sel);
    expect(a, `the report card has no ${sel} link`);
    return a.getAttribute('href');
  };
  const jsonld = JSON.parse(await get(await href('a.rec-jsonld'), 'the JSON-LD link', 'application/ld+json'));
  expect(jsonld['@type'] || jsonld['@graph'], 'the JSON-LD has no @type');
  const bib = await get(await href('a.rec-bibtex'), 'the BibTeX link', 'application/x-bibtex');
  expect(/^@\w+\{/.test(bib.trim()), `the BibTeX link did not give a BibTeX entry: ${bib.slice(0, 120)}`);
  const csl = JSON.parse(await get(await href('a.rec-csl'), 'the CSL-JSON link', 'application/vnd.citationstyles.csl+json'));
  expect(csl && (csl.type || csl.title || Array.isArray(csl)), 'the CSL-JSON link gave no CSL item');
  step('the report card\'s JSON-LD, BibTeX and CSL-JSON links answer 200 with their media types');
  await page.waitForSelector('#downloads[data-state="ready"] a.dl-csv[data-type="REPORT"]', { timeout: WAIT })
    .catch(() => fail('the download links of the reports did not appear'));
  const csvHref = await page.getAttribute('#downloads a.dl-csv[data-type="REPORT"]', 'href');
  const csvText = await get(csvHref, 'the CSV download', 'text/csv');
  expect(/^type,id,/.test(csvText), `the CSV download does not start with its header: ${csvText.slice(0, 80)}`);
  const jsonlHref = await page.getAttribute('#downloads a.dl-jsonl[data-type="REPORT"]', 'href');
  expect(new URL(jsonlHref, base).searchParams.get('q') === word, `the JSON Lines download of the search does not carry its words: ${jsonlHref}`);
  const jsonl = records(await get(jsonlHref, 'the JSON Lines download', 'application/jsonl'));
  expect(jsonl.length === reportTotal, `the JSON Lines download holds ${jsonl.length} records, the page counts ${reportTotal}`);
  step(`the list's CSV and JSON Lines downloads (${jsonlHref}) answer 200; the JSON Lines holds the ${jsonl.length} records counted`);

  // 7. The page in French, and the address reloads the same view.
  before = await viewNumber();
  await page.click('.ui-lang-btn[data-ui="fr"]');
  await nextView(before, 'switching to French');
  expect(await page.getAttribute('html', 'lang') === 'fr', 'the page did not switch to French');
  expect(/résultat/.test(await page.textContent('#total')), `the count is not in French: ${await page.textContent('#total')}`);
  const saved = page.url();
  const frTotal = await shownTotal();
  await page.reload({ waitUntil: 'domcontentloaded' });
  await nextView(0, 'reloading the address');
  expect(page.url() === saved, `the reload changed the address: ${saved} -> ${page.url()}`);
  expect(await shownTotal() === frTotal && await page.$eval('#q', (el) => el.value) === word
    && await page.isChecked('#facet-type input[value="REPORT"]'), 'the reload did not show the same view');
  step(`in French, and the address (${new URL(saved).search}) reloads the same view`);

  clean('at the end');
  console.log(`check-explore: OK (${steps.length} steps)`);
} catch (e) {
  if (page && shots) await page.screenshot({ path: path.join(shots, 'explore-failure.png') }).catch(() => {});
  console.error(`check-explore: FAILED: ${e instanceof Failure ? e.message : e.stack || e}`);
  if (problems.length && !(e instanceof Failure)) console.error(`  also:\n  ${problems.join('\n  ')}`);
  process.exitCode = 1;
} finally {
  await browser.close().catch(() => {});
  clearTimeout(guard);
}
