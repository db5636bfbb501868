"""Backstage catalog descriptors (`catalog-info.yaml`) with machaudit.io annotations -> entities.

Every shape error becomes a `CatalogProblem` naming file and line; nothing here raises for bad input.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from machaudit.findings import Location
from machaudit.model import KINDS, CatalogProblem, Entity, parse_ref
from machaudit.sources.documents import DocumentError, parse_documents
from machaudit.sources.store import DocumentStore, is_url

# Kinds Backstage knows that carry nothing for this audit; read without complaint.
IGNORED_KINDS = frozenset({"user", "template", "location", "environment"})
RELATION_DEFAULT_KIND = {
    "owner": "group",
    "system": "system",
    "domain": "domain",
    "dependsOn": "component",
    "providesApis": "api",
    "consumesApis": "api",
    "implementsApis": "api",
    "dependencyOf": "component",
}
MAX_CATALOG_FILES = 5000


@dataclass
class Catalog:
    entities: dict[str, Entity] = field(default_factory=dict)
    problems: list[CatalogProblem] = field(default_factory=list)
    relations: list[tuple[str, str, str, Location | None]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    # Non-Backstage documents with a machaudit.io apiVersion (Journey, Policy …), kept for later stages.
    extra_documents: list[tuple[dict, Location]] = field(default_factory=list)
    other_refs: set[str] = field(default_factory=set)


# The key may be quoted too (`"apiVersion": "backstage.io/v1alpha1"`, as a JSON-minded writer puts it).
_CATALOG_API_VERSION = re.compile(r"""["']?apiVersion["']?[ \t]*:[ \t]*["']?backstage\.io/""")


def is_catalog_text(text: str) -> bool:
    """Cheap sniff: a YAML stream with a Backstage apiVersion."""
    return "backstage.io/" in text and _CATALOG_API_VERSION.search(text) is not None


def load_catalog(store: DocumentStore, keys: list[str]) -> Catalog:
    catalog = Catalog()
    queue = list(keys)
    seen: set[str] = set()
    while queue:
        key = queue.pop(0)
        if key in seen:
            continue
        seen.add(key)
        if len(seen) > MAX_CATALOG_FILES:
            catalog.problems.append(CatalogProblem("invalid", f"more than {MAX_CATALOG_FILES} catalog files; stopped following Location targets", Location(store.display(key))))
            break
        catalog.files.append(key)
        queue.extend(_read_file(store, key, catalog))
    return catalog


def _read_file(store: DocumentStore, key: str, catalog: Catalog) -> list[str]:
    """Read one descriptor file into the catalog; returns the Location targets it names."""
    display = store.display(key)
    notes: list[DocumentError] = []
    try:
        documents = parse_documents(store.text(key), key, store.limits, notes)
    except DocumentError as exc:
        catalog.problems.append(CatalogProblem("unreadable", f"cannot read catalog file: {exc.message}", Location(display, "", exc.line, exc.column, key=key)))
        return []
    for note in notes:  # read, but not all as written (a lone surrogate, a huge integer)
        catalog.problems.append(CatalogProblem("unreadable", f"catalog file read with a change: {note.message}", Location(display, "", note.line, note.column)))
    targets: list[str] = []
    for index, (doc, line) in enumerate(documents):
        if doc is None:
            continue
        reader = _EntityReader(store, key, index, line, catalog)
        targets.extend(reader.read(doc))
    return targets


class _EntityReader:
    def __init__(self, store: DocumentStore, key: str, index: int, line: int, catalog: Catalog):
        self.store = store
        self.key = key
        self.index = index
        self.line = line
        self.catalog = catalog

    def where(self, pointer: str = "") -> Location:
        found = self.store.locate(self.key, f"/{self.index}{pointer}", multi=True)
        if found.line is None:
            return Location(found.file, pointer, self.line)
        return Location(found.file, pointer, found.line, found.column)

    def problem(self, message: str, pointer: str = "", subject: str = "", code: str = "invalid") -> None:
        self.catalog.problems.append(CatalogProblem(code, message, self.where(pointer), subject))

    def read(self, doc: Any) -> list[str]:
        if not isinstance(doc, dict):
            self.problem(f"a catalog document must be a mapping, not {_type(doc)}")
            return []
        api_version = doc.get("apiVersion")
        kind = doc.get("kind")
        if not isinstance(kind, str) or not kind.strip():
            self.problem("entity has no kind", "/kind")
            return []
        if isinstance(api_version, str) and api_version.startswith("machaudit.io/"):
            self.catalog.extra_documents.append((doc, self.where()))
            return []
        if not isinstance(api_version, str) or not api_version.startswith("backstage.io/"):
            self.problem(f"apiVersion {api_version!r} is not a Backstage descriptor (backstage.io/…); document ignored", "/apiVersion")
            return []
        kind_l = kind.strip().lower()
        metadata = doc.get("metadata")
        if not isinstance(metadata, dict):
            self.problem(f"{kind} has no metadata mapping", "/metadata")
            return []
        name = metadata.get("name")
        if not isinstance(name, str) or not name.strip():
            self.problem(f"{kind} has no metadata.name", "/metadata")
            return []
        spec = doc.get("spec", {})
        if not isinstance(spec, dict):
            self.problem(f"{kind} {name}: spec must be a mapping, not {_type(spec)}", "/spec")
            spec = {}
        if kind_l == "location":
            return self._targets(name, spec)
        if kind_l in IGNORED_KINDS:
            namespace = metadata.get("namespace") if isinstance(metadata.get("namespace"), str) else "default"
            self.catalog.other_refs.add(f"{kind_l}:{namespace.lower()}/{name.strip().lower()}")
            return []
        if kind_l not in KINDS:
            self.problem(
                f"unknown kind {kind!r} for {name}; machaudit reads {', '.join(k.title() if k != 'api' else 'API' for k in KINDS)} and Location",
                "/kind",
            )
            return []
        self._entity(kind_l, name.strip(), metadata, spec)
        return []

    def _targets(self, name: str, spec: dict) -> list[str]:
        raw = []
        if isinstance(spec.get("target"), str):
            raw.append(spec["target"])
        targets = spec.get("targets", [])
        if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
            self.problem(f"Location {name}: spec.targets must be a list of strings", "/spec/targets")
            targets = []
        raw.extend(targets)
        out = []
        base = Path(self.key).parent
        for target in raw:
            target = target.removeprefix("./") if not is_url(target) else target
            if is_url(target):
                self.problem(f"Location {name}: remote target {target} is not followed", "/spec")
                continue
            if "\0" in target:
                self.problem(f"Location {name}: target {target!r} holds a NUL character (\\0), which no file name can; "
                             "not followed", "/spec")
                continue
            if any(ch in target for ch in "*?["):
                out.extend(self._glob(name, base, target))
                continue
            key = os.path.normpath(os.path.join(base, target))
            if not self.store.inside_roots(key):
                self.problem(f"Location {name}: target {target} leaves the audited root", "/spec")
            else:
                try:
                    exists = Path(key).is_file()
                except OSError as exc:  # a name longer than the file system allows (ENAMETOOLONG) …
                    self.problem(f"Location {name}: target {target} cannot be read: {exc.strerror}", "/spec")
                    continue
                if exists:
                    out.append(key)
                else:
                    self.problem(f"Location {name}: target {target} does not exist", "/spec")
        return out

    def _glob(self, name: str, base: Path, target: str) -> list[str]:
        """Files a Location's glob target matches, all inside the audited roots. The catalog is
        untrusted input, not the user: an absolute glob (`/*`) or one climbing out (`../../*`) is
        refused whole (its matches would name files outside in the report), where a glob typed on
        the command line is not. It is cut where its first wildcard is: the folder before (after
        `..` are folded away) must be inside the roots; the rest is matched by pathlib, whose `**`
        does not follow symlinks (no loop). A match that is a symlink out of the roots is named
        by its path inside them, and refused when read."""
        pattern = os.path.normpath(os.path.join(base, target))  # an absolute target replaces base
        parts = Path(pattern).parts
        fixed = next(i for i, part in enumerate(parts) if any(ch in part for ch in "*?["))
        folder = Path(*parts[:fixed])
        if not self.store.inside_roots(str(folder)):
            self.problem(f"Location {name}: target {target} leaves the audited root (a glob in a catalog must "
                         "stay inside the audited folders); not followed", "/spec")
            return []
        matches = sorted(p for p in folder.glob(str(Path(*parts[fixed:]))) if p.is_file())
        return [os.path.abspath(p) for p in matches]

    def _check_audience(self, ref: str, annotations: dict) -> None:
        """`machaudit.io/audience` names audiences the journey knows (see capabilities.audience)."""
        raw = annotations.get("machaudit.io/audience")
        if raw is None:
            return
        from machaudit.capabilities import audience
        from machaudit.capabilities.vocabulary import AUDIENCES

        unknown = [v.strip() for v in raw.split(",") if v.strip() and audience.audience_value(v) is None]
        if unknown:
            self.problem(f"{ref}: machaudit.io/audience {', '.join(repr(v) for v in unknown)} is not an audience; "
                         f"valid: {', '.join(AUDIENCES)} (or {', '.join(audience.SYNONYMS)})",
                         "/metadata/annotations/machaudit.io~1audience", ref)

    def _entity(self, kind: str, name: str, metadata: dict, spec: dict) -> None:
        namespace = metadata.get("namespace", "default")
        namespace = namespace.strip().lower() if isinstance(namespace, str) and namespace.strip() else "default"
        ref = f"{kind}:{namespace}/{name.lower()}"
        if ref in self.catalog.entities:
            first = self.catalog.entities[ref].location
            self.problem(f"duplicate entity {ref} (first defined at {first})", "/metadata/name", ref, "duplicate")
            return

        annotations = {}
        raw_annotations = metadata.get("annotations", {})
        if isinstance(raw_annotations, dict):
            for key, value in raw_annotations.items():
                if isinstance(value, (str, int, float, bool)):
                    annotations[str(key)] = str(value).lower() if isinstance(value, bool) else str(value)
                else:
                    self.problem(f"{ref}: annotation {key} must be a string", f"/metadata/annotations/{key}", ref)
        elif raw_annotations is not None:
            self.problem(f"{ref}: metadata.annotations must be a mapping", "/metadata/annotations", ref)
        self._check_audience(ref, annotations)

        def text(field_name: str) -> str:
            value = spec.get(field_name)
            if value is None:
                return ""
            if isinstance(value, (str, int, float)) and not isinstance(value, bool):
                return str(value).strip()
            self.problem(f"{ref}: spec.{field_name} must be a string, not {_type(value)}", f"/spec/{field_name}", ref)
            return ""

        def single_ref(field_name: str) -> str:
            value = text(field_name)
            if not value:
                return ""
            target = parse_ref(value, RELATION_DEFAULT_KIND[field_name], namespace)
            self.catalog.relations.append((ref, field_name, target, self.where(f"/spec/{field_name}")))
            return target

        def refs(field_name: str) -> tuple[str, ...]:
            value = spec.get(field_name)
            if value is None:
                return ()
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                self.problem(f"{ref}: spec.{field_name} must be a list of entity references", f"/spec/{field_name}", ref)
                return ()
            out = []
            for i, item in enumerate(value):
                target = parse_ref(item, RELATION_DEFAULT_KIND[field_name], namespace)
                self.catalog.relations.append((ref, field_name, target, self.where(f"/spec/{field_name}/{i}")))
                out.append(target)
            return tuple(out)

        provides = refs("providesApis")
        implements = refs("implementsApis")
        if implements:
            self.problem(f"{ref}: spec.implementsApis is read as providesApis", "/spec/implementsApis", ref, "notice")
        links = tuple(
            {str(k): str(v) for k, v in link.items() if isinstance(v, (str, int))}
            for link in metadata.get("links", []) or []
            if isinstance(link, dict)
        ) if isinstance(metadata.get("links", []), list) else ()

        entity = Entity(
            ref=ref,
            kind=kind,
            name=name,
            namespace=namespace,
            title=_str(metadata.get("title")),
            description=_str(metadata.get("description")),
            type=text("type").lower(),
            lifecycle=text("lifecycle").lower(),
            owner=single_ref("owner"),
            system=single_ref("system") if kind != "system" else single_ref("domain"),
            annotations=annotations,
            links=links,
            depends_on=refs("dependsOn"),
            provides_apis=tuple(dict.fromkeys(provides + implements)),
            consumes_apis=refs("consumesApis"),
            spec_file=self._definition(ref, spec) if kind == "api" else "",
            remotes=self._remotes(ref, spec) if kind == "api" else (),
            location=self.where(),
        )
        self.catalog.entities[ref] = entity

    def _remotes(self, ref: str, spec: dict) -> tuple[str, ...]:
        """backstage.io/v1alpha2 (type mcp-server): `remotes: [{type, url}]` where the API is served."""
        remotes = spec.get("remotes")
        if remotes is None:
            return ()
        urls = [r.get("url") for r in remotes if isinstance(r, dict)] if isinstance(remotes, list) else []
        if not urls or not all(isinstance(u, str) and u.strip() for u in urls) or len(urls) != len(remotes):
            self.problem(f"{ref}: spec.remotes must be a list of {{type, url}} mappings", "/spec/remotes", ref)
            return ()
        return tuple(u.strip() for u in urls)

    def _definition(self, ref: str, spec: dict) -> str:
        """Store key of an API's definition: `$text` file/URL, or the inline text registered as a virtual file."""
        definition = spec.get("definition")
        if definition is None:
            return ""
        if isinstance(definition, dict):
            target = definition.get("$text") or definition.get("$json") or definition.get("$yaml")
            if not isinstance(target, str):
                self.problem(f"{ref}: spec.definition must be text or {{$text: path}}", "/spec/definition", ref)
                return ""
            if is_url(target):
                return target
            if "\0" in target:
                self.problem(f"{ref}: definition {target!r} holds a NUL character (\\0), which no file name can",
                             "/spec/definition", ref)
                return ""
            key = self.store.join(self.key, target)
            if not self.store.inside_roots(key):
                self.problem(f"{ref}: definition {target} leaves the audited root", "/spec/definition", ref)
                return ""
            return key
        if isinstance(definition, str):
            # A virtual file beside the catalog, so relative $refs resolve as they would there;
            # its positions are reported in the catalog file, inside the definition block.
            virtual = Path(self.key).with_name(f"{Path(self.key).name}~{ref.rpartition('/')[2]}.yaml")
            key_line = self.where("/spec/definition").line or self.line
            lines = self.store.text(self.key).splitlines()
            body = lines[key_line] if key_line < len(lines) else ""
            indent = len(body) - len(body.lstrip(" "))
            self.store.put(str(virtual), definition, origin=(self.key, key_line, indent))
            return str(virtual)
        self.problem(f"{ref}: spec.definition must be text or {{$text: path}}, not {_type(definition)}", "/spec/definition", ref)
        return ""


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _type(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", type(None): "empty"}.get(type(value), type(value).__name__)
