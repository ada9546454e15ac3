// PostGraphile v5 serving Agora's PostgreSQL schema (`public`), for side-by-side
// benchmarks. Production settings: no GraphiQL, no watch mode, no explain, no
// subscriptions/websockets. Read by `./serve` (postgraphile CLI, `-C graphile.config.mjs`)
// and by each worker of `./serve-cluster` (cluster.mjs), which runs the same command.
//
// Environment: DATABASE_URL (required), PORT (default 5678), PG_POOL_MAX (default 10,
// the same as Agora's db_max_connections default).
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";

const connectionString = process.env.DATABASE_URL;
if (!connectionString) throw new Error("DATABASE_URL is not set");

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString,
      schemas: ["public"],
      poolConfig: { max: Number(process.env.PG_POOL_MAX || 10) },
    }),
  ],
  grafserv: {
    host: "127.0.0.1",
    port: Number(process.env.PORT || 5678),
    graphqlPath: "/graphql",
    graphiql: false,
    graphiqlOnGraphQLGET: false,
    watch: false,
    websockets: false,
  },
  grafast: {
    explain: false,
  },
};

export default preset;
