// PostGraphile v5 as a `node:cluster`: one primary that forks WORKERS workers (default
// os.availableParallelism(), one per core), each running exactly what `./serve` runs,
// `node_modules/postgraphile/dist/cli-run.js -C graphile.config.mjs` (cli-run.js parses
// process.argv.slice(2) with yargs, so a worker's argv is [node, cli-run.js, -C, config]),
// on the same PORT: node:cluster shares the listening socket, the primary hands the
// connections to the workers in turn (its default scheduling on Linux). Each worker has
// its own pool of PG_POOL_MAX connections. Started by `./serve-cluster`.
//
// When every worker listens, the primary prints "cluster: every worker listening (N)". A
// worker that dies is logged and not respawned: the primary then stops the others and
// exits 1 (a cluster short of a worker would be measured as something else). SIGTERM or
// SIGINT stops the workers, then the primary; a worker whose primary is gone exits too
// (node:cluster's own rule).
import cluster from "node:cluster";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

if (!cluster.isPrimary) {
  throw new Error("cluster.mjs runs the primary only; its workers run cli-run.js");
}

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(here, "node_modules/postgraphile/dist/cli-run.js");
const config = path.join(here, "graphile.config.mjs");

const workers = process.env.WORKERS
  ? Number(process.env.WORKERS)
  : os.availableParallelism();
if (!Number.isInteger(workers) || workers < 1) {
  console.error(`cluster: WORKERS must be a whole number of at least 1, not ${process.env.WORKERS}`);
  process.exit(2);
}

let stopping = false;
let exitCode = 0;
let listening = 0;

function stop(code) {
  exitCode = Math.max(exitCode, code);
  if (stopping) return;
  stopping = true;
  const left = Object.values(cluster.workers);
  if (left.length === 0) process.exit(exitCode);
  for (const w of left) w.process.kill("SIGTERM");
  setTimeout(() => {
    for (const w of Object.values(cluster.workers)) w.process.kill("SIGKILL");
    process.exit(exitCode);
  }, 5000);
}

cluster.setupPrimary({ exec: cli, args: ["-C", config] });

cluster.on("listening", (worker, address) => {
  listening += 1;
  console.log(`cluster: worker ${worker.id} (pid ${worker.process.pid}) listening on ${address.address}:${address.port}`);
  if (listening === workers) {
    console.log(`cluster: every worker listening (${workers})`);
  }
});

cluster.on("exit", (worker, code, signal) => {
  if (stopping) {
    if (Object.keys(cluster.workers).length === 0) process.exit(exitCode);
    return;
  }
  const how = signal ? `signal ${signal}` : `code ${code}`;
  console.error(
    `cluster: worker ${worker.id} (pid ${worker.process.pid}) died (${how}); ` +
      `not respawned: stopping the cluster`,
  );
  stop(1);
});

process.on("SIGTERM", () => stop(0));
process.on("SIGINT", () => stop(0));

console.log(
  `cluster: primary pid ${process.pid}, ${workers} worker(s) running ${cli} -C ${config}`,
);
for (let i = 0; i < workers; i++) cluster.fork();
