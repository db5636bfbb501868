"""Who calls an operation: a shopper's channel, a B2B buyer, the merchant's back office, a partner,
the audited company itself (internal), or a provider calling the audited side (webhook receiver).

Decided per spec once (title, servers, the path prefixes most operations share, security), then per
operation where it says otherwise. An explicit statement wins over every reading:

- `x-machaudit-audience: merchant` on an OpenAPI operation, or on its path item for all its methods;
- a line `machaudit-audience: merchant` in a GraphQL field's description (a directive would have to
  be declared in the schema, which real schemas do not do);
- `machaudit.io/audience` on a catalog API, for all its operations without their own statement
  (see `stated_audiences`; the journey applies it, a spec alone cannot know its catalog entity).

Inferred, in this order: the operation's own path (`/admin/...`), GraphQL permission wording in the
field's description (Saleor: "Requires one of the following permissions: MANAGE_ORDERS"), an
audience tag (`Admin`, `Storefront`), security scopes that all name the back office (`admin:orders`),
then the spec's audience.
"""

from __future__ import annotations

import re
from collections import Counter

from machaudit.capabilities import evidence as ev
from machaudit.capabilities import vocabulary as vocab
from machaudit.model import AUDIENCE_EXTENSION, Operation, Spec

GUESSED_INTERNAL = "no security declared: a service called from inside"
GUESSED_MERCHANT = "an authenticated API that names no shopper audience"
GUESSES = (GUESSED_INTERNAL, GUESSED_MERCHANT)

EXTENSION = AUDIENCE_EXTENSION
ANNOTATION = "audience"  # machaudit.io/audience on a catalog entity
# Operations only the merchant's staff may call (back office, call centre): no customer channel
# reaches them, whatever API they sit in.
STAFF = frozenset({"merchant"})
# Values the catalog annotation has taken since before the capability audiences (HDL001, HDL004).
SYNONYMS = {"customer": "shopper", "public": "shopper", "staff": "merchant", "admin": "merchant"}

_DESCRIPTION_LINE = re.compile(r"^[ \t]*machaudit-audience:[ \t]*([A-Za-z0-9_-]+)[ \t]*$", re.MULTILINE | re.IGNORECASE)


def audience_value(text: str) -> str | None:
    """A stated audience (one of AUDIENCES, or a synonym such as `customer`), or None if unknown."""
    value = text.strip().lower()
    value = SYNONYMS.get(value, value)
    return value if value in vocab.AUDIENCES else None


def stated_audiences(entity) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(audiences, unknown values) of a catalog entity's `machaudit.io/audience`."""
    known, unknown = [], []
    for raw in entity.annotation_list(ANNOTATION):
        value = audience_value(raw)
        (known if value else unknown).append(value or raw)
    return tuple(dict.fromkeys(known)), tuple(unknown)


def path_audience(path: str) -> str:
    """An audience named by one of the first literal segments (`/admin/`, `/store/`, `/partner-…`).
    Only an HTTP path has such a prefix: a GraphQL field `shopAddressUpdate` is not for shoppers."""
    if not path.startswith("/"):
        return ""
    literal = [s for s in path.split("/") if s and not ev.is_param(s)][:3]
    for seg in literal:
        for w in ev.words(seg):
            if w in vocab.AUDIENCE_WORDS:
                return vocab.AUDIENCE_WORDS[w]
    return ""


def spec_audience(spec: Spec) -> tuple[str, str]:
    """(audience, evidence) for operations whose own path names none."""
    explicit = spec.audience_statements.get("")
    if isinstance(explicit, str) and audience_value(explicit):
        return audience_value(explicit), EXTENSION
    for w in ev.words(spec.title):
        if w in vocab.AUDIENCE_WORDS:
            return vocab.AUDIENCE_WORDS[w], f"spec title '{spec.title}'"
    counts = Counter(a for a in (path_audience(op.path) for op in spec.operations) if a)
    if counts:
        audience, n = counts.most_common(1)[0]
        if n * 2 > len(spec.operations):
            return audience, "most paths of the spec"
    for server in spec.servers:
        for w in ev.words(server.split("://")[-1]):
            if w in vocab.AUDIENCE_WORDS:
                return vocab.AUDIENCE_WORDS[w], f"server {server}"
    if spec.operations and not any(op.security for op in spec.operations):
        return "internal", GUESSED_INTERNAL
    return "merchant", GUESSED_MERCHANT


def operation_audience(op: Operation, default: str, default_named: bool = True, spec: Spec | None = None) -> tuple[str, bool]:
    """(audience, named): named unless it is the spec's default guess from security."""
    audience, _ = explain_operation_audience(op, default, spec)
    return (audience, True) if audience else (default, default_named)


def explain_operation_audience(op: Operation, default: str = "", spec: Spec | None = None) -> tuple[str, str]:
    """(audience, evidence) the operation itself states or implies; ("", "") when only the spec's
    default applies."""
    explicit = stated_on_operation(op, spec)
    if explicit:
        return explicit
    own = path_audience(op.path)
    if own:
        return own, f"path {op.path}"
    permissions = _permission_audience(op)
    if permissions:
        return permissions
    for tag in op.tags:
        tag_words = ev.words(tag)
        if len(tag_words) == 1 and tag_words[0] in vocab.AUDIENCE_TAGS:
            return vocab.AUDIENCE_TAGS[tag_words[0]], f"tag '{tag}'"
    scoped = _scope_audience(op, spec)
    if scoped:
        return scoped
    return "", ""


def stated_on_operation(op: Operation, spec: Spec | None = None) -> tuple[str, str] | None:
    """(audience, evidence) from `x-machaudit-audience` on the operation or its path item, or a
    `machaudit-audience:` line in its description (GraphQL)."""
    raw = op.extensions.get(EXTENSION) if op.extensions else None
    if isinstance(raw, str) and audience_value(raw):
        return audience_value(raw), EXTENSION
    raw = spec.audience_statements.get(op.path) if spec is not None and op.pointer.startswith("/paths/") else None
    if isinstance(raw, str) and audience_value(raw):
        return audience_value(raw), f"{EXTENSION} on the path item"
    if op.description and "machaudit-audience" in op.description.lower():
        line = _DESCRIPTION_LINE.search(op.description)
        if line and audience_value(line.group(1)):
            return audience_value(line.group(1)), "machaudit-audience in the description"
    return None


def _permission_audience(op: Operation) -> tuple[str, str] | None:
    """Permission wording in a description (Saleor's "Requires one of the following permissions"),
    read by the GraphQL field reader: one reading of it."""
    from machaudit.capabilities import fields

    if not fields.permissions(op):
        return None
    return fields.field_audience(op, "", True)


def _scope_audience(op: Operation, spec: Spec | None) -> tuple[str, str] | None:
    """Merchant when every security alternative asks for a back-office scope (`admin`, `admin:orders`)."""
    if spec is None or not op.scopes or spec.style != "openapi":
        return None
    named = []
    for scopes in op.scopes:
        staff = next((s for s in scopes if vocab.AUDIENCE_TAGS.get(next(iter(ev.words(s)), "")) == "merchant"), None)
        if staff is None:
            return None
        named.append(staff)
    return "merchant", f"security scope '{named[0]}'"
