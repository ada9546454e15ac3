// Checks that the raw baseline (bin `raw`) answers each scenario with the same records
// as Agora: the same `data`, compared with keys sorted (the raw SQL builds its objects
// in its own key order). Both servers on one database (any scale; org-1 must exist):
//   RAW=http://127.0.0.1:5680 AGORA=http://127.0.0.1:5679/graphql node bench/compare-raw.mjs
// Run from the repository root or from bench/.
import { readFileSync } from "node:fs";
const q = (n) => readFileSync(new URL(`postgraphile/queries/agora/${n}.graphql`, import.meta.url), "utf8");
const agora = async (n, variables) => (await (await fetch((process.env.AGORA ?? "http://127.0.0.1:5679/graphql"), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: q(n), variables }) })).json());
const raw = async (path) => (await (await fetch((process.env.RAW ?? "http://127.0.0.1:5680") + path)).json());
const b64 = (s) => Buffer.from(s).toString("base64url");
const canon = (v) => Array.isArray(v) ? v.map(canon) : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])])) : v;
const same = (a, b) => JSON.stringify(canon(a)) === JSON.stringify(canon(b));
const norm = (v) => JSON.parse(JSON.stringify(v));
let ok = true;
const check = (name, a, b) => { const s = same(a, b); ok &&= s; console.log(name, s ? "same" : "DIFFERENT"); if (!s) { console.log(JSON.stringify(a).slice(0, 400)); console.log(JSON.stringify(b).slice(0, 400)); } };
check("a", (await agora("a-node", { id: b64("Dialogue:3") })).data, (await raw("/a?id=3")).data);
check("b", (await agora("b-list", {})).data, (await raw("/b")).data);
check("c", (await agora("c-nested", {})).data, (await raw("/c")).data);
check("d", (await agora("d-org-path", { slug: "org-1" })).data, (await raw("/d?slug=org-1")).data);
const e = (await agora("e-keyset", { after: b64(JSON.stringify(["id.asc", 10, 10])) })).data.dialogues.edges.map((x) => x.node);
check("e", e, (await raw("/e?after=10")).data.dialogues.nodes);
process.exit(ok ? 0 : 1);
