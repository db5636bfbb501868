"""What one operation does: entity, actions and audience, each with its evidence.

The path decides first (its resource segments name the entity, its verb segments the action),
the method and whether the path ends on one item give the plain reading (search, read, create,
update, delete); the request body adds what an update can do besides (update actions, status
values); operationId, the spec's title, the summary and the tags name the entity only when the
path does not, in that order. Descriptions are not read: they mention everything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from machaudit.capabilities import evidence as ev
from machaudit.capabilities import vocabulary as vocab
from machaudit.model import Operation

WRITE = ("POST", "PUT", "PATCH")
_WORD_RE = re.compile(r"[a-z]+")
# Where a voucher, store credit or a shipping option is applied or chosen, not created.
HOLDERS = frozenset({"cart", "order"})
APPLIED = frozenset({"voucher", "credit"})
# Body properties that only point at existing records: an association, not a creation.
_LINK_PROPS = frozenset({"add", "remove", "ids", "id"})


@dataclass(frozen=True)
class Capability:
    entity: str  # one of vocabulary.ENTITIES, or "" when the operation names none of them
    action: str  # one of vocabulary.ACTIONS
    audience: str  # one of vocabulary.AUDIENCES
    confidence: float
    evidence: tuple[str, ...] = ()
    term: str = ""  # the path's words that named the entity ("payment session", "order"), when the path did


@dataclass(frozen=True)
class OperationCapabilities:
    operation: Operation
    audience: str
    capabilities: tuple[Capability, ...] = field(default_factory=tuple)
    # True when the path, the spec's title or servers or an x-machaudit-audience name the audience;
    # False when it is the default guess from security (authenticated: merchant; none: internal)
    audience_named: bool = True

    @property
    def entities(self) -> set[str]:
        return {c.entity for c in self.capabilities if c.entity}

    @property
    def actions(self) -> set[str]:
        return {c.action for c in self.capabilities}

    def offers(self, entity: str, *actions: str, min_confidence: float = 0.0) -> bool:
        return any(c.entity == entity and (not actions or c.action in actions) and c.confidence >= min_confidence
                   for c in self.capabilities)


@dataclass
class _Reading:
    entity: str | None = None
    entity_evidence: str = ""
    confidence: float = 0.0
    term: str = ""
    actions: dict[str, str] = field(default_factory=dict)  # action -> evidence

    def set_entity(self, entity: str | None, evidence: str, confidence: float, term: str = "") -> None:
        if entity is not None and self.entity is None:
            self.entity, self.entity_evidence, self.confidence, self.term = entity, evidence, confidence, term

    def add(self, action: str, evidence: str) -> None:
        self.actions.setdefault(action, evidence)


def classify(op: Operation, audience: str, title_words: tuple[str, ...] = (), body: ev.Body = ev.Body(),
             receiver: bool = False, audience_named: bool = True) -> OperationCapabilities:
    """The capabilities of one operation. `audience` is already decided (see audience.py);
    `receiver` marks an operation the audited side implements (a webhook or callback)."""
    explicit = _explicit(op, audience)
    if explicit is not None:
        return explicit
    found = _classify(op, audience, title_words, body, receiver)
    return OperationCapabilities(op, audience, found, audience_named)


def _classify(op: Operation, audience: str, title_words: tuple[str, ...], body: ev.Body,
              receiver: bool) -> tuple[Capability, ...]:
    reading = _Reading()
    segs = ev.segments(op.path)
    if segs and all(w in vocab.SERVICE_WORDS for s in segs for w in s.words):
        reading.entity = ""
        reading.entity_evidence = "a path about the service itself"
        reading.confidence = 0.9
        reading.add("read" if op.method == "GET" else "update", "service path")
    else:
        _read_path(op, segs, body, reading, audience)
    _read_body(op, body, reading)
    _fallback_entity(op, title_words, reading, receiver)
    if reading.entity == "payment" and _under(segs, "invoice"):
        # `/invoices/{id}/payments`, `/invoices/{id}/refunds`: records kept on the invoice, no money moves
        reading.entity, reading.entity_evidence, reading.term = "invoice", "a payment or refund recorded on an invoice", ""
        if set(reading.actions) == {"create"}:
            reading.actions = {"update": "a record added to an invoice"}
    if receiver:
        reading.actions = {"publish": "the spec's webhooks/callbacks: the audited side receives this event"}
    if "authenticate" in reading.actions:
        reading.actions = {"authenticate": reading.actions["authenticate"]}
    signs_in = "authenticate" in reading.actions or "path verb 'register'" in reading.actions.values()
    if signs_in and not reading.entity and audience in ("shopper", "b2b-buyer", "internal"):
        reading.entity, reading.entity_evidence = "customer", "a shopper signs in or registers"
        reading.confidence = max(reading.confidence, 0.7)
    if any(a in vocab.SPECIAL_ACTIONS and not e.startswith("update action") for a, e in reading.actions.items()):
        # The path names the action: `POST /orders/{id}/cancel` cancels, it does not update.
        reading.actions = {a: e for a, e in reading.actions.items() if a in vocab.SPECIAL_ACTIONS}
    if not reading.actions:
        reading.add(_plain(op, item=_ends_on_item(op.path), part=False), f"method {op.method}")
    if set(reading.actions) == {"create"} and reading.term in vocab.CREATE_MEANS:
        reading.actions = {vocab.CREATE_MEANS[reading.term]: f"creating a {reading.term}"}  # registering a webhook subscribes
    entity = reading.entity or ""
    confidence = reading.confidence if entity else 0.5
    return tuple(Capability(entity, action, audience, round(min(confidence, _action_confidence(why)), 2),
                            tuple(x for x in (reading.entity_evidence, why) if x), reading.term if entity else "")
                 for action, why in reading.actions.items())


def _action_confidence(why: str) -> float:
    return 0.6 if why.startswith("summary") else 0.95


def _read_path(op: Operation, segs: list[ev.Segment], body: ev.Body, reading: _Reading, audience: str) -> None:
    resources: list[tuple[str, str | None, ev.Segment, str]] = []  # (kind, entity, segment, term)
    action_nouns: list[str | None] = []
    extra = dict(vocab.PATH_ENTITY_WORDS)
    if audience in ("shopper", "b2b-buyer"):
        extra.update(vocab.SHOPPER_ENTITY_WORDS)
    applied = created = None
    created_term = ""
    for seg in segs:
        ws = seg.words
        noun, term = ev.entity_of(ws, extra=extra)
        verbs = [w for w in ws if w in vocab.VERBS]
        if _is_verb_segment(op, seg, noun, verbs):
            for w in verbs:
                reading.add(vocab.VERBS[w], f"path verb '{w}'")
                if w in vocab.VERB_ENTITY and reading.entity is None:
                    reading.set_entity(vocab.VERB_ENTITY[w], f"path verb '{w}'", 0.9, w)
            rest = tuple(w for w in ws if w not in vocab.VERBS)
            action_nouns.append(_owner(rest))
            if action_nouns[-1] in APPLIED and ws[0] in vocab.APPLY_VERBS:
                applied = action_nouns[-1]
            elif action_nouns[-1] and ws[0] in vocab.VERBS and vocab.VERBS[ws[0]] == "create":
                created = action_nouns[-1]  # `/checkout/create_payment` creates a payment
                created_term = ev.entity_of(rest)[1]
            continue
        head = ws[-1]
        head_entity, head_term = ev.entity_of(ws, head_only=True, extra=extra)
        if head_entity is not None:
            resources.append(("entity", head_entity, seg, head_term))
        elif head in vocab.ACTION_NOUNS:
            for w in ws:
                if w in vocab.ACTION_NOUNS:
                    reading.add(vocab.ACTION_NOUNS[w], f"path noun '{w}'")
            if head in vocab.VERB_ENTITY:
                reading.set_entity(vocab.VERB_ENTITY[head], f"path noun '{head}'", 0.9)
            resources.append(("action", ev.entity_of(ws[:-1])[0], seg, head))
        elif head in vocab.PART_OF:
            resources.append(("part", vocab.PART_OF[head], seg, head))
        elif head in vocab.PART_WORDS:
            resources.append(("part", ev.entity_of(ws[:-1])[0], seg, head))
        else:
            resources.append(("unknown", None, seg, head))
    item = _ends_on_item(op.path) or (op.method == "GET" and _singleton(op.path))
    if not resources:
        noun = next((n for n in action_nouns if n), None)
        reading.set_entity(noun, "path", 0.85)
        _checkout(reading, noun)
        if not reading.actions:
            reading.add(_plain(op, item, part=False), f"method {op.method}")
        return
    kind, entity, seg, term = resources[-1]
    parent = _parent_entity(resources[:-1])
    if parent and resources[-2][2].item and seg.words[-1] in vocab.PARTS_UNDER.get(parent, ()):
        kind, entity = "part", parent  # `/webhook_endpoints/{id}/deliveries`
    if kind == "unknown" and parent and term in vocab.CHILDREN.get(parent, ()):
        kind, entity = "entity", parent  # `/promotions/{id}/codes`
    if kind == "unknown" and parent and (resources[-2][2].item or resources[-2][2].words[-1] in vocab.SINGLETONS) \
            and not any(action_nouns):
        kind = "part"  # `/auftraege/{id}/notizen`: something of the order, whatever it is called
    if kind == "entity":
        if entity:
            reading.set_entity(entity, f"path segment '{term}'", 0.9, term)
        else:
            reading.set_entity("", f"path segment '{term}' is not a commerce entity", 0.9)
    elif kind in ("part", "action"):
        owner = entity if entity else parent
        reading.set_entity(owner, f"path '{term}' of {owner}" if owner else "", 0.85 if entity else 0.6)
    elif kind == "unknown":
        # An unknown resource (markets, users, sessions): the object of a verb segment, or the
        # operationId, title and summary decide (see _fallback_entity).
        noun = next((n for n in action_nouns if n), None)
        if noun:
            reading.set_entity(noun, f"path verb object {noun}", 0.8)
    _checkout(reading, reading.entity, segs)
    verb_actions = dict(reading.actions)
    if applied and reading.entity in HOLDERS and set(verb_actions) <= {"update", "create"}:
        reading.entity, reading.entity_evidence = applied, f"a {applied} applied to a {reading.entity}"
        reading.actions = {"redeem": "apply verb"}
        return
    if created and set(verb_actions) == {"create"}:
        reading.entity, reading.entity_evidence = created, f"path verb creates a {created}"
        reading.term = created_term
        return
    if verb_actions:
        if reading.entity in APPLIED and parent in HOLDERS and set(verb_actions) <= {"update", "create"}:
            reading.actions = {"redeem": "applied to a " + parent}
        return
    if kind == "action":
        return
    # Plain reading of the method on the resource the path ends on.
    head = seg.words[-1]
    nested = parent is not None and len(resources) > 1
    option = kind == "entity" and nested and entity and _is_option(seg, entity) and parent in HOLDERS
    if kind == "part" or (option and op.method != "GET"):
        if kind == "part" and not nested and op.method == "GET":
            reading.add(_plain(op, item, part=False), f"method {op.method}")
        else:
            if kind == "entity":
                reading.entity, reading.entity_evidence = parent, f"an option chosen on a {parent}"
            reading.add("read" if op.method == "GET" else "update", f"{op.method} on a part of the {reading.entity or 'resource'}")
        return
    if kind == "entity" and nested and entity in APPLIED and parent in HOLDERS:
        if op.method in WRITE and not item:
            reading.add("redeem", f"{op.method} applies a {term} to a {parent}")
            return
        if op.method == "DELETE":
            reading.entity, reading.entity_evidence = parent, f"removing a {term} from a {parent}"
            reading.add("update", "DELETE of an applied code")
            return
    if kind == "entity" and nested and op.method == "POST" and not item and body.properties and parent \
            and all(p in _LINK_PROPS or p.endswith(("_id", "_ids", "id")) for p in body.properties):
        reading.entity, reading.entity_evidence = parent, f"links existing {term}s to a {parent}"
        reading.add("update", "body only references existing records")
        return
    action = _plain(op, item, part=False)
    if action == "create" and head in vocab.CREATE_MEANS:
        action = vocab.CREATE_MEANS[head]
    for source, text in (("operationId", op.operation_id), ("summary", op.summary)):
        words = ev.words(text)
        if action == "create" and words and words[0] in vocab.QUERY_SUMMARY:
            # POST used for a query: `listPaymentMethods`, "Get a list of ..."
            action = "search" if "list" in words or "search" in words else vocab.QUERY_SUMMARY[words[0]]
            reading.add(action, f"{source} '{text}' of a POST")
            return
    reading.add(action, f"{op.method} on {'one' if item else 'the collection of'} {term}")


def _is_verb_segment(op: Operation, seg: ev.Segment, noun: str | None, verbs: list[str]) -> bool:
    """`/cancel`, `/accept-claim`, `/technicalCancel`: an action on what comes before. Not when an
    item follows (`/captures/{id}` is a collection), nor a GET's `/refunds` (it lists them)."""
    if not verbs or seg.item:
        return False
    if not (seg.words[0] in vocab.VERBS or (noun is None and seg.words[-1] not in vocab.PART_WORDS)):
        return False
    if op.method == "GET":  # `GET /estimate_shipping_rates` lists rates; `GET /login` still signs in
        if any(vocab.VERBS[w] == "authenticate" for w in verbs):
            return True
        return noun is None and any(vocab.VERBS[w] in ("search", "read") for w in verbs)
    return True


def _checkout(reading: _Reading, entity: str | None, segs: list[ev.Segment] = ()) -> None:
    """`POST /carts/{id}/complete` and `PATCH /checkout/complete` place an order."""
    at_checkout = entity == "cart" or (entity == "order" and reading.term == "checkout")
    if at_checkout and any(e.startswith("path verb") and e.split("'")[1] in vocab.CHECKOUT_VERBS
                                for e in reading.actions.values()):
        reading.entity, reading.entity_evidence, reading.confidence = "order", "completing a cart places an order", 0.9
        reading.actions = {"create": "checkout verb on a cart"}


def _owner(ws: tuple[str, ...]) -> str | None:
    """The entity words name, or own as a part (`password` is the customer's)."""
    entity = ev.entity_of(ws)[0] if ws else None
    return entity or next((vocab.PART_OF[w] for w in ws if w in vocab.PART_OF), None)


def _under(segs: list[ev.Segment], entity: str) -> bool:
    return any(s.item and ev.entity_of(s.words, head_only=True)[0] == entity for s in segs[:-1])


def _singleton(path: str) -> bool:
    """`/cart`, `/account`, `/store`, or no literal segment at all (`/me`): the caller's one record."""
    raw = [s for s in path.split("?")[0].split("/") if s]
    literal = [s for s in raw if not ev.is_param(s) and not ev._VERSION.match(s)]
    if not literal:
        return True
    last = raw[-1].lower()
    if last in vocab.SINGLETONS:
        return True
    # `/companies/{id}/credit`, `/orders/{id}/status`: a singular noun under one record is one thing
    words = ev.words(last)
    return len(raw) > 1 and ev.is_param(raw[-2]) and bool(words) and _WORD_RE.fullmatch(last) is not None \
        and not last.endswith("s")


def _is_option(seg: ev.Segment, entity: str) -> bool:
    return entity in ("shipment", "payment") and seg.words[-1] in vocab.OPTION_WORDS


def _parent_entity(resources) -> str | None:
    for kind, entity, _seg, _term in reversed(resources):
        if kind == "entity":
            return entity or None
        if kind == "unknown":
            return None
    return None


def _ends_on_item(path: str) -> bool:
    raw = [s for s in path.split("?")[0].split("/") if s]
    return bool(raw) and ev.is_param(raw[-1])


def _plain(op: Operation, item: bool, part: bool) -> str:
    if op.method == "GET":
        return "read" if item or part else "search"
    if op.method == "DELETE":
        return "delete"
    if op.method in ("PUT", "PATCH") or (op.method == "POST" and item):
        return "update"
    if op.method == "POST":
        return "create"
    return "read"


def _read_body(op: Operation, body: ev.Body, reading: _Reading) -> None:
    """Update actions and status values say what else an update can do: cancel, return, refund."""
    for value in body.update_actions:
        for w in ev.words(value):
            action = vocab.UPDATE_ACTION_WORDS.get(w)
            if action:
                reading.add(action, f"update action '{value}'")
    plain_update = set(reading.actions) <= {"update"}
    if op.method in WRITE and _ends_on_item(op.path) and plain_update:
        for value in body.status_values:
            for w in ev.words(value):
                action = vocab.UPDATE_ACTION_WORDS.get(w)
                if action in ("cancel", "return", "refund"):
                    reading.add(action, f"update action: status '{value}'")


def _fallback_entity(op: Operation, title_words: tuple[str, ...], reading: _Reading, receiver: bool) -> None:
    if reading.entity is not None:
        return
    sources = [("operationId", ev.words(op.operation_id), 0.75)]
    if not receiver:
        sources.append(("spec title", title_words, 0.6))
    sources += [("summary", ev.words(op.summary), 0.55), ("tag", tuple(w for t in op.tags for w in ev.words(t)), 0.45)]
    for name, ws, confidence in sources:
        if name == "summary" and ws and (ws[0] in vocab.VERBS or ws[0] == "return"):
            ws = ws[1:]  # "Return the current store": a verb, not a return
        entity = _first_entity(ws)
        if entity is not None:
            reading.set_entity(entity, f"{name} names {entity or 'no commerce entity'}", confidence)
            return
    for w in ev.words(op.summary):
        if w in vocab.VERB_ENTITY:
            reading.set_entity(vocab.VERB_ENTITY[w], f"summary verb '{w}'", 0.5)
            return


def _first_entity(ws: tuple[str, ...]) -> str | None:
    for i, w in enumerate(ws):
        if i + 1 < len(ws) and (w, ws[i + 1]) in vocab.ENTITY_TERMS:
            return vocab.ENTITY_TERMS[(w, ws[i + 1])]
        if w in vocab.ENTITY_WORDS and w not in vocab.PATH_ONLY_ENTITY_WORDS:
            return vocab.ENTITY_WORDS[w]
    return None


def _explicit(op: Operation, audience: str) -> OperationCapabilities | None:
    """`x-machaudit-capabilities: ["order:cancel", ...]` on an operation states them outright."""
    raw = op.extensions.get("x-machaudit-capabilities") if op.extensions else None
    if not isinstance(raw, list):
        return None
    caps = []
    for item in raw:
        entity, _, action = str(item).partition(":")
        if action in vocab.ACTIONS and (entity in vocab.ENTITIES or entity == ""):
            caps.append(Capability(entity, action, audience, 1.0, ("x-machaudit-capabilities",)))
    return OperationCapabilities(op, audience, tuple(caps))
