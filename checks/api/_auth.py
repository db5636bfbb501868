"""The one vocabulary of authentication: how a contract can say who may call it, besides applying a
`security` requirement. Read by API003; any check that asks "is this secured, and how do we know"
reads it here.

Evidence comes in three strengths:
- declared: a `security` requirement applies (OpenAPI's own way);
- stated elsewhere: the descriptions speak of sessions, tokens or keys, an API-gateway extension
  secures the route, the spec defines schemes without applying them, or the catalog puts the API
  behind a gateway that authenticates; the service is secured, but its contract does not say so;
- none.
"""

from __future__ import annotations

import re
from typing import Any

# Words that say a caller must prove who it is. Descriptions are free text: match whole phrases.
AUTH_WORDS = re.compile(
    r"\b(session[- ]?(cookie|id|token)s?|(auth(entication)?|session) cookie|cookie[- ]based (auth\w*|session)|"
    r"same[- ]origin (session )?(auth\w*|session|cookies?)|bearer|jwt|json web token|api[ _-]?keys?|access[ _-]?tokens?|"
    r"publishable (api )?key|client[ _-]?key|oauth ?2?|openid( connect)?|basic auth(entication)?|"
    r"(must|need to|has to|have to) be (authenticated|logged[- ]in|signed[- ]in)|"
    r"(requires?|required) (an? )?(authentication|authori[sz]ation|login|log-in|token|api key|credentials)|"
    r"authenticated (customers?|users?|requests?|callers?|sessions?)|"
    r"logged[- ]in (customers?|users?)|authori[sz]ation header)\b",
    re.IGNORECASE,
)

# Words that say the opposite: the operation is open on purpose.
NO_AUTH_WORDS = re.compile(
    r"\b(no (authentication|auth|credentials|api key|login|token)((,| or| and) (authentication|auth|credentials|api key|login|token))* "
    r"(is |are )?(required|needed)|"
    r"(does not|doesn't|do not|don't) (require|need) (any )?(authentication|auth|credentials|an api key|a login)|"
    r"without (authentication|credentials|an api key|logging in)|unauthenticated (access|callers?|requests?)|"
    r"publicly accessible|public endpoint)\b",
    re.IGNORECASE,
)

# Words that say the reader implements the endpoint and the platform calls it (a webhook receiver,
# a shipping-rate callback): its auth is the caller's proof towards the reader, not an exposed API.
RECEIVER_WORDS = re.compile(
    r"\b((you|merchants?|partners?|integrators?|developers?) (must|need to|should|have to|can) implement "
    r"(this|the following|these) (endpoints?|operations?|apis?|webhooks?)|"
    r"implement (this|these) (endpoints?|operations?) (on|in) your|"
    r"(this|the) (endpoint|operation|api) (is|must be|should be) (implemented|hosted|exposed) (by you|on your)|"
    r"(calls?|sends? (a |an )?(request|post|notification)s? to) this endpoint|webhook receiver)\b",
    re.IGNORECASE,
)

# How a receiver can tell the call is genuine.
CALLER_PROOF_WORDS = re.compile(
    r"\b(hmac|signature|signed|signing secret|verify (the )?(request|payload|sender)|shared secret|"
    r"basic auth(entication)?|mutual tls|mtls|client certificate)\b",
    re.IGNORECASE,
)

# API-gateway extensions that secure a route outside OpenAPI's `security` (AWS API Gateway).
GATEWAY_AUTH = "x-amazon-apigateway-auth"  # on an operation: {type: AWS_IAM | NONE | …}
GATEWAY_SCHEME_EXTENSIONS = ("x-amazon-apigateway-authorizer", "x-amazon-apigateway-authtype")  # on a scheme

# Catalog: an api-gateway component that authenticates callers says how (e.g. "oauth2", "jwt").
GATEWAY_AUTH_ANNOTATION = "auth"
GATEWAY_TYPES = ("api-gateway", "ingress")


def phrase(pattern: re.Pattern, text: str) -> str:
    """The phrase of `text` the pattern finds, or ""."""
    found = pattern.search(text or "")
    return found.group(0) if found else ""


def auth_phrase(text: str) -> str:
    """The phrase of `text` that says callers authenticate, or "". A phrase saying none is needed
    ("no API key required") is not one."""
    return phrase(AUTH_WORDS, NO_AUTH_WORDS.sub(" ", text or ""))


def gateway_auth(extensions: Any) -> tuple[str, str]:
    """(kind, shown) of `x-amazon-apigateway-auth` on an operation: kind "secured", "open" (type
    NONE) or "" (absent); shown is what the finding quotes."""
    value = extensions.get(GATEWAY_AUTH) if isinstance(extensions, dict) else None
    if value is None:
        return "", ""
    kind = value.get("type") if isinstance(value, dict) else value
    kind = str(kind or "").strip()
    shown = f"{GATEWAY_AUTH}: {kind or '?'}"
    return ("open" if kind.upper() == "NONE" else "secured"), shown


def scheme_gateway_extensions(schemes: Any) -> list[str]:
    """'scheme (x-amazon-apigateway-…)' for every security scheme carrying a gateway extension."""
    out = []
    if isinstance(schemes, dict):
        for name, scheme in schemes.items():
            if isinstance(scheme, dict):
                out += [f"{name} ({key})" for key in GATEWAY_SCHEME_EXTENSIONS if key in scheme]
    return out


def gateways_in_front(stack, api_refs) -> list[str]:
    """'gateway (auth: x)' for the authenticating api-gateways through which alone the APIs are exposed:
    no channel consumes them directly, and a gateway with `machaudit.io/auth` does."""
    refs = set(api_refs)
    if not refs:
        return []
    consumers = [c for c in stack.components if refs & set(c.consumes_apis)]
    if any(c.is_channel for c in consumers):
        return []
    return [f"{c.name} (machaudit.io/{GATEWAY_AUTH_ANNOTATION}: {c.annotation(GATEWAY_AUTH_ANNOTATION)})"
            for c in consumers if c.type in GATEWAY_TYPES
            and c.annotation(GATEWAY_AUTH_ANNOTATION).strip().lower() not in ("", "none", "false")]
