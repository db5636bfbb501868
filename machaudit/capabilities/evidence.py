"""Words of an operation, as evidence: path segments, operationId, summary, request body.

Everything here is linear in the size of one operation: no pass over the other operations.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from machaudit import spec_analysis
from machaudit.capabilities import vocabulary as vocab
from machaudit.model import Operation, Spec

_CAMEL = re.compile(r"([a-zäöü0-9])([A-Z])")
_ACRONYM = re.compile(r"([A-Z]+)([A-Z][a-z])")
_WORD = re.compile(r"[a-zäöüß]+")
_VERSION = re.compile(r"^v\d+(?:\.\d+)*$|^\d+(?:\.\d+)*$")
_IRREGULAR = {"addresses": "address", "statuses": "status", "deliveries": "delivery", "categories": "category",
              "taxes": "tax", "aufträge": "auftrag", "auftraege": "auftrag", "bestellungen": "bestellung",
              "sendungen": "sendung", "rechnungen": "rechnung", "zahlungen": "zahlung", "kunden": "kunde",
              "produkte": "produkt", "artikel": "artikel", "adressen": "adresse", "gutscheine": "gutschein",
              "retouren": "retoure", "lieferungen": "lieferung", "series": "series", "analysis": "analysis",
              "preise": "preis", "bestaende": "bestand", "bestände": "bestand", "lagerbestaende": "lagerbestand",
              "lagerbestände": "lagerbestand", "rabatte": "rabatt", "materialien": "material"}


@functools.lru_cache(maxsize=65536)
def singular(word: str) -> str:
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word.endswith(("ungen", "ionen", "heiten", "keiten", "schaften", "schriften")):
        return word[:-2]  # German feminine plurals: Bestellungen, Aktionen, Gutschriften
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes", "uses")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@functools.lru_cache(maxsize=65536)
def words(text: str) -> tuple[str, ...]:
    """Singular lower-case words of an identifier or a sentence: camelCase, kebab, snake split."""
    text = _ACRONYM.sub(r"\1 \2", _CAMEL.sub(r"\1 \2", text))
    return tuple(singular(w) for w in _WORD.findall(text.lower()))


def is_param(segment: str) -> bool:
    return "{" in segment or segment in ("-", "*", "me", "current", "mine", "self") or segment.startswith(":")


@dataclass(frozen=True)
class Segment:
    words: tuple[str, ...]
    item: bool  # followed by a path parameter: it names one item of a collection


def segments(path: str) -> list[Segment]:
    """Literal path segments with their words, versions and API prefixes dropped."""
    raw = [s for s in path.split("?")[0].split("/") if s]
    out: list[Segment] = []
    for i, seg in enumerate(raw):
        if is_param(seg) or _VERSION.match(seg):
            continue
        ws = words(seg.split("=")[0])
        if all(w in vocab.NOISE_WORDS for w in ws):
            continue  # `/api/`, `/v3/`, `/store/`: a prefix; `store_credits` keeps its words
        item = i + 1 < len(raw) and is_param(raw[i + 1])
        out.append(Segment(ws, item))
    return out


def entity_of(ws: tuple[str, ...], head_only: bool = False, extra: dict[str, str] | None = None) -> tuple[str | None, str]:
    """The entity a run of words names, and the term that names it.

    The head (last word, or the two-word term ending in it) decides; with `head_only` False the
    words before the head are tried too, last first. None: no entity word; "": a word that is
    explicitly not a capability entity (`terminal order`, `api key`).
    """
    positions = range(len(ws) - 1, -1, -1)
    for i in positions:
        if i >= 1 and (ws[i - 1], ws[i]) in vocab.ENTITY_TERMS:
            return vocab.ENTITY_TERMS[(ws[i - 1], ws[i])], f"{ws[i - 1]} {ws[i]}"
        if ws[i] in vocab.ENTITY_WORDS:
            return vocab.ENTITY_WORDS[ws[i]], ws[i]
        if extra and ws[i] in extra:
            return extra[ws[i]], ws[i]
        if head_only:
            break
    return None, ""


# -- request body ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Body:
    properties: tuple[str, ...] = ()  # top-level property names, lower case
    update_actions: tuple[str, ...] = ()  # values of an `action` discriminator (update actions)
    status_values: tuple[str, ...] = ()  # enum values of a status-like property


def body_of(spec: Spec | None, op: Operation) -> Body:
    if spec is None or not spec.parsed:
        return Body()
    props: list[str] = []
    actions: list[str] = []
    statuses: list[str] = []
    for located in spec_analysis.request_schemas(spec, op):
        _collect(spec, located, props, actions, statuses)
    return Body(tuple(dict.fromkeys(props)), tuple(dict.fromkeys(actions)), tuple(dict.fromkeys(statuses)))


def _is_status(name: str) -> bool:
    name = name.lower().replace("-", "_")
    return name in vocab.STATUS_PROPERTIES or name.endswith(("state", "status"))


def _enum(spec: Spec, key: str, raw) -> list[str]:
    """Enum values of a writable property (a `readOnly` status is reported, not set)."""
    if isinstance(raw, dict) and raw.get("readOnly") is True:
        return []
    _, prop = spec_analysis.resolve(spec, raw, key)
    if not isinstance(prop, dict) or prop.get("readOnly") is True:
        return []
    values = prop.get("enum") or ([prop["const"]] if "const" in prop else [])
    if not values and isinstance(prop.get("items"), dict):
        _, items = spec_analysis.resolve(spec, prop["items"], key)
        values = items.get("enum") or [] if isinstance(items, dict) else []
    return [str(v) for v in values if isinstance(v, (str, int))]


def _collect(spec: Spec, located, props: list[str], actions: list[str], statuses: list[str], depth: int = 0) -> None:
    """Top-level property names, writable status enums and update actions of a request schema
    (allOf/oneOf merged): an `action` enum, or an `actions` array whose item variants name them."""
    key, node = spec_analysis.resolve(spec, located[1], located[0])
    if not isinstance(node, dict) or depth > 4:
        return
    if isinstance(node.get("properties"), dict):
        for name, prop in node["properties"].items():
            lower = str(name).lower()
            props.append(lower)
            if lower == "action":
                actions.extend(_enum(spec, key, prop))
            elif _is_status(lower):
                statuses.extend(_enum(spec, key, prop))
            elif lower in ("actions", "updateactions", "aktionen"):
                _, array = spec_analysis.resolve(spec, prop, key)
                if isinstance(array, dict) and "items" in array:
                    _variants(spec, (key, array["items"]), actions)
    for combinator in ("allOf", "oneOf", "anyOf"):
        for sub in node.get(combinator) or ():
            _collect(spec, (key, sub), props, actions, statuses, depth + 1)


def _variants(spec: Spec, located, actions: list[str]) -> None:
    """Update-action variants: discriminator mapping keys, each variant's `action` value, and the
    status values a variant sets (`changeOrderState` with `orderState: Cancelled`)."""
    key, node = spec_analysis.resolve(spec, located[1], located[0])
    if not isinstance(node, dict):
        return
    disc = node.get("discriminator")
    variants = list(node.get("oneOf") or node.get("anyOf") or ())
    if isinstance(disc, dict) and isinstance(disc.get("mapping"), dict):
        actions.extend(str(k) for k in disc["mapping"])
        variants += [{"$ref": v} for v in disc["mapping"].values() if isinstance(v, str) and v.startswith("#")]
    if not variants:
        variants = [node]
    for sub in variants:
        vkey, variant = spec_analysis.resolve(spec, sub, key)
        if not isinstance(variant, dict) or not isinstance(variant.get("properties"), dict):
            continue
        names = _enum(spec, vkey, variant["properties"].get("action"))
        actions.extend(names)
        for pname, prop in variant["properties"].items():
            if _is_status(str(pname)):
                actions.extend(f"{n} {v}" for n in names or [""] for v in _enum(spec, vkey, prop))
