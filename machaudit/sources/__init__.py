"""Sources: the only stage that touches files and the network. Inputs in, a `Stack` out."""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from machaudit.model import ASYNC_API_TYPES, Entity, Spec, SpecProblem, Stack
from machaudit.sources.catalog import is_catalog_text, load_catalog
from machaudit.sources.documents import DocumentError
from machaudit.limits import Limits
from machaudit.sources.event_names import message_names
from machaudit.sources.openapi import read_spec, validatable, with_validation
from machaudit.sources.styles import SUFFIXES, read_definition, sniff, style_of_suffix, style_of_type
from machaudit.sources.validation_runs import ValidationRun, default_cache_dir
from machaudit.sources.store import DocumentStore, is_url
from machaudit.sources.suppressions import entity_suppressions, spec_suppressions

SPEC_SUFFIXES = SUFFIXES  # YAML and JSON, GraphQL SDL, protobuf
SKIPPED_DIRS = {".git", "node_modules", "__pycache__", ".venv", "venv", ".tox", ".mypy_cache"}


class InputError(Exception):
    """A user mistake in the inputs named on the command line (exit code 2).

    Its message names inputs, which a config file of the audited tree may have chosen: it is made
    one inert line (safe_text.plain), as every text from the inputs is before it is shown."""

    def __init__(self, message: str):
        from machaudit.formatters.safe_text import plain  # here: formatters import the engine, which imports sources

        super().__init__(plain(message))


@dataclass
class LoadOptions:
    catalogs: list[str] = field(default_factory=list)
    allow_remote: bool = False
    validate: bool = True
    jobs: int = 1  # validator processes
    cache: bool = True  # reuse validation results of unchanged files
    read_catalog: bool = True  # False: every file is a spec candidate (machaudit validate)
    journey_file: str = ""
    previous: list[str] = field(default_factory=list)  # earlier versions of the specs (API009)
    limits: Limits = field(default_factory=Limits)
    remote_allow_hosts: tuple[str, ...] = ()  # hosts or networks remote fetching may reach inside
    ref_map: tuple[tuple[str, str], ...] = ()  # URL prefix -> local folder ([refs] map, --ref-map)
    # Called with each spec read, while its documents are still parsed: what reads every spec
    # (the audit's capability reading) then needs no document brought back from the shelf.
    after_reading: Callable[[Spec], object] | None = None


@dataclass
class Inputs:
    specs: list[str] = field(default_factory=list)  # explicit spec files / URLs: always roots
    scanned: list[str] = field(default_factory=list)  # files found in folders: roots if they look like one
    catalogs: list[str] = field(default_factory=list)
    roots: list[Path] = field(default_factory=list)


def discover(paths: list[str], catalogs: list[str]) -> Inputs:
    inputs = Inputs()
    for raw in paths:
        if is_url(raw):
            inputs.specs.append(raw)
            continue
        if any(ch in raw for ch in "*?["):
            matches = sorted(glob.glob(raw, recursive=True))
            if not matches:
                raise InputError(f"no file matches {raw}")
            for match in matches:
                _add_path(inputs, Path(match), explicit=False)
            continue
        path = Path(raw)
        if not path.exists():
            raise InputError(f"{raw}: no such file or folder")
        _add_path(inputs, path, explicit=True)
    for raw in catalogs:
        path = Path(raw)
        if not path.is_file():
            raise InputError(f"--catalog {raw}: no such file")
        inputs.catalogs.append(DocumentStore.key_for(path))
        inputs.roots.append(path.resolve().parent)
    return inputs


def _add_path(inputs: Inputs, path: Path, explicit: bool) -> None:
    if path.is_dir():
        inputs.roots.append(path.resolve())
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS and not d.startswith("."))
            for name in sorted(filenames):
                if name.lower().endswith(SPEC_SUFFIXES):
                    inputs.scanned.append(DocumentStore.key_for(Path(dirpath) / name))
    elif path.is_file():
        inputs.roots.append(path.resolve().parent)
        (inputs.specs if explicit else inputs.scanned).append(DocumentStore.key_for(path))


@dataclass
class Loaded:
    """A stack read from the inputs, whose validation may still be running in worker processes:
    everything but SPC001 can use `stack` at once; `validated()` waits for the validator's issues."""

    stack: Stack
    store: DocumentStore
    run: ValidationRun | None = None

    def validated(self, progress=None) -> Stack:
        if self.run is not None:
            issues = self.run.results(progress)
            self.run = None
            self.stack = replace(self.stack, specs={k: with_validation(self.store, s, issues[k]) if k in issues else s
                                                    for k, s in self.stack.specs.items()})
        return self.stack

    def close(self) -> None:
        """Stop validation that is no longer wanted (an audit that ended early)."""
        if self.run is not None:
            self.run.close()
            self.run = None


def load_stack(paths: list[str], options: LoadOptions | None = None, progress=None) -> tuple[Stack, DocumentStore]:
    """Read and validate every input into a Stack. Raises InputError only for inputs that do not exist."""
    loaded = start_loading(paths, options, progress)
    try:
        return loaded.validated(progress), loaded.store
    finally:
        loaded.close()


def start_loading(paths: list[str], options: LoadOptions | None = None, progress=None) -> Loaded:
    """Read every input; validation starts in worker processes and goes on beside the caller."""
    from machaudit.progress import NullProgress

    progress = progress or NullProgress()
    options = options or LoadOptions()
    inputs = discover(paths, options.catalogs)
    fetch = None
    if options.allow_remote or any(is_url(s) for s in inputs.specs):
        from machaudit.sources.remote import make_fetcher

        fetch = make_fetcher(options.limits, allow_hosts=options.remote_allow_hosts)
    store = DocumentStore(inputs.roots or [Path.cwd()], options.limits, fetch, options.allow_remote, options.ref_map)

    catalog_keys = list(inputs.catalogs)
    styles: dict[str, str] = {}  # root definition -> style, in reading order
    unused: list[tuple[str, str]] = []
    for key in inputs.specs:
        # A URL is fetched once, when read: its name says its style.
        kind = style_of_suffix(key) if is_url(key) else _sniff(store, key)[0]
        if kind == "catalog" and options.read_catalog:
            catalog_keys.append(key)
        else:  # named on the command line: a root even when it does not look like one
            styles[key] = kind if kind not in ("", "catalog") else "openapi"
    for key in inputs.scanned:
        kind, why = _sniff(store, key)
        if kind == "catalog":
            if options.read_catalog:
                catalog_keys.append(key)
        elif kind:
            styles.setdefault(key, kind)
        elif why:
            unused.append((store.display(key), why))

    catalog = load_catalog(store, list(dict.fromkeys(catalog_keys)))
    declared: list[str] = []
    for ref, entity in list(catalog.entities.items()):
        if entity.kind != "api" or not entity.spec_file:
            continue
        declared.append(entity.spec_file)
        style = style_of_type(entity.type)
        if style:
            styles[entity.spec_file] = style  # the catalog's type chooses the reader
            continue
        styles.pop(entity.spec_file, None)
        # tRPC, MCP server, SOAP …: no reader, but the definition must at least be there.
        try:
            store.text(entity.spec_file)
        except DocumentError as exc:
            catalog.entities[ref] = replace(entity, definition_problem=f"{store.display(entity.spec_file)}: {exc.message}")
    for ref, entity in list(catalog.entities.items()):
        if entity.kind == "api" and entity.spec_file and entity.type in ASYNC_API_TYPES:
            try:  # the messages an event API carries, for the reports' credit to choreography
                catalog.entities[ref] = replace(entity, events=message_names(store.load(entity.spec_file)))
            except DocumentError:
                pass  # its reader reports why
    run = None
    if options.validate:
        run = ValidationRun(store, options.jobs, default_cache_dir() if options.cache else None,
                            options.remote_allow_hosts)
        run.start([key for key, style in styles.items() if style == "openapi"])
    try:
        stack = _read_stack(store, inputs, options, catalog, declared, styles, run, progress)
        return Loaded(replace(stack, unused_definitions=tuple(unused)), store, run)
    except BaseException:
        if run is not None:
            run.close()
        raise


def _read_stack(store: DocumentStore, inputs: Inputs, options: LoadOptions, catalog, declared: list[str],
                styles: dict[str, str], run: ValidationRun | None, progress) -> Stack:
    specs: dict[str, Spec] = {}
    suppressions = []
    noted: set[str] = set()
    progress.stage("parsing", len(styles))
    for key, style in styles.items():
        progress.advance()
        spec = _with_notes(store, read_definition(store, key, style), noted)
        if (spec.parsed or style != "openapi" or key in declared or key in inputs.specs
                or not store.parses(key)):
            specs[key] = spec
            if run is not None and validatable(spec):
                run.add(spec)
            if spec.parsed:
                suppressions += spec_suppressions(store, spec)
                if options.after_reading is not None:
                    options.after_reading(spec)
        # A scanned file that parses but only looked like a root ("openapi:" in a fragment) is dropped.
        store.release(spec.files)
        store.shelve(spec.files)

    entities = dict(catalog.entities)
    undeclared: tuple[str, ...] = ()
    if catalog.files:
        declared_set = set(declared)
        fragments = {f for s in specs.values() if s.key in declared_set for f in s.files[1:]}
        undeclared = tuple(k for k in specs if k not in declared_set and k not in fragments)
    else:
        # No catalog: one inferred API entity per spec, so API-level checks have a subject.
        for spec in specs.values():
            entity = _inferred_api(spec, entities)
            entities[entity.ref] = entity

    for entity in catalog.entities.values():
        spec = specs.get(entity.spec_file) if entity.spec_file else None
        suppressions += entity_suppressions(entity, spec.display if spec else "")

    journey_documents = [(d, loc) for d, loc in catalog.extra_documents if d.get("kind") == "Journey"]
    if options.journey_file:
        journey_documents += _read_journey_file(store, options.journey_file)

    previous = _read_previous(store, options.previous, specs, inputs.roots) if options.previous else {}

    return Stack(
        previous=previous,
        journey_documents=tuple(journey_documents),
        suppressions=tuple(suppressions),
        entities=entities,
        specs=specs,
        catalog_problems=tuple(catalog.problems),
        catalog_files=tuple(store.display(k) for k in catalog.files),
        relations=tuple(catalog.relations),
        undeclared_specs=undeclared,
        other_refs=frozenset(catalog.other_refs),
    )


def _with_notes(store: DocumentStore, spec: Spec, noted: set[str]) -> Spec:
    """The spec with what parsing its files read differently from their text (a lone surrogate
    replaced, an integer over Python's limit kept as a string) as "unparseable" problems, SPC002,
    each file's with the first spec that reads it."""
    problems = []
    for key in spec.files:
        if key in noted:
            continue
        for note in store.notes(key):
            noted.add(key)
            problems.append(SpecProblem("unparseable", note.message, store.locate_line(key, note.line, note.column)))
    return replace(spec, problems=spec.problems + tuple(problems)) if problems else spec


def _read_previous(store: DocumentStore, paths: list[str], specs: dict[str, Spec], roots: list[Path]) -> dict[str, Spec]:
    """Previous versions of the audited specs, paired by their path under their audited folder
    (specs/orders.yaml with old/specs/orders.yaml), else by a file name both sides hold once."""
    previous_inputs = discover(paths, [])
    store.roots.extend(r for r in previous_inputs.roots if r not in store.roots)
    old_specs = []
    for key in previous_inputs.specs + previous_inputs.scanned:
        if _sniff(store, key)[0] == "openapi":
            old = read_spec(store, key)
            store.release(old.files)
            store.shelve(old.files)
            if old.parsed:
                old_specs.append(old)

    def relative(key: str, bases: list[Path]) -> str:
        path = Path(key).resolve()
        base = max((b for b in bases if b == path or b in path.parents), key=lambda b: len(b.parts), default=None)
        return path.relative_to(base).as_posix() if base else path.name

    by_relative = {relative(o.key, previous_inputs.roots): o for o in old_specs}
    names = [Path(o.key).name for o in old_specs]
    by_name = {Path(o.key).name: o for o in old_specs if names.count(Path(o.key).name) == 1}
    out = {}
    for key, spec in specs.items():
        if not spec.parsed or is_url(key):
            continue
        old = by_relative.get(relative(key, roots)) or by_name.get(Path(key).name)
        if old is not None and old.key != key:
            out[key] = old
    return out


def _read_journey_file(store: DocumentStore, path: str) -> list:
    from machaudit.findings import Location
    from machaudit.sources.documents import parse_documents

    key = DocumentStore.key_for(path)
    if not Path(key).is_file():
        raise InputError(f"--journey {path}: no such file")
    try:  # named by the user, like --config: read wherever it is
        documents = parse_documents(Path(key).read_text(encoding="utf-8"), key, store.limits)
    except DocumentError as exc:
        where = f":{exc.line}" if exc.line else ""
        raise InputError(f"--journey {path}{where}: {exc.message}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"--journey {path}: cannot read: {exc}") from None
    found = [(d, Location(store.display(key), f"/{i}", line)) for i, (d, line) in enumerate(documents)
             if isinstance(d, dict) and d.get("kind") == "Journey"]
    if not found:
        raise InputError(f"--journey {path}: no document with kind: Journey")
    return found


def _sniff(store: DocumentStore, key: str) -> tuple[str, str]:
    """('catalog' or a definition style, "") from the text alone (full parsing happens once,
    later); ("", why) for a file of a known API kind that is no root definition."""
    try:
        text = store.text(key)
    except DocumentError:
        # Unreadable: report it as a definition problem rather than lose it.
        return style_of_suffix(key), ""
    if key.lower().endswith((".yaml", ".yml", ".json")) and is_catalog_text(text):
        return "catalog", ""  # its text is kept: catalog positions are looked up in it throughout
    store.release([key])  # read again when parsed: all texts at once would be a large peak
    return sniff(key, text)


def _inferred_api(spec: Spec, taken) -> Entity:
    """An API entity standing in for a spec no catalog declares; named after the file."""
    parts = spec.key.rstrip("/").split("/")
    stem = Path(parts[-1]).stem
    name = ""
    for depth in range(1, len(parts) + 1):  # widen with parent folders until the name is unique
        words = parts[-depth:-1] + [stem]
        name = re.sub(r"[^a-z0-9]+", "-", "-".join(words).lower()).strip("-") or "api"
        if f"api:default/{name}" not in taken:
            break
    ref = f"api:default/{name}"
    return Entity(ref=ref, kind="api", name=name, type=spec.style, title=spec.title, spec_file=spec.key, inferred=True)
