"""The customer journey: touchpoints, matching operations to them, and reachability per channel.

A touchpoint × channel cell is one of:
- self-service: the channel reaches an API exposing it: one it consumes, one a gateway routes it to,
  or its BFF's own API (see entry_paths: a backend's outbound calls do not count);
- phone-only: only the call centre reaches one; the customer has to phone;
- internal-only: an operation exists, but no customer channel and no call centre reaches it;
- staff-only: the channel reaches an API offering it, but only to the merchant's staff (an admin
  path, a staff permission, `x-machaudit-audience`, `machaudit.io/audience`): no customer channel
  ever reaches a staff-only operation; the call centre does;
- missing: no operation anywhere.
Every cell carries its evidence: the operation, the graph path, the match reason and confidence; a
phone-only, staff-only or missing cell also its near misses: the operations that came closest, each
with the step of the matcher or of reachability that ruled it out.
"""

from __future__ import annotations

import dataclasses
import re
from collections import deque
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from typing import Any, Iterable, Mapping

import yaml

from machaudit import capabilities
from machaudit.capabilities import audience
from machaudit.graph import Graphs
from machaudit.model import HTTP_METHODS, PHONE_TYPE, Operation, Stack, ref_name
from machaudit.spec_analysis import text_of

SELF_SERVICE, PHONE_ONLY, INTERNAL_ONLY, MISSING = "self-service", "phone-only", "internal-only", "missing"
STAFF_ONLY = "staff-only"
STATES = (SELF_SERVICE, PHONE_ONLY, STAFF_ONLY, INTERNAL_ONLY, MISSING)
# Cells whose near misses are worth the search: the customer cannot do it there, or nobody can.
EXPLAINED_STATES = (PHONE_ONLY, STAFF_ONLY, MISSING)
NEAR_MISSES = 3
TOUCHPOINT_EXTENSION = "x-machaudit-touchpoint"
MIN_CONFIDENCE = 0.5


class JourneyError(ValueError):
    """A Journey document that cannot be used; names the document and the field."""


@dataclass(frozen=True)
class Matcher:
    methods: tuple[str, ...] = ()
    # (entity, action) pairs the capability layer must find, "*" for any; audiences that count
    capabilities: tuple[tuple[str, str], ...] = ()
    audiences: tuple[str, ...] = ()
    paths: tuple[re.Pattern, ...] = ()
    keywords: tuple[re.Pattern, ...] = ()
    exclude: tuple[re.Pattern, ...] = ()

    @cached_property
    def any_path(self) -> re.Pattern | None:
        return _any_of(self.paths)

    @cached_property
    def any_keyword(self) -> re.Pattern | None:
        return _any_of(self.keywords)

    @cached_property
    def any_exclude(self) -> re.Pattern | None:
        return _any_of(self.exclude)

    @cached_property
    def entities(self) -> frozenset[str] | None:
        """The entities its capabilities name; None when one of them is any entity ("*")."""
        named = frozenset(entity for entity, _ in self.capabilities)
        return None if "*" in named else named


def _any_of(patterns: tuple[re.Pattern, ...]) -> re.Pattern | None:
    """One pattern that matches where any of them does: most operations match none of a
    touchpoint's patterns, and one search says so. None where they cannot be joined (groups,
    whose numbers would shift, or flags that differ)."""
    if not patterns or any(p.groups or p.flags != patterns[0].flags for p in patterns):
        return None
    try:
        return re.compile("|".join(f"(?:{p.pattern})" for p in patterns), patterns[0].flags)
    except re.error:
        return None


@dataclass(frozen=True)
class Touchpoint:
    name: str
    stage: str
    title: str = ""
    required: bool = False
    matcher: Matcher = field(default_factory=Matcher)
    operations: tuple[str, ...] = ()  # explicit: "api-name METHOD /path" or "api-name:operationId"
    excluded: tuple[str, ...] = ()  # explicit exclusions, same syntax
    aliases: tuple[str, ...] = ()  # former names (after a rename) that x-machaudit-touchpoint may use


@dataclass(frozen=True)
class Journey:
    name: str
    stages: tuple[tuple[str, tuple[Touchpoint, ...]], ...]
    source: str = "built-in"

    @property
    def touchpoints(self) -> list[Touchpoint]:
        return [t for _, touchpoints in self.stages for t in touchpoints]

    def touchpoint(self, name: str) -> Touchpoint | None:
        return next((t for t in self.touchpoints if t.name == name), None)


@dataclass(frozen=True)
class Match:
    touchpoint: str
    api: str  # entity ref of the API
    spec: str  # displayed spec path
    operation: str  # "METHOD /path"
    operation_id: str
    pointer: str
    confidence: float
    reason: str
    audience: str = ""  # who the operation is for, when the inputs name it ("" when only guessed)
    audience_evidence: str = ""

    @property
    def staff_only(self) -> bool:
        """Only the merchant's staff may call it: no customer channel reaches it."""
        return self.audience in capabilities.STAFF


@dataclass(frozen=True)
class NearMiss:
    """An operation that came close to serving a touchpoint on one channel, and what ruled it out."""

    api: str
    spec: str
    operation: str
    operation_id: str
    pointer: str
    reason: str
    nearness: float


@dataclass(frozen=True)
class Cell:
    touchpoint: str
    channel: str
    state: str
    match: Match | None = None
    path: tuple[str, ...] = ()  # channel, api[, gateway or bff, api …]: how the channel gets there
    note: str = ""
    near_misses: tuple[NearMiss, ...] = ()  # phone-only, staff-only and missing cells: the closest candidates


@dataclass(frozen=True)
class JourneyMap:
    journey: Journey
    channels: tuple[str, ...]  # customer channels, then the call centre(s)
    cells: Mapping[tuple[str, str], Cell]
    matches: Mapping[str, tuple[Match, ...]]
    # Per touchpoint no customer channel can use: the operations that came closest, whatever the
    # channel (the cells add what reachability ruled out); the only explanation without channels.
    near_misses: Mapping[str, tuple[NearMiss, ...]] = field(default_factory=dict)

    def cell(self, touchpoint: str, channel: str) -> Cell:
        return self.cells[(touchpoint, channel)]

    def customer_channels(self, stack: Stack) -> list[str]:
        return [c for c in self.channels if stack.entities[c].type != PHONE_TYPE]

    def to_dict(self) -> dict[str, Any]:
        return {
            "journey": self.journey.name,
            "source": self.journey.source,
            "channels": [ref_name(c) for c in self.channels],
            "stages": [
                {
                    "name": stage,
                    "touchpoints": [
                        {
                            "name": t.name,
                            "title": t.title,
                            "required": t.required,
                            "operations": [_match_dict(m) for m in self.matches.get(t.name, ())],
                            "near_misses": [_near_dict(n) for n in self.near_misses.get(t.name, ())],
                            "cells": {ref_name(c): _cell_dict(self.cells[(t.name, c)]) for c in self.channels},
                        }
                        for t in touchpoints
                    ],
                }
                for stage, touchpoints in self.journey.stages
            ],
        }


def _match_dict(m: Match) -> dict[str, Any]:
    return {"api": m.api, "spec": m.spec, "operation": m.operation, "operation_id": m.operation_id,
            "pointer": m.pointer, "confidence": m.confidence, "reason": m.reason,
            "audience": m.audience, "audience_evidence": m.audience_evidence, "staff_only": m.staff_only}


def _near_dict(n: NearMiss) -> dict[str, Any]:
    return {"api": n.api, "spec": n.spec, "operation": n.operation, "operation_id": n.operation_id,
            "pointer": n.pointer, "reason": n.reason, "nearness": n.nearness}


def _cell_dict(cell: Cell) -> dict[str, Any]:
    return {"state": cell.state, "operation": _match_dict(cell.match) if cell.match else None,
            "path": list(cell.path), "note": cell.note, "near_misses": [_near_dict(n) for n in cell.near_misses]}


# -- journey documents ----------------------------------------------------------------------------

def default_journey() -> Journey:
    """The journey shipped with machaudit: package data, so read with PyYAML's safe loader
    (the sources' bounded reader is for untrusted files)."""
    text = resources.files("machaudit").joinpath("data/journey.yaml").read_text(encoding="utf-8")
    return parse_journey(yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)), "built-in default journey")


def parse_journey(doc: Any, source: str, base: Journey | None = None) -> Journey:
    """A Journey document. With `spec.extends: default` it edits the default journey (or `base`):
    `stages` add stages or touchpoints, or change the fields they name on existing ones; `drop`
    removes touchpoints or stages, `rename` renames touchpoints, `required` marks them required."""
    if not isinstance(doc, dict) or doc.get("kind") != "Journey":
        raise JourneyError(f"{source}: not a Journey document (kind: Journey, apiVersion: machaudit.io/v1alpha1)")
    spec = doc.get("spec")
    if not isinstance(spec, dict):
        raise JourneyError(f"{source}: spec must be a mapping")
    name = (doc.get("metadata") or {}).get("name", "journey") if isinstance(doc.get("metadata"), dict) else "journey"
    _known_keys(spec, {"stages", "extends", "drop", "rename", "required"}, f"{source}: spec")
    extends = spec.get("extends")
    if extends not in (None, "default"):
        raise JourneyError(f"{source}: spec.extends must be 'default'")
    stages: list[tuple[str, list[Touchpoint]]] = []
    if extends == "default":
        start = base or default_journey()
        stages = [(s, list(ts)) for s, ts in start.stages]
    for index, raw_stage in enumerate(_list(spec.get("stages", []), f"{source}: spec.stages")):
        if not isinstance(raw_stage, dict) or not isinstance(raw_stage.get("name"), str):
            raise JourneyError(f"{source}: spec.stages[{index}] needs a name")
        stage_name = raw_stage["name"]
        where = f"{source}: stage {stage_name}"
        _known_keys(raw_stage, {"name", "touchpoints"}, where)
        existing = next((i for i, (s, _) in enumerate(stages) if s == stage_name), None)
        current = {t.name: t for t in stages[existing][1]} if existing is not None else {}
        for raw in _list(raw_stage.get("touchpoints", []), f"{where}.touchpoints"):
            touchpoint = _touchpoint(raw, stage_name, where, current.get(raw.get("name") if isinstance(raw, dict) else None))
            current[touchpoint.name] = touchpoint
        if existing is None:
            stages.append((stage_name, list(current.values())))
        else:
            stages[existing] = (stage_name, list(current.values()))
    drop = set(_names(spec.get("drop", []), f"{source}: spec.drop"))
    rename = spec.get("rename", {}) or {}
    if not isinstance(rename, dict) or not all(isinstance(v, str) for v in rename.values()):
        raise JourneyError(f"{source}: spec.rename must map old touchpoint names to new names")
    required = set(_names(spec.get("required", []), f"{source}: spec.required"))
    all_names = {t.name for _, ts in stages for t in ts}
    stage_names = {s for s, _ in stages}
    for wanted in drop | set(rename):
        if wanted not in all_names and wanted not in stage_names:
            raise JourneyError(f"{source}: no touchpoint or stage {wanted!r}; known: {', '.join(sorted(all_names))}")
    final_names = [rename.get(n, n) for n in all_names if n not in drop]
    clashes = sorted({n for n in final_names if final_names.count(n) > 1})
    if clashes:
        raise JourneyError(f"{source}: rename gives two touchpoints the name {', '.join(clashes)}")
    for wanted in required:
        if wanted not in final_names:
            raise JourneyError(f"{source}: spec.required names {wanted!r}, which is not a touchpoint; known: {', '.join(sorted(final_names))}")
    result = []
    for stage, touchpoints in stages:
        if stage in drop:
            continue
        kept = []
        for t in touchpoints:
            if t.name in drop:
                continue
            new_name = str(rename.get(t.name, t.name))
            aliases = t.aliases + ((t.name,) if new_name != t.name else ())
            kept.append(Touchpoint(new_name, stage, t.title, t.required or new_name in required,
                                   t.matcher, t.operations, t.excluded, aliases))
        result.append((stage, tuple(kept)))
    if not any(ts for _, ts in result):
        raise JourneyError(f"{source}: the journey has no touchpoints")
    return Journey(str(name), tuple(result), source)


def _known_keys(mapping: dict, known: set[str], where: str) -> None:
    for key in mapping:
        if key not in known:
            raise JourneyError(f"{where} has no field {key!r}; valid: {', '.join(sorted(known))}")


def _list(value: Any, what: str) -> list:
    if not isinstance(value, list):
        raise JourneyError(f"{what} must be a list")
    return value


def _names(value: Any, what: str) -> list[str]:
    items = _list(value, what)
    if not all(isinstance(v, str) for v in items):
        raise JourneyError(f"{what} must be a list of names")
    return items


def _touchpoint(raw: Any, stage: str, where: str, previous: Touchpoint | None = None) -> Touchpoint:
    """A touchpoint from a document; fields it does not name keep their value from `previous`."""
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise JourneyError(f"{where}: each touchpoint needs a name")
    name = raw["name"]
    what = f"{where}: touchpoint {name}"
    _known_keys(raw, {"name", "title", "required", "match", "exclude", "operations", "exclude-operations"}, what)
    old = previous or Touchpoint(name, stage)
    match = raw.get("match", {})
    if not isinstance(match, dict):
        raise JourneyError(f"{what}: match must be a mapping")
    _known_keys(match, {"methods", "capabilities", "audiences", "paths", "keywords"}, f"{what}.match")
    if "required" in raw and not isinstance(raw["required"], bool):
        raise JourneyError(f"{what}: required must be true or false")
    methods = old.matcher.methods
    if "methods" in match:
        methods = tuple(m.upper() for m in _names(match["methods"], f"{what}.match.methods"))
        unknown = [m for m in methods if m.lower() not in HTTP_METHODS]
        if unknown:
            raise JourneyError(f"{what}.match.methods: {', '.join(unknown)} is not an HTTP method")
    if "capabilities" in match:
        wanted = _capabilities(match["capabilities"], f"{what}.match.capabilities")
    elif "paths" in match or "keywords" in match:
        wanted = ()  # the document's words take over from the default's capabilities
    else:
        wanted = old.matcher.capabilities
    audiences = old.matcher.audiences if wanted else ()
    if "audiences" in match:
        audiences = tuple(_names(match["audiences"], f"{what}.match.audiences"))
        unknown = [a for a in audiences if a not in capabilities.AUDIENCES]
        if unknown:
            raise JourneyError(f"{what}.match.audiences: {', '.join(unknown)} is not one of {', '.join(capabilities.AUDIENCES)}")
    matcher = Matcher(
        methods=methods,
        capabilities=wanted,
        audiences=audiences,
        paths=_patterns(match["paths"], f"{what}.match.paths") if "paths" in match else old.matcher.paths,
        keywords=_patterns(match["keywords"], f"{what}.match.keywords") if "keywords" in match else old.matcher.keywords,
        exclude=_patterns(raw["exclude"], f"{what}.exclude") if "exclude" in raw else old.matcher.exclude,
    )
    return Touchpoint(
        name=name,
        stage=stage,
        title=str(raw.get("title", old.title)),
        required=raw.get("required", old.required),
        matcher=matcher,
        operations=tuple(_names(raw["operations"], f"{what}.operations")) if "operations" in raw else old.operations,
        excluded=tuple(_names(raw["exclude-operations"], f"{what}.exclude-operations")) if "exclude-operations" in raw else old.excluded,
        aliases=old.aliases,
    )


def _capabilities(value: Any, what: str) -> tuple[tuple[str, str], ...]:
    out = []
    for text in _names(value, what):
        entity, _, action = text.partition(":")
        if entity not in capabilities.ENTITIES + ("*",) or action not in capabilities.ACTIONS + ("*",):
            raise JourneyError(f"{what}: {text!r} is not entity:action (entities: {', '.join(capabilities.ENTITIES)}; "
                               f"actions: {', '.join(capabilities.ACTIONS)}; * for any)")
        out.append((entity, action))
    return tuple(out)


def _patterns(value: Any, what: str) -> tuple[re.Pattern, ...]:
    out = []
    for text in _names(value, what):
        try:
            out.append(re.compile(text, re.IGNORECASE))
        except re.error as exc:
            raise JourneyError(f"{what}: {text!r} is not a valid regular expression: {exc}") from None
    return tuple(out)


def journey_for(stack: Stack) -> Journey:
    """The journey to audit: the default, edited or replaced by Journey documents in order."""
    journey = default_journey()
    for document, location in stack.journey_documents:
        journey = parse_journey(document, str(location), base=journey)
    return journey


# -- matching -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _OperationWords:
    """What matching reads of one operation, computed once for all touchpoints."""

    names: frozenset[str]  # "api method path" and "api:operationId", lower-cased
    text: str  # path, operationId, summary, tags and the start of the description
    wording: str  # the operationId split into words (getOrderStatus -> get Order Status) and the summary


def _words_of(api_name: str, op: Operation) -> _OperationWords:
    # Tags are left out of the wording: a tag such as "Katalog" sits on every operation of an API.
    return _OperationWords(
        names=frozenset(n.lower() for n in _operation_names(api_name, op)),
        text=text_of(op) + " " + op.description.lower()[:200],
        wording=re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", op.operation_id).replace("_", " ") + " " + op.summary,
    )


def _operation_names(api_name: str, op: Operation) -> list[str]:
    """What a Journey document may call the operation: "api METHOD path", "api:operationId", and
    an event operation by its messages: "order-events send OrderShipped" (AsyncAPI 2.x `subscribe`
    is the application sending, `publish` receiving: both words name it)."""
    names = [f"{api_name} {op.method} {op.path}", f"{api_name}:{op.operation_id}"]
    actions = {op.method, *_EVENT_ACTION_ALIASES.get(op.method, ())}
    names += [f"{api_name} {action} {message}" for message in op.messages for action in actions]
    return names


_EVENT_ACTION_ALIASES = {"subscribe": ("send",), "publish": ("receive",)}


@dataclass(frozen=True)
class Miss:
    """Why an operation that came near a touchpoint does not serve it, and how near it came: the
    confidence it would have had, less for each step further away."""

    reason: str
    nearness: float


def match_operation(touchpoint: Touchpoint, api_name: str, op: Operation,
                    words: _OperationWords | None = None,
                    offered: capabilities.OperationCapabilities | None = None) -> tuple[float, str] | None:
    """(confidence, reason) when the operation serves the touchpoint, or None. `offered` is what
    the capability layer read from the operation; without it only the words are matched."""
    found = judge_operation(touchpoint, api_name, op, words, offered)
    return found if isinstance(found, tuple) else None


def judge_operation(touchpoint: Touchpoint, api_name: str, op: Operation,
                    words: _OperationWords | None = None,
                    offered: capabilities.OperationCapabilities | None = None,
                    explain: bool = False) -> tuple[float, str] | Miss | None:
    """The matcher's one decision path. (confidence, reason) for a match; with `explain`, a Miss for
    an operation that came near (its words or capabilities matched in part) saying which step ruled
    it out. Without `explain` the same steps decide, but a non-match may stop at the first that fails."""
    words = words or _words_of(api_name, op)
    if touchpoint.excluded and any(n.lower() in words.names for n in touchpoint.excluded):
        return _overruled(touchpoint.matcher, op, words, offered, "excluded by exclude-operations of the journey") \
            if explain else None
    if touchpoint.operations and any(n.lower() in words.names for n in touchpoint.operations):
        return 1.0, "named in the journey document"
    declared = op.extensions.get(TOUCHPOINT_EXTENSION)
    if declared is not None:
        declared_names = [declared] if isinstance(declared, str) else declared if isinstance(declared, list) else []
        if touchpoint.name in declared_names or set(touchpoint.aliases) & set(declared_names):
            return 1.0, f"{TOUCHPOINT_EXTENSION}: {touchpoint.name}"
        # an explicit mapping to other touchpoints (or "none") rules auto-matching out
        return _overruled(touchpoint.matcher, op, words, offered,
                          f"{TOUCHPOINT_EXTENSION}: {', '.join(str(n) for n in declared_names) or 'none'}") \
            if explain else None
    found = _auto_match(touchpoint.matcher, op, words, offered, explain)
    if isinstance(found, tuple) and op.deprecated:  # still works today; JRN003 judges the unstable path
        return round(found[0] - 0.1, 2), found[1] + " (operation deprecated)"
    return found


def _overruled(matcher: Matcher, op: Operation, words: _OperationWords,
               offered: capabilities.OperationCapabilities | None, why: str) -> Miss | None:
    """An operation that would match but an explicit statement rules out."""
    found = _auto_match(matcher, op, words, offered)
    return Miss(f"{why} (it would match: {found[1]})", found[0]) if isinstance(found, tuple) else None


def _auto_match(matcher: Matcher, op: Operation, words: _OperationWords,
                offered: capabilities.OperationCapabilities | None = None,
                explain: bool = False) -> tuple[float, str] | Miss | None:
    wrong_method = bool(matcher.methods) and op.method not in matcher.methods
    receiver = offered is not None and offered.audience == "provider"
    if wrong_method and not receiver and offered is not None and matcher.capabilities:
        # The methods keep out words that match in the wrong direction. A capability read firmly
        # from the path or body has weighed the method already (`PATCH /checkout/complete` places
        # the order): it stands.
        by_capability = _capability_match(matcher, offered)
        if isinstance(by_capability, tuple):
            return by_capability
    if (wrong_method or receiver) and not explain:
        return None
    found = _content_match(matcher, op, words, offered, explain)
    if found is None or not (wrong_method or receiver):
        return found
    # The method and the direction are the matcher's first steps: they rule the operation out
    # whatever its words and capabilities say; the rest of the decision is kept as context.
    context, nearness = (found[1], found[0]) if isinstance(found, tuple) else (f"and {found.reason}", found.nearness)
    if offered is not None and matcher.capabilities:  # what it offers says more than its words
        by_capability = _capability_match(matcher, offered)
        if isinstance(by_capability, tuple) and by_capability[0] >= nearness:
            context, nearness = by_capability[1], by_capability[0]
    if receiver:  # a webhook the audited side receives offers nothing to a channel
        return Miss(f"webhook receiver / contract the provider implements: the audited side receives it, "
                    f"no channel calls it ({context})", round(nearness - 0.2, 2))
    return Miss(f"method {op.method}, not {'/'.join(matcher.methods)} ({context})", round(nearness - 0.2, 2))


def _content_match(matcher: Matcher, op: Operation, words: _OperationWords,
                   offered: capabilities.OperationCapabilities | None, explain: bool) -> tuple[float, str] | Miss | None:
    by_words = _word_match(matcher, op, words)
    if isinstance(by_words, tuple):
        veto = _veto(matcher, offered) if offered is not None and matcher.audiences else None
        if veto is None:
            return by_words
        by_words = Miss(f"{veto} (the words matched: {by_words[1]})", round(by_words[0] - 0.3, 2))
    if offered is not None and matcher.capabilities:
        by_capability = _capability_match(matcher, offered, explain)
        if isinstance(by_capability, tuple):
            return by_capability
        return _nearer(by_words, by_capability)
    return by_words


def _nearer(a: Miss | None, b: Miss | None) -> Miss | None:
    if a is None or (b is not None and b.nearness > a.nearness):
        return b
    return a


def _word_match(matcher: Matcher, op: Operation, words: _OperationWords) -> tuple[float, str] | Miss | None:
    if not (matcher.paths or matcher.keywords):
        return None
    path_hit = _first_match(matcher.paths, matcher.any_path, op.path)
    keyword = _first_match(matcher.keywords, matcher.any_keyword, words.wording)
    keyword_hit = keyword.group(0) if keyword else None
    if not (path_hit or keyword_hit):
        return None  # (before the exclusions: they search the longest text)
    if path_hit and keyword_hit:
        found = 0.9, f"path {op.path} and wording {keyword_hit!r} match"
    elif path_hit:
        found = 0.7, f"path {op.path} matches"
    else:
        found = 0.55, f"wording {keyword_hit!r} in operationId/summary matches"
    excluded = _first_match(matcher.exclude, matcher.any_exclude, words.text)
    if excluded is not None:
        return Miss(f"wording {excluded.group(0)!r} excludes it ({found[1]})", round(found[0] - 0.3, 2))
    return found


def _wanted(matcher: Matcher, cap: capabilities.Capability) -> bool:
    return bool(cap.entity) and any(entity in ("*", cap.entity) and action in ("*", cap.action)
                                    for entity, action in matcher.capabilities)


def _wanted_text(matcher: Matcher) -> str:
    return ", ".join(f"{entity}:{action}" for entity, action in matcher.capabilities)


def _reading(cap: capabilities.Capability) -> str:
    return f"{cap.entity or 'no commerce entity'}:{cap.action} ({'; '.join(cap.evidence)})"


def _serves(cap: capabilities.Capability) -> bool:
    """A capability a channel can offer a customer: not a payment instrument saved or listed (that
    is not paying), not a check or preview named by a verb (`POST /kunden/{id}/pruefungen` reads
    no customer record for the customer)."""
    return not _unserved(cap)


def _unserved(cap: capabilities.Capability) -> str:
    if cap.entity == "payment" and cap.term in capabilities.PAYMENT_INSTRUMENTS:
        return f"a payment instrument ('{cap.term}'): no money moves"
    if cap.action in ("read", "search") and any(e.startswith("path verb") for e in cap.evidence):
        return f"a check or preview named by a verb ({'; '.join(cap.evidence)})"
    return ""


def _audience_excluded(matcher: Matcher, offered: capabilities.OperationCapabilities) -> bool:
    """An audience the touchpoint does not count. Staff audiences are not excluded here: their
    operations match, and reachability keeps them from customer channels (staff-only)."""
    return bool(matcher.audiences) and offered.audience_named and offered.audience not in matcher.audiences \
        and offered.audience not in capabilities.STAFF


def _veto(matcher: Matcher, offered: capabilities.OperationCapabilities) -> str | None:
    """Why the words matched but do not count: the API is named for an audience the touchpoint does
    not list, or the capability layer firmly reads something else (`customers/search` for product
    search, a bulk price import for a price check, webhook registration for account self-service)."""
    if not matcher.capabilities:
        return None
    if offered.audience_named and offered.audience not in matcher.audiences:
        # Words are trusted only in an API for the touchpoint's audiences: in an admin API "Manage
        # Prices" is a bulk import. A staff operation may still match by a firm capability.
        return f"audience {offered.audience}, and the words are read only for {', '.join(matcher.audiences)}"
    firm = [c for c in offered.capabilities if c.confidence >= capabilities.FIRM and c.term]
    if firm and not any(_wanted(matcher, c) for c in firm):
        return f"reads {_reading(firm[0])}, not {_wanted_text(matcher)}"
    return None


def _capability_match(matcher: Matcher, offered: capabilities.OperationCapabilities,
                      explain: bool = False) -> tuple[float, str] | Miss | None:
    """A firm capability the touchpoint asks for: said by the operation's path or body, not only
    by its summary or the spec's title. With `explain`, a Miss for a capability read too weakly,
    one a customer is not served by, or the wanted entity with another action."""
    if not explain and not _names_wanted_entity(matcher, offered):
        return None  # the common case, decided without building anything
    wanted = [c for c in offered.capabilities if _wanted(matcher, c)]
    if _audience_excluded(matcher, offered):
        return Miss(f"audience {offered.audience}, offers {_reading(wanted[0])}", 0.5) if explain and wanted else None
    best = max((c for c in wanted if c.confidence >= capabilities.FIRM and _serves(c)),
               key=lambda c: c.confidence, default=None)
    if best is not None:
        return 0.8, f"offers {best.entity}:{best.action} ({'; '.join(best.evidence)})"
    if not explain:
        return None
    if wanted:
        cap = max(wanted, key=lambda c: c.confidence)
        if cap.confidence < capabilities.FIRM:
            return Miss(f"offers {_reading(cap)} only by weak evidence (confidence {cap.confidence})", 0.5)
        return Miss(_unserved(cap), 0.45)
    named = {entity for entity, _ in matcher.capabilities if entity != "*"}
    near = max((c for c in offered.capabilities if c.entity in named), key=lambda c: c.confidence, default=None)
    if near is None:
        return None
    actions = sorted({action for entity, action in matcher.capabilities if entity == near.entity})
    return Miss(f"action {near.action}, not {'/'.join(actions)} ({'; '.join(near.evidence)})", 0.2)


def _looks_up(touchpoint: Touchpoint) -> bool:
    """A touchpoint that only asks to learn something (order status, a price): a status push can
    serve it."""
    return all(action in ("read", "search", "track") for _, action in touchpoint.matcher.capabilities)


def _may_match(combined: re.Pattern | None, text: str) -> bool:
    return combined is None or combined.search(text) is not None


def _first_match(patterns: tuple[re.Pattern, ...], combined: re.Pattern | None, text: str) -> re.Match | None:
    """The match of the first of `patterns` that matches `text`; `combined` (all of them in one
    pattern) rules most texts out in one search."""
    if not patterns or not _may_match(combined, text):
        return None
    return next((m for p in patterns for m in [p.search(text)] if m), None)


def _any_match(patterns: tuple[re.Pattern, ...], combined: re.Pattern | None, text: str) -> bool:
    """Whether one of `patterns` matches `text` (which one, `_first_match` says)."""
    if combined is not None:
        return combined.search(text) is not None
    return any(p.search(text) for p in patterns)


def _names_wanted_entity(matcher: Matcher, offered: capabilities.OperationCapabilities) -> bool:
    """Whether the operation offers an entity the touchpoint's capabilities name (any, for "*")."""
    return matcher.entities is None or any(c.entity in matcher.entities for c in offered.capabilities)


@dataclass(frozen=True)
class _Read:
    """One operation as matching reads it, kept for the near-miss search."""

    api: Any  # the API entity
    spec: Any
    op: Operation
    words: _OperationWords
    offered: capabilities.OperationCapabilities | None
    audience_evidence: str
    view: Operation  # as the matcher reads it: a GraphQL field, an rpc or an event as REST would say it


def build_journey_map(stack: Stack, graphs: Graphs | None = None, journey: Journey | None = None,
                      min_confidence: float = MIN_CONFIDENCE) -> JourneyMap:
    """The touchpoint map. (`graphs` is not needed: reachability follows entry points, see entry_paths.)"""
    journey = journey or default_journey()
    # Operations by API entity (inferred APIs included: their operations exist, reachable by no one).
    touchpoints = journey.touchpoints
    matches: dict[str, list[Match]] = {t.name: [] for t in touchpoints}
    near_candidates: dict[str, list[_Read]] = {t.name: [] for t in touchpoints}  # what near misses may name
    for api in stack.apis:
        spec = stack.definition_of(api)  # every style: GraphQL fields, rpcs and events match too
        if spec is None:
            continue
        offered_by = {f.operation.pointer: f for f in capabilities.of_spec(spec)}
        stated, _ = audience.stated_audiences(api)
        spec_default: list[str] = []  # the spec's audience evidence, read once when a match needs it
        for op in spec.operations:
            words = _words_of(api.name, op)
            offered, why = _with_catalog_audience(api, spec, op, offered_by.get(op.pointer), stated)
            view = capabilities.rest_view(op, spec.style)  # a GraphQL field or an event, as REST would say it
            item = _Read(api, spec, op, words, offered, why, view)
            push = capabilities.is_status_push(op, spec.style)
            for touchpoint in touchpoints:
                if not _could_be_near(touchpoint, item):
                    continue  # the matcher would say nothing of it, not even why it falls short
                near_candidates[touchpoint.name].append(item)
                found = match_operation(touchpoint, api.name, view, words, offered)
                if found and push and found[0] < 1.0 and not _looks_up(touchpoint):
                    found = None  # an OrderPlaced event tells the order's state; it places no order
                if found and found[0] >= min_confidence:
                    if view is not op and found[0] < 1.0:  # named by a Journey document: no reading
                        found = (found[0], f"{found[1]} (read as {view.label})")
                    matches[touchpoint.name].append(_match(touchpoint, item, found, spec_default))
        served = {op.pointer for op in spec.operations}
        for offered in offered_by.values():
            if offered.operation.pointer not in served:  # webhooks and callbacks: near misses at most
                receiver = offered.operation
                item = _Read(api, spec, receiver, _words_of(api.name, receiver), offered, "", receiver)
                for touchpoint in touchpoints:
                    if _could_be_near(touchpoint, item):
                        near_candidates[touchpoint.name].append(item)
    for name in matches:
        # Best evidence first: most confident, then one for customers over one for staff, then a
        # read (GET, a GraphQL query) over a write, then the plainest path (`/admin/products` over
        # `/admin/product-tags`), then by name.
        matches[name].sort(key=lambda m: (-m.confidence, m.staff_only, not m.operation.startswith(("GET ", "query ")),
                                          m.api, len(m.operation), m.operation))

    customer = sorted(c.ref for c in stack.channels if c.type != PHONE_TYPE)
    phone = sorted(c.ref for c in stack.channels if c.type == PHONE_TYPE)
    reach = {c: entry_paths(stack, c) for c in customer + phone}

    cells: dict[tuple[str, str], Cell] = {}
    for touchpoint in journey.touchpoints:
        found = matches[touchpoint.name]
        for_customers = [m for m in found if not m.staff_only]
        # A customer channel never reaches an operation for staff; the call centre is staff.
        reached = {c: _first_reached(reach[c], found if c in phone else for_customers) for c in customer + phone}
        customer_reaches = any(reached[c] for c in customer)
        phone_reaches = any(reached[c] for c in phone)
        for channel in customer + phone:
            hit = reached[channel]
            if hit:
                match, path, assumed = hit
                note = "; ".join(n for n in ("a call-centre agent can do it for the customer" if channel in phone else "",
                                             assumed) if n)
                cells[(touchpoint.name, channel)] = Cell(touchpoint.name, channel, SELF_SERVICE, match, path, note)
                continue
            staff_hit = None if channel in phone else _first_reached(reach[channel], [m for m in found if m.staff_only])
            if staff_hit:
                match, path, assumed = staff_hit
                note = "; ".join(n for n in (f"{match.operation} is for staff only ({match.audience_evidence})",
                                             "the call centre reaches it" if phone_reaches else "", assumed) if n)
                cells[(touchpoint.name, channel)] = Cell(touchpoint.name, channel, STAFF_ONLY, match, path, note)
                continue
            if channel in phone:
                state = INTERNAL_ONLY if found else MISSING  # the agent cannot do it either
            elif phone_reaches:
                state = PHONE_ONLY
            elif found:
                state = INTERNAL_ONLY
            else:
                state = MISSING
            note = ""
            if state == PHONE_ONLY:
                agent = next(c for c in phone if reached[c])
                match, path, assumed = reached[agent]
                note = "; ".join(n for n in ("only the call centre reaches it", assumed) if n)
                cells[(touchpoint.name, channel)] = Cell(touchpoint.name, channel, state, match, path, note)
                continue
            if state == INTERNAL_ONLY and customer_reaches:
                note = "other channels reach it"
            cells[(touchpoint.name, channel)] = Cell(touchpoint.name, channel, state, found[0] if found else None, (), note)
    near = _explain_cells(stack, journey, cells, matches, near_candidates, reach, min_confidence)
    return JourneyMap(journey, tuple(customer + phone), cells, {k: tuple(v) for k, v in matches.items()}, near)


def _with_catalog_audience(api, spec, op: Operation, offered: capabilities.OperationCapabilities | None,
                           stated: tuple[str, ...]) -> tuple[capabilities.OperationCapabilities | None, str]:
    """The operation's capabilities with the audience the catalog states for its API
    (`machaudit.io/audience`), which overrides the inferred one but not the operation's own
    statement; and the evidence for a named audience ("" when it is only the spec's guess)."""
    if offered is None or offered.audience == "provider":
        return offered, ""
    if stated and offered.audience not in stated and audience.stated_on_operation(op, spec) is None:
        why = f"machaudit.io/audience: {', '.join(stated)} on {api.name}"
        return dataclasses.replace(offered, audience=stated[0], audience_named=True), why
    return offered, ""


def _match(touchpoint: Touchpoint, item: _Read, found: tuple[float, str], spec_default: list[str]) -> Match:
    offered, why = item.offered, item.audience_evidence
    named = offered.audience if offered is not None and offered.audience_named else ""
    if named and not why:
        why = audience.explain_operation_audience(item.op, spec=item.spec)[1]
        if not why:
            if not spec_default:
                spec_default.append(audience.spec_audience(item.spec)[1])
            why = spec_default[0]
    return Match(touchpoint.name, item.api.ref, item.spec.display, item.op.label, item.op.operation_id,
                 item.op.pointer, found[0], found[1], named, why if named else "")


# -- near misses -----------------------------------------------------------------------------------
#
# Searched only for touchpoints that some cell cannot use (phone-only, staff-only, missing): the
# matcher's own steps (judge_operation with explain) say why each operation fell short, and
# reachability says why a matching operation is not this channel's.

def _explain_cells(stack: Stack, journey: Journey, cells: dict[tuple[str, str], Cell],
                   matches: Mapping[str, list[Match]], candidates: Mapping[str, list[_Read]],
                   reach: Mapping[str, Mapping[str, "Entry"]],
                   min_confidence: float) -> dict[str, tuple[NearMiss, ...]]:
    near: dict[str, tuple[NearMiss, ...]] = {}
    for touchpoint in journey.touchpoints:
        gaps = [key for key, cell in cells.items() if key[0] == touchpoint.name and cell.state in EXPLAINED_STATES]
        if not gaps and (reach or matches[touchpoint.name]):
            continue  # (without channels, a touchpoint no operation offers is the gap)
        general = _near_misses(touchpoint, candidates[touchpoint.name], min_confidence)
        near[touchpoint.name] = tuple(general[:NEAR_MISSES])
        for key in gaps:
            cell = cells[key]
            own = sorted((n for n in (_unreached(stack, key[1], m, reach[key[1]]) for m in matches[touchpoint.name]) if n),
                         key=_near_order)
            # The best operation the channel cannot use, then why the APIs it does reach fall short:
            # a list of one unreachable API's operations would hide that.
            here = [n for n in general if n.api in reach[key[1]]]
            ranked = _distinct(own[:1] + here + own[1:] + [n for n in general if n.api not in reach[key[1]]])
            cells[key] = dataclasses.replace(cell, near_misses=tuple(ranked[:NEAR_MISSES]))
    return near


def _near_misses(touchpoint: Touchpoint, candidates: list[_Read], min_confidence: float) -> list[NearMiss]:
    """`candidates`: the operations the matcher could say something of (`_could_be_near`)."""
    out = []
    for item in candidates:
        found = judge_operation(touchpoint, item.api.name, item.view, item.words, item.offered, explain=True)
        if isinstance(found, tuple):
            if found[0] >= min_confidence:
                continue  # a match: the cells say why a channel does not reach it
            found = Miss(f"confidence {found[0]} below {min_confidence} ({found[1]})", found[0])
        if found is not None:
            out.append(_near(item.api.ref, item.spec.display, item.op, found.reason, found.nearness))
    return sorted(out, key=_near_order)


def _could_be_near(touchpoint: Touchpoint, item: _Read) -> bool:
    """Whether the matcher could say anything about the operation (a Miss needs its words to match a
    path or keyword, or its capabilities to name an entity the touchpoint asks for, or a name to
    rule it in or out): the cheap tests first, so the explaining pass skips most operations."""
    matcher = touchpoint.matcher
    if touchpoint.excluded or touchpoint.operations or TOUCHPOINT_EXTENSION in item.op.extensions:
        return True
    if item.offered is not None and matcher.capabilities and _names_wanted_entity(matcher, item.offered):
        return True
    return _any_match(matcher.paths, matcher.any_path, item.view.path) \
        or _any_match(matcher.keywords, matcher.any_keyword, item.words.wording)


def _near(api: str, spec: str, op: Operation, reason: str, nearness: float) -> NearMiss:
    return NearMiss(api, spec, op.label, op.operation_id, op.pointer, reason, round(nearness, 2))


def _near_order(n: NearMiss) -> tuple:
    return -n.nearness, not n.operation.startswith("GET "), n.api, n.operation


def _distinct(ranked: list[NearMiss]) -> list[NearMiss]:
    seen, out = set(), []
    for n in ranked:
        if (n.api, n.pointer) not in seen:
            seen.add((n.api, n.pointer))
            out.append(n)
    return out


def _unreached(stack: Stack, channel: str, match: Match, entries: Mapping[str, "Entry"]) -> NearMiss | None:
    """Why a matching operation does not serve the channel: only staff may call it, or the channel
    has no entry point to its API (with the backend route that does lead there, if any)."""
    entity = stack.entities.get(channel)
    phone = entity is not None and entity.type == PHONE_TYPE
    if match.api in entries:
        if match.staff_only and not phone:
            reason = f"audience {match.audience} ({match.audience_evidence}): only staff may call it"
        else:
            return None
    else:
        reason = f"not reachable from channel {ref_name(channel)}: {_no_entry(stack, channel, match.api)}"
        if match.staff_only and not phone:
            reason += f"; and it is for staff only ({match.audience_evidence})"
    return NearMiss(match.api, match.spec, match.operation, match.operation_id, match.pointer, reason, match.confidence)


def _no_entry(stack: Stack, channel: str, api: str) -> str:
    route = _backend_route(stack, channel, api)
    if route:
        services = [ref_name(n) for n in route[1:-1] if stack.entities.get(n) is not None
                    and stack.entities[n].kind == "component"]
        return (f"only via backend service {', '.join(dict.fromkeys(services))} "
                f"({' -> '.join(ref_name(n) for n in route)}), whose outbound calls are no entry point")
    users = sorted(ref_name(c.ref) for c in stack.components if api in c.consumes_apis or api in c.depends_on)
    if users:
        return f"{ref_name(api)} is used only by {', '.join(users)}"
    return f"no component uses {ref_name(api)}"


def _backend_route(stack: Stack, channel: str, target: str) -> tuple[str, ...]:
    """A path from the channel to the API through any component's calls (the reading entry_paths
    refuses), to name the backend service it passes: channel, api, service, api, …"""
    start = entry_paths(stack, channel)
    queue = deque(entry.path for entry in start.values())
    seen = set(start)
    while queue:
        path = queue.popleft()
        for provider in stack.providers_of(path[-1]):
            for onward in provider.consumes_apis:
                if onward in seen:
                    continue
                seen.add(onward)
                step = path + (provider.ref, onward)
                if onward == target:
                    return step
                queue.append(step)
    return ()


# -- reachability -------------------------------------------------------------------------------
#
# A channel reaches an operation only through an entry point made for it: an API it consumes (or
# uses through `dependsOn`), an API a gateway routes to, or a BFF's own API. A backend service's
# outbound calls never extend what a channel reaches: the app that asks pricing for a price cannot
# place an order because pricing happens to call the order API.

# Component types that route callers on to the APIs they consume (narrowed by `machaudit.io/routes`).
ROUTING_TYPES = frozenset({"api-gateway", "ingress", "ipaas", "esb"})
BFF_TYPE = "bff"
ROUTES_ANNOTATION = "routes"


@dataclass(frozen=True)
class Entry:
    """How a channel reaches one API: the path (channel, api, gateway, api, …) and any assumption made."""

    path: tuple[str, ...]
    assumed: str = ""


def entry_paths(stack: Stack, channel: str, without: frozenset[str] = frozenset()) -> dict[str, Entry]:
    """Every API the channel can call, with the shortest path to it; `without` leaves components out
    (to ask what the channel still reaches when one of them is down)."""
    entity = stack.entities.get(channel)
    if entity is None or channel in without:
        return {}
    reached: dict[str, Entry] = {}
    queue: deque[tuple[str, Entry]] = deque()

    def visit(api: str, entry: Entry) -> None:
        if api in stack.entities and stack.entities[api].kind == "api" and api not in reached:
            reached[api] = entry
            queue.append((api, entry))

    for api in entity.consumes_apis:
        visit(api, Entry((channel, api)))
    for target in entity.depends_on:
        used = stack.entities.get(target)
        if used is None or target in without:
            continue
        if used.kind == "api":
            visit(target, Entry((channel, target)))
        elif used.kind == "component":
            for api in used.provides_apis:  # depending on a component means using what it provides
                visit(api, Entry((channel, api)))
            for api, assumed in _passed_on(stack, used, None):
                visit(api, Entry((channel, target, api), assumed))
    while queue:  # breadth first: the first path found to an API is a shortest one
        api, entry = queue.popleft()
        for provider in stack.providers_of(api):
            if provider.ref in without or provider.ref in entry.path:
                continue
            for onward, assumed in _passed_on(stack, provider, api):
                visit(onward, Entry(entry.path + (provider.ref, onward),
                                    "; ".join(a for a in (entry.assumed, assumed) if a)))
    return reached


def _passed_on(stack: Stack, component, via: str | None) -> list[tuple[str, str]]:
    """The APIs a component lets its callers reach beyond its own API `via`, each with the
    assumption that made it so ("" when the catalog says so)."""
    if component.type in ROUTING_TYPES:
        routes = set(component.annotation_list(ROUTES_ANNOTATION))
        return [(api, "") for api in component.consumes_apis
                if not routes or api in routes or ref_name(api) in routes]
    if component.type == BFF_TYPE and via is not None and _undefined(stack, via):
        # What the BFF offers its channel is its own API; with no readable definition of it, the
        # best reading is that it passes on what it consumes, and the cell says so.
        return [(api, f"{ref_name(via)} has no readable definition: {component.name} (bff) is taken to "
                      f"pass on the APIs it consumes") for api in component.consumes_apis]
    return []


def _undefined(stack: Stack, api: str) -> bool:
    entity = stack.entities.get(api)
    return entity is not None and stack.definition_of(entity) is None


def _rank(match: Match, path) -> tuple:
    return match.confidence, -len(path), match.operation.startswith("GET ")


def _first_reached(entries: Mapping[str, Entry], matches: Iterable[Match]) -> tuple[Match, tuple[str, ...], str] | None:
    """The best-matching operation whose API the channel reaches, the path to it and its assumption."""
    best = None
    for match in matches:
        entry = entries.get(match.api)
        if entry is None:
            continue
        if best is None or _rank(match, entry.path) > _rank(best[0], best[1]):
            best = (match, entry.path, entry.assumed)
    return best
