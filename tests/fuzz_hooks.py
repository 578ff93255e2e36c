"""Schemathesis hooks for tests/test_fuzz_stateful.py (loaded with SCHEMATHESIS_HOOKS).

A few refusals of a schema-valid request depend on state that no schema can describe: a cursor
or an If-Match the API did not issue, an Idempotency-Key already used for another body, bytes
that are not an image, a stream id older than the history, a password that contains the
username or repeats itself, a mailed token or a one-time code the API did not issue. `positive_data_acceptance_of_stateless_rules` is the built-in
`positive_data_acceptance` check with exactly these let through; the run excludes the built-in.
"""

from __future__ import annotations

import json
from typing import Any

import schemathesis
from schemathesis.specs.openapi.checks import positive_data_acceptance

STATE_DEPENDENT = {
    "invalid-cursor",
    "stale-etag",
    "idempotency-key-reused",
    "invalid-image",
    # Account flows: a mailed token or login code the API did not issue, a TOTP code that is
    # not the current one, two-factor not in the state the route needs, the current password
    # wrong, a provider name not configured, a new password breaking the rules above.
    "invalid-token",
    "oidc-sign-in-refused",
    "oidc-provider-not-found",
    "invalid-code",
    "two-factor-state",
    "already-verified",
    "wrong-password",
    "weak-password",
}
# Password rules the document can only describe: the username, variety, the common list, and
# "a letter of any script" (an ECMAScript pattern without the `u` flag cannot name every letter,
# so the documented pattern is looser than the rule).
PASSWORD_RULES = {
    "password must not contain the username",
    "password is too repetitive",
    "password is too common: it is in a list of passwords leaked in breaches",
    "password needs at least one letter and one digit, symbol or space",
}


def _problem(response: Any) -> dict[str, Any]:
    try:
        body = json.loads(response.content or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


@schemathesis.check
def positive_data_acceptance_of_stateless_rules(ctx: Any, response: Any, case: Any) -> Any:
    """`positive_data_acceptance`, except for the refusals listed in STATE_DEPENDENT."""
    problem = _problem(response)
    code = str(problem.get("type", "")).rsplit("/", 1)[-1]
    messages = {str(e.get("msg")) for e in problem.get("errors") or [] if isinstance(e, dict)}
    if code in STATE_DEPENDENT or messages & PASSWORD_RULES:
        return None
    return positive_data_acceptance(ctx, response, case)
