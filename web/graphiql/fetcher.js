// Agora's fetcher: queries and mutations over HTTP with @graphiql/toolkit's fetcher,
// subscriptions over WebSocket (graphql-transport-ws) with graphql-ws.
//
// Both go to the page's own address: the page is served at the GraphQL endpoint itself.
// The headers typed in the headers editor go with every HTTP request; for a subscription,
// the `Authorization` header (whatever its case) goes into the `connection_init` payload
// as `{"authorization": "Bearer <key>"}`, which is where Agora reads a socket's API key.
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { parse } from 'graphql';
import { createClient } from 'graphql-ws';

// Whether the operation to run is a subscription. The query text is parsed here rather
// than taken from GraphiQL's documentAST, which lags the editor by its 100 ms debounce.
function isSubscription(query, operationName) {
  let document;
  try {
    document = parse(query);
  } catch {
    return false; // the server reports the syntax error
  }
  const operations = document.definitions.filter((definition) => definition.kind === 'OperationDefinition');
  const operation =
    (operationName && operations.find((definition) => definition.name?.value === operationName)) ||
    (operations.length === 1 ? operations[0] : undefined);
  return operation?.operation === 'subscription';
}

function headerValue(headers, name) {
  if (!headers || typeof headers !== 'object') return undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name && value != null && value !== '') return String(value);
  }
  return undefined;
}

// What GraphiQL shows in the response pane for a failed subscription: the server's
// GraphQL errors as they are, a closed socket as an error naming its close code.
function asError(error) {
  if (Array.isArray(error) || error instanceof Error) return error;
  if (error && typeof error === 'object' && 'code' in error) {
    const reason = error.reason ? `: ${error.reason}` : '';
    return { message: `The WebSocket closed with code ${error.code}${reason}` };
  }
  if (typeof Event !== 'undefined' && error instanceof Event) {
    return { message: `Could not open a WebSocket (${error.type})` };
  }
  return { message: String(error) };
}

export function createAgoraFetcher({ url, subscriptionUrl }) {
  const http = createGraphiQLFetcher({ url, enableIncrementalDelivery: false });

  // One graphql-ws client per API key (the key belongs to the connection, sent once in
  // `connection_init`), and one for no key. Each is lazy: it connects on its first
  // subscription and closes its socket when its last subscription ends.
  const clients = new Map();
  function clientFor(authorization = '') {
    let client = clients.get(authorization);
    if (!client) {
      client = createClient({
        url: subscriptionUrl,
        lazy: true,
        connectionParams: authorization ? { authorization } : {},
        // Retry only lost connections (1xxx codes): a refused key (4403) or a bad
        // request (4400) would fail again, and the error should show at once.
        retryAttempts: 3,
        shouldRetry: (event) => typeof event?.code === 'number' && event.code < 4000,
      });
      clients.set(authorization, client);
    }
    return client;
  }

  return (params, options) => {
    if (!isSubscription(params.query, params.operationName)) return http(params, options);
    const client = clientFor(headerValue(options?.headers, 'authorization'));
    const request = {
      query: params.query,
      variables: params.variables ?? undefined,
      operationName: params.operationName ?? undefined,
    };
    // An Observable: GraphiQL's stop button calls `unsubscribe`, which sends `complete`.
    return {
      subscribe(observerOrNext, onError, onComplete) {
        const observer =
          typeof observerOrNext === 'function'
            ? { next: observerOrNext, error: onError, complete: onComplete }
            : observerOrNext;
        const unsubscribe = client.subscribe(request, {
          next: (result) => observer.next?.(result),
          error: (error) => observer.error?.(asError(error)),
          complete: () => observer.complete?.(),
        });
        return { unsubscribe };
      },
    };
  };
}
