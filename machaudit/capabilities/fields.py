"""What one GraphQL root field does: a field name is a path of its own (`checkoutLinesAdd`,
`orderFulfillmentCancel`, `createWarehouse`, `exportProducts`), read with the same vocabulary.

A field name is a subject (the record), a verb and sometimes an object: the verb gives the action,
the subject's head the entity. When the head is a part of a record (`checkoutShippingAddressUpdate`,
`orderLinesCreate`, `promotionRuleCreate`) or a word of no entity (`productChannelListingUpdate`),
the record is the first entity of the subject, and writing a part updates it. Verb-first names
(`createWarehouse`, `requestPasswordReset`) take the entity from the object. Queries read one
record, or search when they return a list or a connection.

Who may call a field is read from its description, where schemas such as Saleor's say it:
"Requires one of the following permissions: MANAGE_ORDERS" (staff or an app: the merchant's);
none, or only the signed-in user or the owner (the shopper's own). A permission that only widens the
answer ("... permissions to include the unpublished items") restricts nothing.
"""

from __future__ import annotations

import re

from machaudit.capabilities import evidence as ev
from machaudit.capabilities import vocabulary as vocab
from machaudit.model import Operation

# "Requires one of the following permissions: A, B." / "Requires the following permissions: A and B."
# / "Requires one of the following permissions, depending on the attribute type: A for ..."
_REQUIRES = re.compile(r"Requires (?:one of )?the following permissions(?:,[^:.]*)?:\s*([A-Z_]+(?:(?:,\s*|\s+and\s+|\s+)[A-Z_]+)*)")
# The signed-in shopper; OWNER alone may be an app owning a webhook, so the description decides.
_SHOPPER_PERMISSIONS = frozenset({"AUTHENTICATED_USER"})
_OWN_RECORD = re.compile(r"\b(?:logged-in|signed-in|currently authenticated|authenticated) user\b", re.IGNORECASE)

# Words that end the subject of a field name: what follows says where from or by what.
_PREPOSITIONS = frozenset({"from", "for", "by", "to", "in", "of", "with", "as"})


def permissions(op: Operation) -> list[str]:
    """The permissions a field's description says a caller needs (empty: none stated)."""
    found = _REQUIRES.search(op.description or "")
    return re.findall(r"[A-Z_]{3,}", found.group(1)) if found else []


def documents_permissions(operations) -> bool:
    """Does the schema say per field who may call it? Then a field that says nothing is open."""
    return any(_REQUIRES.search(op.description or "") for op in operations)


def field_audience(op: Operation, default: str, documented: bool) -> tuple[str, str]:
    """(audience, evidence) of one field of a schema whose descriptions state permissions."""
    needed = permissions(op)
    if needed:
        if _SHOPPER_PERMISSIONS & set(needed) or _OWN_RECORD.search(op.description or ""):
            return "shopper", f"the signed-in user may call it ({', '.join(needed)})"
        return "merchant", f"requires {', '.join(needed)}"
    if documented:
        return "shopper", "the schema states permissions per field, and this one requires none"
    return default, ""


def read_field(op: Operation, audience: str) -> tuple[str | None, str, dict[str, str]]:
    """(entity or None, entity evidence, {action: evidence}) of a GraphQL root field."""
    words = ev.words(op.path)
    if op.method == "subscription":
        entity = _head_entity(words, audience)[0]
        return entity, "subscription field name", {"subscribe": "a GraphQL subscription"}
    if words == ("me",):
        return "customer", "the signed-in user", {"read": "query of the caller's own record"}
    if words and words[0] == "token":
        return "customer", "a sign-in token", {"authenticate": f"field '{op.path}'"}
    cut = next((i for i, w in enumerate(words) if w in _PREPOSITIONS and i > 0), len(words))
    from_order = words[cut:cut + 2] == ("from", "order")
    words = words[:cut]
    configures = any(vocab.ACTION_NOUNS.get(w) == "configure" for w in words)
    verb_at = next((i for i, w in enumerate(words) if _verb(w, i, words)), None)
    if op.method == "mutation" and verb_at is None:
        entity, why = _head_entity(words, audience)
        return entity, why, {"configure" if configures else "update": "a mutation naming no verb"}
    if op.method == "query" or verb_at is None:
        entity, why = _head_entity(words, audience)
        if configures:
            return entity, why, {"configure": "a settings field"}
        listed = op.returns.startswith("[") or op.returns.rstrip("!").endswith("Connection")
        return entity, why, {"search" if listed else "read": f"query returning {op.returns or 'one record'}"}
    if verb_at == 0:
        subject = tuple(w for i, w in enumerate(words) if i and not _verb(w, i, words))
        verbs = [w for i, w in enumerate(words) if not i or _verb(w, i, words)]
        obj: tuple[str, ...] = ()
    else:
        later = next((i for i in range(verb_at + 1, len(words)) if _verb(words[i], i, words)), None)
        if later is not None and words[verb_at] in vocab.ENTITY_WORDS:
            verb_at = later  # `orderGrantRefundUpdate`: the refund is the record being updated
        subject, rest = words[:verb_at], words[verb_at:]
        verbs = [w for i, w in enumerate(rest) if _verb(w, verb_at + i, words)]
        obj = tuple(w for w in rest if w not in verbs)
    entity, why = _head_entity(subject, audience)
    if configures:
        return entity, why, {"configure": "a settings mutation"}
    actions = _actions(verbs, entity, subject, obj, from_order)
    if verbs == ["request"]:
        asked = next((vocab.ACTION_NOUNS[w] for w in obj if w in vocab.ACTION_NOUNS), None)
        if asked:
            actions = {asked: f"a request for {asked}"}  # `accountRequestDeletion`
    if "reorder" in actions and (entity not in ("cart", "order") or obj):
        actions = {"update": "reordering positions"}  # `collectionReorderProducts`: a sort order
    for w in obj:
        if vocab.ACTION_NOUNS.get(w) in vocab.SPECIAL_ACTIONS:
            actions = {vocab.ACTION_NOUNS[w]: f"field names '{w}'"}  # `orderFulfillmentUpdateTracking`
    named = next((v for v in verbs if v in vocab.FIELD_VERB_ENTITY), None)
    if named:  # `orderCapture` captures a payment, `orderFulfill` creates a shipment
        return vocab.FIELD_VERB_ENTITY[named], f"verb '{named}'", actions
    if set(actions) <= {"create", "update", "delete"}:
        first = _first_entity(subject, audience)
        if first in ("cart", "order") and entity in ("voucher", "credit") and len(subject) > 1:
            return first, f"a discount of a {first}", {"update": f"field '{op.path}'"}  # `orderDiscountDelete`
        applied, term = _entity_of(obj, audience)
        if applied in ("voucher", "credit") and entity in ("cart", "order") and set(verbs) <= vocab.APPLY_VERBS:
            return applied, f"a {term} applied to a {entity}", {"redeem": f"field '{op.path}'"}
        if set(verbs) & vocab.LINK_VERBS and first:
            return first, f"'{op.path}' links records to a {first}", {"update": f"verb '{verbs[0]}'"}
        if subject and subject[-1] in vocab.OPTION_WORDS and first in ("cart", "order") and entity in ("shipment", "payment"):
            return first, f"an option chosen on a {first}", {"update": f"field '{op.path}'"}
        if subject and (subject[-1] in vocab.PART_WORDS or subject[-1] in vocab.PART_OF) and entity \
                or obj and applied is not None or any(w in vocab.PART_OF or w in vocab.PART_WORDS for w in obj):
            # writing a part of the record (its lines, address, media), or changing what it points at
            return entity, why, {"update": f"field '{op.path}' changes a part of the {entity}"}
        if "complete" in verbs and (entity == "cart" or "draft" in subject):
            return "order", "completing a checkout or a draft places an order", {"create": "verb 'complete'"}
    if entity == "order" and "refund" in actions:
        entity, why = "payment", "an order's payment is refunded"
    return entity, why, actions


def _verb(word: str, at: int, words: tuple[str, ...]) -> bool:
    if at == 0 and word in vocab.ENTITY_WORDS:
        return False  # `refundSettings`, `returnSettingsUpdate`: a noun first
    if word == "return":
        return at > 0 and at + 1 < len(words)  # `orderFulfillmentReturnProducts`
    return word in vocab.FIELD_VERBS or word in vocab.VERBS and vocab.VERBS[word] != "read"


def _actions(verbs: list[str], entity: str | None, subject, obj, from_order: bool) -> dict[str, str]:
    found: dict[str, str] = {}
    for i, verb in enumerate(verbs):
        if verb == "request" and i + 1 < len(verbs):
            continue  # `storedPaymentMethodRequestDelete`: the request is for the verb after it
        action = vocab.FIELD_VERBS.get(verb) or vocab.VERBS.get(verb, "update")
        found.setdefault(action, f"verb '{verb}'")
    specials = {a: e for a, e in found.items() if a in vocab.SPECIAL_ACTIONS}
    if specials:
        found = specials
    if set(found) == {"create"}:
        term = _entity_of(subject, "")[1]
        if term in vocab.CREATE_MEANS:
            found = {vocab.CREATE_MEANS[term]: f"creating a {term}"}
        elif from_order and entity in ("cart", "order"):
            found = {"reorder": "created from an order"}
    return found


def _entity_of(ws: tuple[str, ...], audience: str) -> tuple[str | None, str]:
    extra = dict(vocab.FIELD_ENTITY_WORDS)
    if audience in ("shopper", "b2b-buyer"):
        extra.update(vocab.SHOPPER_ENTITY_WORDS)
    return ev.entity_of(ws, extra=extra)


def _head_only(ws: tuple[str, ...], audience: str) -> tuple[str | None, str]:
    extra = dict(vocab.FIELD_ENTITY_WORDS)
    if audience in ("shopper", "b2b-buyer"):
        extra.update(vocab.SHOPPER_ENTITY_WORDS)
    return ev.entity_of(ws, head_only=True, extra=extra)


def _first_entity(ws: tuple[str, ...], audience: str) -> str | None:
    for i in range(len(ws)):
        entity, _ = _head_only(ws[i:i + 1] if i + 1 >= len(ws) or (ws[i], ws[i + 1]) not in vocab.ENTITY_TERMS
                               else ws[i:i + 2], audience)
        if entity:
            return entity
    return None


def _head_entity(ws: tuple[str, ...], audience: str) -> tuple[str | None, str]:
    """The entity the subject names: its head, else (a part or an unknown word) its first entity."""
    if not ws:
        return None, ""
    if ws[-1] in vocab.FIELD_PART_OF and len(ws) == 1:
        return vocab.FIELD_PART_OF[ws[-1]], f"'{ws[-1]}' is part of a {vocab.FIELD_PART_OF[ws[-1]]}"
    entity, term = _head_only(ws, audience)
    first = _first_entity(ws, audience)
    if first and ws[-1] in vocab.PARTS_UNDER.get(first, ()):
        return first, f"'{ws[-1]}' of a {first}"  # `eventDeliveryRetry`: a webhook's delivery
    if entity is not None:
        return entity, f"field name names '{term}'"
    for i in range(len(ws)):
        entity, term = _head_only(ws[:i + 1], audience)
        if entity is not None:
            return entity, f"field name names '{term}', of which '{ws[-1]}' is a part"
    if ws[-1] in vocab.FIELD_PART_OF:
        return vocab.FIELD_PART_OF[ws[-1]], f"'{ws[-1]}' is part of a {vocab.FIELD_PART_OF[ws[-1]]}"
    return "", f"field name '{' '.join(ws)}' names no commerce entity"


def classify_field(op: Operation, audience: str, audience_why: str = "", audience_named: bool = True):
    """The capabilities of one GraphQL root field."""
    from machaudit.capabilities.classify import Capability, OperationCapabilities
    entity, why, actions = read_field(op, audience)
    entity = entity or ""
    confidence = 0.9 if entity else 0.5
    caps = tuple(Capability(entity, action, audience, confidence, tuple(x for x in (why, evidence, audience_why) if x))
                 for action, evidence in actions.items())
    return OperationCapabilities(op, audience, caps, audience_named)
