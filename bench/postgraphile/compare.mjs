// Runs each query pair (queries/X.graphql on PostGraphile, queries/agora/X.graphql on
// Agora) against both servers, reports the response sizes and whether both answered with
// the same records (ids, slugs, titles/names, roles, dates, in the same order), then times
// N sequential requests of each on each server (a smoke check, not a load test).
//
//   node compare.mjs [--pg URL] [--agora URL] [--runs N] [--deep-after ID]
//
// Defaults: --pg http://127.0.0.1:5678/graphql, --agora http://127.0.0.1:5679/graphql,
// --runs 20 (0: no timing). --deep-after ID builds the deep keyset page's cursors for
// "after dialogue ID" on both sides (default: the cursors in e-keyset.deep.json).
// Any Node >= 18 will do (global fetch); exits 1 when a pair differs or errors.
import { readFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const PG = opt("pg", "http://127.0.0.1:5678/graphql");
const AGORA = opt("agora", "http://127.0.0.1:5679/graphql");
const RUNS = Number(opt("runs", "20"));
const DEEP_AFTER = opt("deep-after", null);

const SCENARIOS = [
  ["a-node", "a-node", "a-node.json"],
  ["b-list", "b-list", null],
  ["c-nested", "c-nested", null],
  ["d-org-path", "d-org-path", "d-org-path.json"],
  ["e-keyset.page1", "e-keyset", "e-keyset.page1.json"],
  ["e-keyset.deep", "e-keyset", "e-keyset.deep.json"],
];

function load(side, file, vars) {
  const dir = side === "agora" ? join(here, "queries", "agora") : join(here, "queries");
  const query = readFileSync(join(dir, `${file}.graphql`), "utf8");
  const variables = vars && existsSync(join(dir, vars)) ? JSON.parse(readFileSync(join(dir, vars), "utf8")) : {};
  return { query, variables };
}

async function post(url, body) {
  const t0 = performance.now();
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const ms = performance.now() - t0;
  return { status: res.status, text, bytes: Buffer.byteLength(text), ms };
}

// ---- normalising both sides' answers to the same records -------------------------
const b64url = (s) => Buffer.from(s).toString("base64url");
const agoraId = (id) => Number(Buffer.from(id, "base64url").toString().split(":").pop());
const txt = (v) => (v && typeof v === "object" ? v.text : v ?? null);
const role = (r) => (r == null ? null : String(r).toLowerCase());
const rec = (...parts) => JSON.stringify(parts);

const normal = {
  pg: {
    "a-node": (d) => (d.node ? [rec("dialogue", +d.node.rowId, d.node.slug, d.node.title)] : []),
    "b-list": (d) => d.allDialogues.nodes.map((n) => rec("dialogue", +n.rowId, n.slug, n.title, n.startDate)),
    "c-nested": (d) =>
      d.allDialogues.nodes.flatMap((dl) => [
        rec("dialogue", +dl.rowId, dl.slug),
        ...dl.workshopsByDialogueId.nodes.flatMap((w) => [
          rec("workshop", +w.rowId),
          ...w.workshopParticipantsByWorkshopId.nodes.map((p) => {
            const o = p.organisationByOrganisationId;
            return rec("participant", role(p.role), +o.rowId, o.slug, o.name);
          }),
        ]),
      ]),
    "d-org-path": (d) => {
      const o = d.organisationByRowId;
      if (!o) return [];
      return [
        rec("organisation", +o.rowId, o.slug, o.name),
        ...o.dialogueParticipantsByOrganisationId.nodes.flatMap((p) => {
          const dl = p.dialogueByDialogueId;
          return [
            rec("dialogue", role(p.role), +dl.rowId, dl.slug, dl.title),
            ...dl.workshopsByDialogueId.nodes.flatMap((w) => [
              rec("workshop", +w.rowId, w.title),
              ...w.workshopReportsByWorkshopId.nodes.map((r) =>
                rec("report", role(r.role), +r.reportByReportId.rowId, r.reportByReportId.symbol, r.reportByReportId.title),
              ),
            ]),
          ];
        }),
      ];
    },
    "e-keyset": (d) => [
      ...d.allDialogues.edges.map((e) => rec("dialogue", +e.node.rowId, e.node.slug, e.node.title, e.node.startDate)),
      rec("hasNextPage", d.allDialogues.pageInfo.hasNextPage),
    ],
  },
  agora: {
    "a-node": (d) => (d.node ? [rec("dialogue", agoraId(d.node.id), d.node.slug, txt(d.node.title))] : []),
    "b-list": (d) => d.dialogues.nodes.map((n) => rec("dialogue", agoraId(n.id), n.slug, txt(n.title), n.startDate)),
    "c-nested": (d) =>
      d.dialogues.nodes.flatMap((dl) => [
        rec("dialogue", agoraId(dl.id), dl.slug),
        ...dl.workshops.nodes.flatMap((w) => [
          rec("workshop", agoraId(w.id)),
          ...w.participants.edges.map((e) => rec("participant", role(e.role), agoraId(e.node.id), e.node.slug, txt(e.node.name))),
        ]),
      ]),
    "d-org-path": (d) => {
      const o = d.organisationBySlug;
      if (!o) return [];
      return [
        rec("organisation", agoraId(o.id), o.slug, txt(o.name)),
        ...o.dialogues.edges.flatMap((e) => [
          rec("dialogue", role(e.role), agoraId(e.node.id), e.node.slug, txt(e.node.title)),
          ...e.node.workshops.nodes.flatMap((w) => [
            rec("workshop", agoraId(w.id), txt(w.title)),
            ...w.reports.edges.map((r) => rec("report", role(r.role), agoraId(r.node.id), r.node.symbol, txt(r.node.title))),
          ]),
        ]),
      ];
    },
    "e-keyset": (d) => [
      ...d.dialogues.edges.map((e) => rec("dialogue", agoraId(e.node.id), e.node.slug, txt(e.node.title), e.node.startDate)),
      rec("hasNextPage", d.dialogues.pageInfo.hasNextPage),
    ],
  },
};

function countKinds(records) {
  const c = {};
  for (const r of records) {
    const k = JSON.parse(r)[0];
    if (k !== "hasNextPage") c[k] = (c[k] || 0) + 1;
  }
  return Object.entries(c)
    .map(([k, n]) => `${n} ${k}`)
    .join(", ");
}

// ---- the run -----------------------------------------------------------------------
const bodies = {};
for (const [name, file, vars] of SCENARIOS) {
  bodies[name] = { pg: load("pg", file, vars), agora: load("agora", file, vars), file };
}

if (DEEP_AFTER != null) {
  const id = Number(DEEP_AFTER);
  bodies["e-keyset.deep"].agora.variables.after = b64url(JSON.stringify(["id.asc", id, id]));
  // PostGraphile v5 cursor: base64 of JSON [order digest, ...values]; take the digest from page 1.
  const p1 = JSON.parse((await post(PG, bodies["e-keyset.page1"].pg)).text);
  const digest = JSON.parse(Buffer.from(p1.data.allDialogues.pageInfo.endCursor, "base64").toString())[0];
  bodies["e-keyset.deep"].pg.variables.after = Buffer.from(JSON.stringify([digest, String(id)])).toString("base64");
}

let failed = false;
console.log(`PostGraphile: ${PG}\nAgora:        ${AGORA}\n`);
console.log("scenario          pg bytes  agora bytes  records (pg)                                   same records");
for (const [name, { pg, agora, file }] of Object.entries(bodies)) {
  const [rp, ra] = await Promise.all([post(PG, pg), post(AGORA, agora)]);
  const jp = JSON.parse(rp.text);
  const ja = JSON.parse(ra.text);
  if (jp.errors || ja.errors || !jp.data || !ja.data) {
    failed = true;
    console.log(`${name.padEnd(16)}  ERROR pg=${JSON.stringify(jp.errors ?? null)} agora=${JSON.stringify(ja.errors ?? null)}`);
    continue;
  }
  const np = normal.pg[file](jp.data);
  const na = normal.agora[file](ja.data);
  const same = np.length === na.length && np.every((r, i) => r === na[i]);
  if (!same || np.length === 0) failed = true;
  console.log(
    `${name.padEnd(16)}  ${String(rp.bytes).padStart(8)}  ${String(ra.bytes).padStart(11)}  ${countKinds(np).padEnd(45)}  ${same ? "yes" : "NO"}${np.length === 0 ? " (empty!)" : ""}`,
  );
  if (!same) {
    const i = np.findIndex((r, k) => r !== na[k]);
    console.log(`    first difference at record ${i}: pg=${np[i]} agora=${na[i]} (pg ${np.length}, agora ${na.length} records)`);
  }
}

if (RUNS > 0) {
  console.log(`\nsequential latency, ${RUNS} requests each after 3 warm-up requests (ms)`);
  console.log("scenario          pg mean  pg p50   agora mean  agora p50");
  for (const [name, { pg, agora }] of Object.entries(bodies)) {
    const stats = {};
    for (const [side, url, body] of [["pg", PG, pg], ["agora", AGORA, agora]]) {
      for (let i = 0; i < 3; i++) await post(url, body);
      const ms = [];
      for (let i = 0; i < RUNS; i++) {
        const r = await post(url, body);
        if (r.status !== 200) failed = true;
        ms.push(r.ms);
      }
      ms.sort((x, y) => x - y);
      stats[side] = { mean: ms.reduce((s, x) => s + x, 0) / ms.length, p50: ms[Math.floor(ms.length / 2)] };
    }
    const f = (x) => x.toFixed(2).padStart(7);
    console.log(`${name.padEnd(16)}  ${f(stats.pg.mean)}  ${f(stats.pg.p50)}  ${f(stats.agora.mean).padStart(10)}  ${f(stats.agora.p50).padStart(9)}`);
  }
}
process.exit(failed ? 1 : 0);
