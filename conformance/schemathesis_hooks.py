"""Agora's server-error check for Schemathesis (loaded through SCHEMATHESIS_HOOKS).

Schemathesis's own `not_a_server_error` counts a GraphQL error as the client's only when its
`extensions.code` is one of Apollo Server's few client codes (BAD_USER_INPUT, ...); any other
code with a `path` counts as a server failure. Agora gives every error a code, and the
client's own mistakes have codes of their own: CONFLICT for a version a record does not have,
NOT_FOUND, FORBIDDEN. This check holds Agora to its contract instead: a server failure is a 5xx
status, an error without a code, or an error coded INTERNAL.
"""

import schemathesis


@schemathesis.check
def agora_not_a_server_error(ctx, response, case):
    """A 5xx, an error without `extensions.code`, or an INTERNAL error is a server failure."""
    if response.status_code >= 500:
        raise AssertionError(f"HTTP {response.status_code}: {response.text[:500]}")
    try:
        payload = response.json()
    except ValueError:
        return None
    errors = payload.get("errors") if isinstance(payload, dict) else None
    for error in errors or []:
        extensions = error.get("extensions") if isinstance(error, dict) else None
        code = extensions.get("code") if isinstance(extensions, dict) else None
        if code is None or code == "INTERNAL":
            raise AssertionError(f"server error ({code}): {error}")
    return None
