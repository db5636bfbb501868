"""`$ref` resolution, safe by default: inside the audited roots, no network unless allowed, cycles end."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator
from urllib.parse import urlsplit

from machaudit.findings import Location, escape_pointer_token, split_pointer
from machaudit.model import SpecProblem
from machaudit.references import split_ref, walk
from machaudit.sources.documents import DocumentError, iter_mappings, pointer_of
from machaudit.sources.store import DocumentStore, is_url

MAX_REF_HOPS = 64


class RefError(Exception):
    pass


class RemoteNotFetched(RefError):
    """A `$ref` to a URL while remote fetching is off (and no `[refs] map` prefix maps it)."""

    def __init__(self, url: str):
        super().__init__("remote $ref is not fetched (use --allow-remote to allow it)")
        self.url = url


@dataclass(frozen=True)
class RefProblem:
    file: str  # key of the document holding the $ref
    pointer: str  # pointer of the object holding the $ref
    ref: str
    message: str
    remote: str = ""  # the URL of the document, when the $ref was not followed because it is remote


def resolve_pointer(data: Any, pointer: str) -> Any:
    try:
        return walk(data, pointer)
    except KeyError:
        raise RefError(f"{pointer or '/'} does not exist in the target document") from None


def target_key(store: DocumentStore, base_key: str, ref: str) -> str:
    """Document key a `$ref` points at; raises RefError when it may not be followed."""
    target, _ = split_ref(ref)
    if not target:
        return base_key
    if "\0" in target:  # `a\u0000b.yaml` in JSON or YAML: os calls raise ValueError on it
        raise RefError("the target's file name holds a NUL character (\\0), which no file name can")
    scheme = urlsplit(target).scheme
    if scheme and scheme not in ("http", "https", "file") or scheme == "file":
        raise RefError(f"scheme {scheme!r} is not followed")
    key = store.join(base_key, target)
    if is_url(key):
        if not store.allow_remote_refs:
            raise RemoteNotFetched(key)
        return key
    if not store.inside_roots(key):
        raise RefError("$ref leaves the audited root")
    return key


def follow(store: DocumentStore, key: str, node: Any) -> tuple[str, Any]:
    """Follow a chain of `$ref` objects to the value they name; (document key, value)."""
    hops = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        hops += 1
        if hops > MAX_REF_HOPS:
            raise RefError("circular $ref: the chain of references never reaches a value")
        ref = node["$ref"]
        key = target_key(store, key, ref)
        try:
            document = store.load(key)
        except DocumentError as exc:
            raise RefError(f"target cannot be read: {exc.message}") from None
        node = resolve_pointer(document, split_ref(ref)[1])
    return key, node


def iter_refs(data: Any) -> Iterator[tuple[Any, str]]:
    """(link to the holding object, ref) for every `$ref` string in a document, each node once;
    `pointer_of(link)` spells where it is. Inside x- extensions `$ref` is just data (Redocly
    inlines code samples that way)."""
    for link, node in iter_mappings(data, skip_extensions=True):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield link, ref


def check_refs(store: DocumentStore, root_key: str) -> tuple[list[str], list[RefProblem]]:
    """Every file reachable from a root through `$ref`, and every `$ref` that does not resolve.

    Each document is walked once, so circular references between files terminate.
    """
    files = [root_key]
    problems: list[RefProblem] = []
    queue = [root_key]
    visited = {root_key}
    while queue:
        key = queue.pop()
        try:
            document = store.load(key)
        except DocumentError:
            continue  # reported where it was referenced (or as the root's own problem)
        outcomes: dict[str, tuple[str, str, str]] = {}  # a spec uses each component many times
        for link, ref in iter_refs(document):
            outcome = outcomes.get(ref)
            if outcome is None:
                outcome = outcomes[ref] = _resolved(store, key, ref)
            target, problem, url = outcome
            if problem:
                problems.append(RefProblem(key, pointer_of(link), ref, problem, url))
            elif target not in visited:
                visited.add(target)
                files.append(target)
                queue.append(target)
    return files, problems


def _resolved(store: DocumentStore, key: str, ref: str) -> tuple[str, str, str]:
    """(the key of the document a `$ref` in `key` names, why it does not resolve or "", the
    remote URL not fetched or "")."""
    try:
        target = target_key(store, key, ref)
        value = resolve_pointer(store.load(target), split_ref(ref)[1])
        if isinstance(value, dict) and isinstance(value.get("$ref"), str):
            follow(store, target, value)  # a chain of bare refs must end in a value
    except RefError as exc:
        return "", str(exc), getattr(exc, "url", "")
    except DocumentError as exc:
        return "", f"target cannot be read: {exc.message}", ""
    return target, "", ""


def spec_problems(store: DocumentStore, root_key: str, problems: list[RefProblem]) -> list[SpecProblem]:
    """A spec's `$ref` problems as SpecProblems: each unresolved `$ref` an "unresolved-ref"; a remote
    document not fetched one "remote-ref" (an evidence gap, not an error), however often it is used."""
    found: list[SpecProblem] = []
    remote: dict[str, list[RefProblem]] = {}
    for problem in problems:
        if problem.remote:
            remote.setdefault(problem.remote, []).append(problem)
        else:
            found.append(SpecProblem("unresolved-ref", f"$ref {problem.ref!r}: {problem.message}",
                                     store.locate(problem.file, problem.pointer + "/$ref")))
    for url, uses in remote.items():
        # located at its first use in the root file (else in the first file, by name, using it)
        first = min(uses, key=lambda use: (use.file != root_key, use.file))
        where = min((store.locate(use.file, use.pointer + "/$ref") for use in uses if use.file == first.file),
                    key=lambda location: location.line or 0)
        times = f"{len(uses)} $refs" if len(uses) > 1 else "1 $ref"
        found.append(SpecProblem(
            "remote-ref",
            f"not checked: remote reference {url} ({times}), fetching is off "
            f"(--allow-remote fetches it; [refs] map or --ref-map PREFIX=DIR reads it from a folder)",
            where))
    return found


def locate(store: DocumentStore, key: str, pointer: str) -> Location:
    """Line and column of what a pointer names, following the `$ref`s it walks through. A pointer
    the text has as written walks through none: neither the parsed document nor its `$ref`s
    are needed (after an audit, most of its documents wait on the store's shelf)."""
    return store.locate(key, pointer, exact=True) or store.locate(*through_refs(store, key, pointer))


def locate_location(store: DocumentStore, location: Location) -> Location:
    """Fill in the line of a Location a check made (`Spec.location`), from its key and pointer."""
    key = location.key or store.key_of_display(location.file)  # by name: plugins' own Locations
    return location if key is None else locate(store, key, location.pointer)


def through_refs(store: DocumentStore, key: str, pointer: str) -> tuple[str, str]:
    """Where a pointer that walks through `$ref`s really lands: (document key, pointer in it).

    Validator errors name paths as seen through references (`/paths/~1a/get/responses/200/
    content/application~1json/schema/properties/x`); the text to point at may be a component
    or another file. Stops at the last place it can follow.
    """
    try:
        node = store.load(key)
    except DocumentError:
        return key, pointer
    parts = split_pointer(pointer)
    done: list[str] = []
    hops = 0
    for index, part in enumerate(parts):
        if isinstance(node, dict) and part not in node and isinstance(node.get("$ref"), str) and hops < MAX_REF_HOPS:
            hops += 1
            ref = node["$ref"]
            try:
                key = target_key(store, key, ref)
                node = resolve_pointer(store.load(key), split_ref(ref)[1])
            except (RefError, DocumentError):
                break
            done = split_pointer(split_ref(ref)[1])
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return key, "".join("/" + escape_pointer_token(p) for p in done + parts[index:])
        done.append(part)
    return key, "".join("/" + escape_pointer_token(p) for p in done)
