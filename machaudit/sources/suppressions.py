"""Reading suppressions: `x-machaudit-ignore` in specs, `machaudit.io/ignore` on catalog entities."""

from __future__ import annotations

import re
from typing import Any

from machaudit.findings import Location
from machaudit.model import Entity, Spec, Suppression
from machaudit.sources.documents import DocumentError, iter_mappings, pointer_of
from machaudit.sources.store import DocumentStore

SPEC_KEY = "x-machaudit-ignore"
ANNOTATION = "machaudit.io/ignore"


def spec_suppressions(store: DocumentStore, spec: Spec) -> list[Suppression]:
    out: list[Suppression] = []
    for key, document in spec.documents.items():
        try:
            mentioned = SPEC_KEY in store.text(key)
        except DocumentError:
            mentioned = True  # changed since it was parsed: look in what was parsed
        if not mentioned:
            continue  # most files have none: skip the walk
        display = store.display(key)
        for link, node in iter_mappings(document):
            if SPEC_KEY not in node:
                continue
            pointer = pointer_of(link)
            value = node[SPEC_KEY]
            where = store.locate(key, pointer + "/" + SPEC_KEY)
            entries = value if isinstance(value, list) else [value]
            for entry in entries:
                check, reason = _entry(entry)
                out.append(Suppression(check, reason, where, file=display, pointer=pointer))
    return out


def entity_suppressions(entity: Entity, spec_display: str = "") -> list[Suppression]:
    """`machaudit.io/ignore: "ORC007: app is replaced in Q3; HDL001: partner API"`."""
    raw = entity.annotations.get(ANNOTATION, "")
    out = []
    for part in filter(None, (p.strip() for p in re.split(r"[;\n]", raw))):
        check, _, reason = part.partition(":")
        location = entity.location or Location("catalog")
        out.append(Suppression(check.strip(), reason.strip(), location, subject=entity.ref, file=spec_display))
    return out


def _entry(entry: Any) -> tuple[str, str]:
    if isinstance(entry, dict):
        check = entry.get("id", entry.get("check", ""))
        reason = entry.get("reason", "")
        return str(check).strip(), reason.strip() if isinstance(reason, str) else ""
    if isinstance(entry, str):
        check, _, reason = entry.partition(":")
        return check.strip(), reason.strip()
    return "", ""
