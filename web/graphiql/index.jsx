// Agora GraphiQL: the query console served at the GraphQL endpoint (GET /graphql from a
// browser). Bundled offline by ../build.mjs into dist/graphiql/: nothing is loaded from
// another origin, and nothing needs inline scripts, eval or blob: workers.
import './workers.js'; // first: monaco-editor reads MonacoEnvironment when it starts
import { createRoot } from 'react-dom/client';
import { GraphiQL, HISTORY_PLUGIN } from 'graphiql';
import { explorerPlugin } from '@graphiql/plugin-explorer';
import 'graphiql/style.css';
import '@graphiql/plugin-explorer/style.css';
import './page.css';
import { createAgoraFetcher } from './fetcher.js';

const DEFAULT_QUERY = `# Welcome to Agora's GraphiQL.
#
# Run: Ctrl-Enter or the ▶ button.
# Complete a name: Ctrl-Space.
# Docs: the book icon. Explorer: the folder icon.
#
# Reads need no key. Mutations and subscriptions
# need an API key: put it in the Headers tab as
#   {"Authorization": "Bearer agora_..."}
# Subscriptions (recordChanged) use a WebSocket
# to this same address, with that key.
# The page's URL carries the query: share it.

query Dialogue {
  dialogueBySlug(slug: "idm-2018") {
    slug
    title { text lang }
    startDate
    endDate
    city
    workshops {
      nodes {
        position
        title { text }
      }
    }
  }
}
`;

// The GraphQL endpoint is this page's own path; WebSockets go to the same path.
const path = window.location.pathname;
const socketScheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
const fetcher = createAgoraFetcher({
  url: path,
  subscriptionUrl: `${socketScheme}//${window.location.host}${path}`,
});

// `#query=...&variables=...` (or the same after `?`) opens that query.
function urlParameters() {
  const fromSearch = new URLSearchParams(window.location.search);
  const fromHash = new URLSearchParams(window.location.hash.replace(/^#/, ''));
  const get = (name) => fromHash.get(name) ?? fromSearch.get(name) ?? undefined;
  return { query: get('query'), variables: get('variables') };
}
const initial = urlParameters();

// Keeps the URL's fragment in step with the editors (replaceState, debounced: no history
// entries, and no flood of history calls while typing).
const shown = { ...initial };
let pending = 0;
function remember(name, value) {
  shown[name] = value || undefined;
  window.clearTimeout(pending);
  pending = window.setTimeout(() => {
    const hash = new URLSearchParams();
    // The welcome query stays out of the URL: it is what an empty URL opens anyway.
    if (shown.query && shown.query !== DEFAULT_QUERY) hash.set('query', shown.query);
    if (shown.variables) hash.set('variables', shown.variables);
    const fragment = hash.toString();
    const target = `${window.location.pathname}${window.location.search}${fragment ? `#${fragment}` : ''}`;
    if (target !== `${window.location.pathname}${window.location.search}${window.location.hash}`) {
      window.history.replaceState(window.history.state, '', target);
    }
  }, 400);
}

const explorer = explorerPlugin();

function App() {
  return (
    <GraphiQL
      fetcher={fetcher}
      defaultQuery={DEFAULT_QUERY}
      initialQuery={initial.query}
      initialVariables={initial.variables}
      plugins={[HISTORY_PLUGIN, explorer]}
      isHeadersEditorEnabled
      shouldPersistHeaders={false}
      onEditQuery={(value) => remember('query', value)}
      onEditVariables={(value) => remember('variables', value)}
    >
      <GraphiQL.Logo>Agora GraphiQL</GraphiQL.Logo>
    </GraphiQL>
  );
}

createRoot(document.getElementById('graphiql')).render(<App />);
