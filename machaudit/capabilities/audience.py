"""Who calls an operation: a shopper's channel, a B2B buyer, the merchant's back office, a partner,
the audited company itself (internal), or a provider calling the audited side (webhook receiver).

Decided per spec once (title, servers, the path prefixes most operations share, security), then per
operation where its own path says otherwise (`/admin/...` in a mixed spec).
"""

from __future__ import annotations

from collections import Counter

from machaudit.capabilities import evidence as ev
from machaudit.capabilities import vocabulary as vocab
from machaudit.model import Operation, Spec

GUESSED_INTERNAL = "no security declared: a service called from inside"
GUESSED_MERCHANT = "an authenticated API that names no shopper audience"
GUESSES = (GUESSED_INTERNAL, GUESSED_MERCHANT)


def path_audience(path: str) -> str:
    """An audience named by one of the first literal segments (`/admin/`, `/store/`, `/partner-…`)."""
    literal = [s for s in path.split("/") if s and not ev.is_param(s)][:3]
    for seg in literal:
        for w in ev.words(seg):
            if w in vocab.AUDIENCE_WORDS:
                return vocab.AUDIENCE_WORDS[w]
    return ""


def spec_audience(spec: Spec) -> tuple[str, str]:
    """(audience, evidence) for operations whose own path names none."""
    data = spec.data if isinstance(spec.data, dict) else {}
    info = data.get("info") if isinstance(data.get("info"), dict) else {}
    explicit = info.get("x-machaudit-audience") or data.get("x-machaudit-audience")
    if isinstance(explicit, str) and explicit in vocab.AUDIENCES:
        return explicit, "x-machaudit-audience"
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


def operation_audience(op: Operation, default: str, default_named: bool = True) -> tuple[str, bool]:
    """(audience, named): named unless it is the spec's default guess from security."""
    explicit = op.extensions.get("x-machaudit-audience") if op.extensions else None
    if isinstance(explicit, str) and explicit in vocab.AUDIENCES:
        return explicit, True
    own = path_audience(op.path)
    return (own, True) if own else (default, default_named)

