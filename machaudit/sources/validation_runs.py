"""Running openapi-spec-validator over many specs: in parallel, and cached by content.

Validation is most of an audit's time. Each spec is validated in a worker process that reads its
files itself (parsing is cheap next to validating); only the issues (pointer, message) come back.
Results are cached by a hash of every file the spec reads plus the validator's version, so a CI
run that changes one spec of 200 validates one. Either way the issues are the same as validating
in-process, one spec after another (tests/test_fast_path.py compares them on the bench corpus).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from multiprocessing import get_context
from pathlib import Path

from machaudit import __version__
from machaudit.findings import Location
from machaudit.sources.documents import DocumentError, Limits
from machaudit.sources.store import DocumentStore
from machaudit.sources.validate import ValidationIssue, validate

# Below this many specs a process pool costs more than it saves.
MIN_SPECS_FOR_POOL = 4


@dataclass(frozen=True)
class Request:
    key: str
    version: str
    refs_ok: bool
    files: tuple[str, ...]


def default_cache_dir() -> Path:
    configured = os.environ.get("MACHAUDIT_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "machaudit"


def validate_all(store: DocumentStore, requests: list[Request], jobs: int = 1,
                 cache_dir: Path | None = None, advance=lambda count=1: None) -> dict[str, list[ValidationIssue]]:
    results: dict[str, list[ValidationIssue]] = {}
    todo: list[tuple[Request, str]] = []
    for request in requests:
        digest = _digest(store, request)
        cached = _read_cache(cache_dir, digest) if cache_dir and digest else None
        if cached is not None:
            results[request.key] = cached
            advance()
        else:
            todo.append((request, digest))
    if jobs > 1 and len(todo) >= MIN_SPECS_FOR_POOL:
        context = get_context("fork") if "fork" in _start_methods() else None
        with ProcessPoolExecutor(
            max_workers=min(jobs, len(todo)), mp_context=context, initializer=_init_worker,
            initargs=(store.roots, store.limits, store.allow_remote_refs),
        ) as pool:
            # Largest first, so one big spec does not start last and hold up the end of the run.
            ordered = sorted(todo, key=lambda item: -_size(store, item[0]))
            futures = {item[0].key: pool.submit(_validate_in_worker, item[0]) for item in ordered}
            for future in futures.values():
                future.add_done_callback(lambda _: advance())
            computed = {key: future.result() for key, future in futures.items()}
    else:
        computed = {}
        for request, _ in todo:
            computed[request.key] = _validate_located(store, request)
            advance()
    for request, digest in todo:
        issues = computed[request.key]
        results[request.key] = issues
        if cache_dir and digest:
            _write_cache(cache_dir, digest, issues)
    return results


def _start_methods() -> list[str]:
    import multiprocessing

    return multiprocessing.get_all_start_methods()


def _size(store: DocumentStore, request: Request) -> int:
    try:
        return len(store.text(request.key))
    except DocumentError:
        return 0


# -- workers --------------------------------------------------------------------------------------

_WORKER_STORE: DocumentStore | None = None


def _init_worker(roots: list[Path], limits: Limits, allow_remote: bool) -> None:
    global _WORKER_STORE
    fetch = None
    if allow_remote:
        from machaudit.sources.remote import make_fetcher

        fetch = make_fetcher(limits)
    _WORKER_STORE = DocumentStore(list(roots), limits, fetch, allow_remote)


def _validate_in_worker(request: Request) -> list[ValidationIssue]:
    assert _WORKER_STORE is not None, "worker not initialised"
    return _validate_located(_WORKER_STORE, request)


def _validate_located(store: DocumentStore, request: Request) -> list[ValidationIssue]:
    """Issues with their file/line already found: where the texts are, in parallel, and cached."""
    issues = validate(store, request.key, store.load(request.key), request.version, request.refs_ok)
    return [replace(i, location=store.locate(request.key, i.pointer)) for i in issues]


# -- cache ------------------------------------------------------------------------------------------

@functools.cache
def _tool_identity() -> tuple[str, ...]:
    """Versions that decide validation results; looked up once per run, not once per spec."""
    try:
        from importlib.metadata import version

        validator = version("openapi-spec-validator")
    except Exception:
        validator = "?"
    from openapi_spec_validator.schemas import get_validator_backend

    return __version__, validator, get_validator_backend()


def _digest(store: DocumentStore, request: Request) -> str:
    """Hash of what decides the result: tool versions, the spec's key and every file it reads."""
    digest = hashlib.sha256()
    # The working folder too: cached locations hold file names as shown, relative to it.
    for part in (*_tool_identity(), request.version, str(request.refs_ok), request.key, os.getcwd()):
        digest.update(part.encode("utf-8") + b"\0")
    for key in request.files:
        try:
            digest.update(key.encode("utf-8") + b"\0" + store.text(key).encode("utf-8") + b"\0")
        except DocumentError:
            return ""  # an unreadable file: do not cache
    return digest.hexdigest()


def _cache_file(cache_dir: Path, digest: str) -> Path:
    return cache_dir / "validation" / digest[:2] / f"{digest}.json"


def _read_cache(cache_dir: Path, digest: str) -> list[ValidationIssue] | None:
    try:
        data = json.loads(_cache_file(cache_dir, digest).read_text(encoding="utf-8"))
        return [ValidationIssue(item["pointer"], item["message"],
                                Location(item["file"], item["at"], item["line"], item["column"]))
                for item in data]
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing or damaged: validate again


def _write_cache(cache_dir: Path, digest: str, issues: list[ValidationIssue]) -> None:
    path = _cache_file(cache_dir, digest)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps([
            {"pointer": i.pointer, "message": i.message, "file": i.location.file, "at": i.location.pointer,
             "line": i.location.line, "column": i.location.column}
            for i in issues]), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home must not fail the audit
