"""What an operation does to orders, payments, shipments, invoices and vouchers, for the BLR checks.

Stricter than matching a word anywhere in an operation's text:
here the *resource* an operation creates is the head noun of its path (the last word of the last
literal segment), so `POST /paymentInstruments`, `POST /customers/-/ordertemplates` or
`POST /carts/{id}/shipping-methods` do not count as creating a payment, an order or a shipment
(nor do compounds such as `POST /terminalOrders`, hardware, or `…/versandauftrag`, a shipping
order), while `POST /kundenauftraege`, `POST /orders/import` and `POST /paymentAuth` do. English
and German (with ae/oe/ue spellings) as in spec_analysis.
"""

from __future__ import annotations

import functools
import re
from pathlib import PurePath
from typing import Any, Callable, Iterable, Iterator

from machaudit import capabilities
from machaudit.model import Entity, Operation, Spec, Stack

# Head nouns (a token must END with one of these, plural endings allowed).
ORDER = r"(?:order|bestellung|auftrag|auftr(?:ae|ä)ge|checkout)(?:s|en)?"
PAYMENT = r"(?:payment|zahlung|charge|capture|authori[sz]ation|authori[sz]e|autorisierung)(?:s|en)?"
SHIPMENT = r"(?:shipment|sendung|lieferung|delivery|deliveries|fulfil+ment|versandauftrag|versandauftr(?:ae|ä)ge|consignment)(?:s|en)?"
INVOICE = r"(?:invoice|rechnung|faktura|fakturen)(?:s|en)?"
REFUND = r"(?:refund|erstattung|reversal)(?:s|en)?"
# Compounds that end in an order noun but are something else (a shipping order, a production order).
NOT_ORDER = (r"(?:versand|liefer|retouren?|transport|speditions|druck|fertigungs|produktions|kommissionier|zahlungs|"
             r"lastschrift|dauer|work|sort|re|terminal|card|karten|device|hardware)(?:auftr|order)|nachbestell|^border|^recorder")

CREATE_ACTIONS = r"^(?:place|submit|checkout|confirm|complete|import|auth|authori[sz]e|capture|create|new|anlegen|erzeugen|aufgeben|einreichen)$"
CREATE_VERBS = r"^(?:create|place|submit|add|new|import|anlegen|erzeugen|aufgeben|erstellen|accept)$"
# Words in a path's last segment or the operationId that say it is not a creation.
NOT_CREATION = (r"^(?:get|list|search|find|query|suche|update|edit|change|set|delete|remove|cancel|storno|"
                r"validate|validation|validierung|check|pruefen|prüfen|calculate|berechnen|preview|estimate|simulate|"
                r"adjust|modify|retrieve|read|reveal|revoke|disable|details?|status|balance|sessions?|methods?|"
                r"refunds?|reversals?|cancels?)$")
PREPOSITIONS = {"from", "for", "of", "with", "by", "in", "to", "on", "at", "aus", "für", "fuer", "zum", "zur", "von", "mit"}


_CAMEL = re.compile(r"([a-zäöü])([A-Z])")
_ACRONYM = re.compile(r"([A-Z]+)([A-Z][a-z])")
_WORD = re.compile(r"[a-zäöüß]+")


@functools.lru_cache(maxsize=65536)
def _tokens(text: str) -> tuple[str, ...]:
    # Called for every path segment and operationId by several checks: the same texts, many times.
    text = _ACRONYM.sub(r"\1 \2", _CAMEL.sub(r"\1 \2", text))
    return tuple(t for t in _WORD.findall(text.lower()) if t)


def tokens(text: str) -> list[str]:
    """Lower-case words of a path segment or an operationId: camelCase, kebab, snake, digits split."""
    return list(_tokens(text))


def is_param(segment: str) -> bool:
    return "{" in segment or segment in ("-", "*")


def literal_segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s and not is_param(s)]


def head(segment: str) -> str:
    """The head noun of a segment: its last word of three letters or more."""
    words = [w for w in tokens(segment) if len(w) >= 3]
    return words[-1] if words else ""


def ends_with(word: str, noun: str) -> bool:
    if not word or not re.search(rf"(?:{noun})$", word):
        return False
    return not (noun == ORDER and re.search(rf"{NOT_ORDER}", word))


def names(segment: str, noun: str) -> bool:
    """Does a path segment name the resource? Its head noun ends with it, and the whole compound
    is not an exception (`terminalOrders`, `versandauftrag`)."""
    if not ends_with(head(segment), noun):
        return False
    return not (noun == ORDER and re.search(NOT_ORDER, "".join(tokens(segment))))


def creates(op: Operation, noun: str) -> bool:
    """Does the operation create a resource named by `noun` (a head-noun pattern above)?"""
    if op.method not in ("POST", "PUT"):
        return False
    raw = [s for s in op.path.split("/") if s]
    if not raw or is_param(raw[-1].split("=")[0]) or "=" in raw[-1]:
        return False  # POST /orders/{id}: an update or an action on one item
    last = raw[-1]
    last_words = tokens(last)
    op_words = tokens(op.operation_id)
    if any(re.match(NOT_CREATION, w) for w in last_words + op_words):
        return False
    if any(re.search(r"session|sitzung", w) for w in tokens(op.summary)):
        return False  # a checkout or payment session, not the payment or order itself
    if names(last, noun):
        return True
    if re.match(CREATE_ACTIONS, head(last) or "-"):
        # an action on the resource named just before it: /payments/confirm, /paymentAuth, /orders/import
        before = [w for w in last_words[:-1] if len(w) >= 3]
        if before and ends_with(before[-1], noun):
            return True
        if len(raw) >= 2 and not is_param(raw[-2]) and names(raw[-2], noun):
            return True
    return _operation_id_creates(op_words, noun)


def _operation_id_creates(words: list[str], noun: str) -> bool:
    """`createOrder`, `placeOrder`, `acceptQuoteAndCreateOrder`, `createAuftrag` — but not
    `createOrderTemplate` or (with a preposition cut) not `createCartFromOrder`."""
    cut = []
    for word in words:
        if word in PREPOSITIONS:
            break
        cut.append(word)
    if not cut or not any(re.match(CREATE_VERBS, w) for w in cut):
        return False
    return ends_with(cut[-1], noun) and not (noun == ORDER and re.search(NOT_ORDER, "".join(cut)))


def is_collection_get(op: Operation, noun: str) -> bool:
    """GET on a collection of the resource: GET /orders, GET /export/auftraege (not /orders/{id})."""
    raw = [s for s in op.path.split("/") if s]
    return op.method == "GET" and bool(raw) and not is_param(raw[-1]) and "=" not in raw[-1] and names(raw[-1], noun)


def touches(op: Operation, noun: str) -> bool:
    """Is the operation about the resource: some literal path segment has it as head noun."""
    return any(names(seg, noun) for seg in literal_segments(op.path))


def header_names(op: Operation) -> set[str]:
    return {p.name.strip().lower() for p in op.parameters if p.location == "header"}


def words_of(op: Operation) -> str:
    """Path, operationId and summary as lower-case words (no tags: a tag names a group, not the
    operation, so an `Orders` tag on a payment operation must not make it an order operation)."""
    return " ".join(tokens(op.path) + tokens(op.operation_id) + tokens(op.summary))


# -- catalog --------------------------------------------------------------------------------------

def sibling_specs(stack: Stack, spec: Spec) -> list[Spec]:
    """The spec and the specs of every other API its provider(s) offer: a reversal or a kill switch
    may live in a companion API of the same component (an admin API beside a store API)."""
    out = {spec.key: spec}
    for api in stack.apis_of_spec(spec.key):
        for provider in stack.providers_of(api.ref):
            for other_ref in provider.provides_apis:
                other = stack.entities.get(other_ref)
                other_spec = stack.spec_of(other) if other else None
                if other_spec is not None and other_spec.parsed:
                    out.setdefault(other_spec.key, other_spec)
    return list(out.values())


def in_companions(stack: Stack, spec: Spec, key: str, test: Callable[[Spec, Any], bool]) -> tuple[Spec, Any] | None:
    """The first (spec, capabilities of one operation) offered to callers by the spec or its
    companion APIs for which `test` holds; None when none is. Companions: the APIs the catalog gives
    the same provider, or — when no catalog entity provides the spec — the specs of the same
    platform published beside it: in the same folder, or in a sibling folder when they name the same
    server host or start their titles with the same word ("Medusa Admin API", "Medusa Storefront
    API"); the reversal of what a store API creates often lives in the admin API. Folders alone
    would make one vendor's refund count for another's. `key` names the test: what a platform
    group offers is worked out once per run, not once per spec in it."""
    for other in sibling_specs(stack, spec):
        found = _first(other, test)
        if found is not None:
            return other, found
    if any(stack.providers_of(api.ref) for api in stack.apis_of_spec(spec.key)) or "://" in spec.key:
        return None
    groups, answers = _platform_groups(stack)
    for group in _platform_keys(spec):
        if (group, key) not in answers:
            answers[group, key] = next(((other, found) for other in groups.get(group, ())
                                        for found in [_first(other, test)] if found is not None), None)
        if answers[group, key] is not None:
            return answers[group, key]
    return None


def _first(spec: Spec, test: Callable[[Spec, Any], bool]):
    return next((found for found in capabilities.of_spec(spec)
                 if found.audience in capabilities.CALLERS and test(spec, found)), None)


_GROUPS: dict[int, tuple[Stack, dict, dict]] = {}


def _platform_groups(stack: Stack) -> tuple[dict[tuple[str, str], list[Spec]], dict]:
    """Local specs by platform group (see `in_companions`), and the answers found for them so far:
    made once per stack."""
    cached = _GROUPS.get(id(stack))
    if cached is not None and cached[0] is stack:
        return cached[1], cached[2]
    groups: dict[tuple[str, str], list[Spec]] = {}
    for other in parsed_specs(stack):
        if "://" not in other.key:
            for group in _platform_keys(other):
                groups.setdefault(group, []).append(other)
    _GROUPS.clear()  # one audit at a time
    _GROUPS[id(stack)] = (stack, groups, {})
    return groups, _GROUPS[id(stack)][2]


def _platform_keys(spec: Spec) -> list[tuple[str, str]]:
    folder = PurePath(spec.key).parent
    parent = str(folder.parent)
    keys = [(str(folder), "folder")]
    keys += [(parent, "host:" + host) for host in sorted({_host(url) for url in spec.servers}) if host]
    words = re.findall(r"[a-z0-9]+", (spec.title or "").lower())
    if words and len(words[0]) >= 3 and words[0] not in _GENERIC_TITLE_WORDS:
        keys.append((parent, "title:" + words[0]))
    return keys


# First words of titles that name no platform.
_GENERIC_TITLE_WORDS = frozenset("api the open openapi swagger rest service services public private internal "
                                 "admin store storefront platform".split())


def _host(url: str) -> str:
    match = re.match(r"^[a-z][a-z0-9+.-]*://([^/:?#]+)", url.strip().lower())
    host = match.group(1) if match else ""
    if "{" in host or host in ("localhost", "127.0.0.1", "example.com") or host.endswith(".example.com"):
        return ""  # a template or a placeholder names no platform
    return host


def entity_text(entity: Entity) -> str:
    return " ".join([entity.name, entity.title]).lower()


def apis_without_spec(stack: Stack, pattern: str) -> Iterator[tuple[Entity, str]]:
    """Catalog APIs whose name or title (or their provider's) suggests `pattern`, but which have
    no readable definition: (api, reason) — an evidence gap for spec-based checks."""
    for api in stack.apis:
        spec = stack.spec_of(api)
        if spec is not None and spec.parsed:
            continue
        names = [entity_text(api)] + [entity_text(p) for p in stack.providers_of(api.ref)]
        if not any(re.search(pattern, n) for n in names):
            continue
        definition = stack.definition_of(api)
        if definition is not None and definition.parsed and definition.style == "asyncapi":
            continue  # an event contract serves no request: it creates, lists and takes headers of nothing
        if not api.spec_file:
            reason = "has no spec.definition"
        elif definition is not None and definition.parsed:
            reason = f"is defined in {definition.style}, which this check does not read"
        else:
            reason = "has a definition that could not be read"
        yield api, reason


def parsed_specs(stack: Stack) -> Iterable[Spec]:
    """Readable OpenAPI specs: these checks read HTTP methods, paths and headers."""
    return [s for s in stack.specs.values() if s.parsed and s.is_openapi]
