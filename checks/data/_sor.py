"""Systems of record (`machaudit.io/system-of-record`) per core entity, shared by DAT001, DAT002,
DAT008 and DAT009. English and German names; plural forms; an optional scope after a colon or in
parentheses (`price:list`, `price (customer-specific)`) marks a master for part of an entity."""

from __future__ import annotations

import re
from dataclasses import dataclass

from machaudit.model import Entity, Stack

# Core entity -> the words a catalog or a schema name uses for it (lower case, singular and plural).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "customer": ("customer", "customers", "customerpii", "kunde", "kunden", "debitor", "debitoren", "debtor", "debtors"),
    "order": ("order", "orders", "salesorder", "salesorders", "auftrag", "auftraege", "aufträge",
              "bestellung", "bestellungen", "kundenauftrag"),
    "product": ("product", "products", "produkt", "produkte", "artikel", "article", "articles", "material"),
    "price": ("price", "prices", "preis", "preise", "pricelist", "preisliste", "pricing"),
    "stock": ("stock", "stocks", "inventory", "inventories", "bestand", "bestaende", "bestände",
              "lagerbestand", "availability", "verfuegbarkeit", "verfügbarkeit"),
    "invoice": ("invoice", "invoices", "rechnung", "rechnungen", "faktura"),
    "shipment": ("shipment", "shipments", "sendung", "sendungen", "lieferung", "lieferungen", "delivery",
                 "deliveries", "versand"),
}


@dataclass(frozen=True)
class Master:
    entity: Entity
    core: str  # normalised core entity
    scope: str  # "" or the part it masters ("list", "customer-specific")
    written: str  # the annotation entry as written


def normalise(word: str) -> str:
    """The core entity a word names ("Aufträge" -> order), or the word itself (singularised)."""
    key = re.sub(r"[\s_\-]+", "", word.strip().lower())
    for core, words in SYNONYMS.items():
        if key in words:
            return core
    return key[:-1] if key.endswith("s") and len(key) > 3 else key


def parse_entry(entry: str) -> tuple[str, str]:
    """'price:list' / 'price (list)' -> ('price', 'list')."""
    text = entry.strip()
    match = re.match(r"^([^:(]+?)\s*(?::\s*(.+)|\((.+)\))?\s*$", text)
    if not match:
        return normalise(text), ""
    return normalise(match.group(1)), (match.group(2) or match.group(3) or "").strip().lower()


def masters(stack: Stack) -> dict[str, list[Master]]:
    """Core entity (normalised) -> components that declare themselves its system of record."""
    out: dict[str, list[Master]] = {}
    for component in sorted(stack.components, key=lambda c: c.ref):
        for entry in component.annotation_list("system-of-record"):
            core, scope = parse_entry(entry)
            if core and not any(m.entity.ref == component.ref and m.scope == scope for m in out.get(core, [])):
                out.setdefault(core, []).append(Master(component, core, scope, entry))
    return out


def any_declared(stack: Stack) -> bool:
    return any(c.annotation("system-of-record").strip() for c in stack.components)


def catalog_components(stack: Stack) -> list[Entity]:
    return [c for c in stack.components if not c.inferred]


def core_entities(policy) -> list[str]:
    return list(dict.fromkeys(normalise(e) for e in policy.core_entities))
