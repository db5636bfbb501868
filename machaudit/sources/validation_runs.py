"""Running openapi-spec-validator over many specs: in parallel, beside the rest of the audit, and
cached by content.

Validation is most of an audit's CPU time. With more than one core, every spec goes to a worker
process as soon as the run knows its files, before the audit itself parses anything: each worker
reads, checks and validates its spec on its own, and only the issues (pointer, message, location)
come back. The audit meanwhile parses the specs and runs every check but SPC001, which waits for
the results (`ValidationRun.results`). Results are cached by a hash of every file the spec reads
plus the validator's version, so a CI run that changes one spec of 200 validates one. Either way
the issues are the same as validating in-process, one spec after another (tests/test_fast_path.py
compares them on the bench corpus).
"""

from __future__ import annotations

import functools
import hashlib
import json
import marshal
import os
from collections import OrderedDict
from concurrent.futures import Future, InvalidStateError, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from typing import Any
from pathlib import Path

from machaudit import __version__
from machaudit.findings import Location
from machaudit.model import Spec
from machaudit.sources.documents import DocumentError, parse_document
from machaudit.limits import Limits
from machaudit.sources.refs import locate
from machaudit.sources.store import DocumentStore, expect_early, is_url, read_early, without_collector
from machaudit.sources.validate import ValidationIssue, validate
from machaudit.workers import new_pool, release, start_methods, submit

# Below this many specs (and this much text) worker processes cost more than they save.
MIN_SPECS_FOR_POOL = 4
MIN_BYTES_FOR_POOL = 1_000_000


@dataclass(frozen=True)
class Request:
    key: str
    version: str
    refs_ok: bool
    files: tuple[str, ...]


def request_for(spec: Spec) -> Request:
    return Request(spec.key, spec.version, refs_resolve(spec), spec.files)


def refs_resolve(spec: Spec) -> bool:
    """Whether every `$ref` of the spec was followed: where one was not, the validator stops at it
    (reported as SPC003, or as its evidence gap for a remote one), not as SPC001."""
    return not any(p.kind in ("unresolved-ref", "remote-ref") for p in spec.problems)


def default_cache_dir() -> Path:
    configured = os.environ.get("MACHAUDIT_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "machaudit"


class ValidationRun:
    """Validation of the specs of one audit. `start` hands candidate specs to workers before they
    are parsed here; `add` is called with each spec once parsed (cache lookup, or the in-process
    fallback); `results` waits for what is still running."""

    def __init__(self, store: DocumentStore, jobs: int = 1, cache_dir: Path | None = None,
                 remote_allow_hosts: tuple[str, ...] = ()):
        self.store = store
        self.remote_allow_hosts = tuple(remote_allow_hosts)
        self.jobs = jobs
        self.cache_dir = cache_dir
        self._pool: ProcessPoolExecutor | None = None
        self._futures: dict[str, Future] = {}
        self._wanted: dict[str, tuple[Request, str]] = {}  # key -> (request, cache digest)
        self._results: dict[str, list[ValidationIssue]] = {}
        self._digests: dict[Request, str] = {}  # the texts do not change during a run: hash them once

    def start(self, keys: list[str]) -> None:
        """Start workers on the candidate specs (all cores busy while the audit parses and checks).
        Specs fetched from URLs are validated here, after parsing: a worker would fetch them again."""
        global _early_pool, _early_parser, _early_task
        early, _early_pool = _early_pool, None
        task, _early_task = _early_task, None
        if _early_parser is not None:
            release(_early_parser, wait=False)  # it ends once it has handed back what it parses
            _early_parser = None
        keys = [key for key in keys if not is_url(key) and not self._probably_cached(key)]
        sizes = {key: _size(self.store, key) for key in keys}
        if early is not None and len(keys) != 1:
            release(early, wait=False)  # its one process is for one spec
            early = None
        if self.jobs <= 1 or not keys or (len(keys) < MIN_SPECS_FOR_POOL and sum(sizes.values()) < MIN_BYTES_FOR_POOL):
            if early is not None:
                release(early, wait=False)
            return
        self._pool = early or new_pool(min(self.jobs, len(keys)))
        store = (self.store.roots, self.store.limits, self.store.allow_remote_refs, self.remote_allow_hosts,
                 self.store.ref_map)
        # Largest first, so one big spec does not start last and hold up the end of the run.
        for key in sorted(keys, key=lambda k: -sizes[k]):
            if task is not None and task[:2] == (key, store):
                self._futures[key] = task[2]  # started by start_early, with what this run has
            else:
                self._futures[key] = submit(self._pool, _validate_in_worker, key, store)

    def _probably_cached(self, key: str) -> bool:
        """Whether the cache holds this spec's result, judged before parsing from the files it read
        last time (a worker validating it anyway would keep a warm CI run waiting). `add` decides;
        a wrong guess only costs validating that spec in this process."""
        if self.cache_dir is None:
            return False
        root = self._digest(_root_request(key))
        self.store.release([key])  # the texts are read again when parsed
        if not root:
            return False
        try:
            last = json.loads(_cache_file(self.cache_dir, root, "reads").read_text("utf-8"))
            request = Request(key, last["version"], last["refs_ok"], tuple(last["files"]))
        except (OSError, ValueError, KeyError, TypeError):
            return False
        if not (isinstance(request.version, str) and isinstance(request.refs_ok, bool)
                and all(isinstance(f, str) and not is_url(f) for f in request.files)):
            return False  # damaged or forged: it names nothing to read
        digest = self._digest(request)
        self.store.release(request.files)
        return bool(digest) and _cache_file(self.cache_dir, digest).is_file()

    def _digest(self, request: Request) -> str:
        if request not in self._digests:
            self._digests[request] = _digest(self.store, request)
        return self._digests[request]

    def add(self, spec: Spec) -> None:
        """A parsed spec that is to be validated."""
        request = request_for(spec)
        digest = self._digest(request) if self.cache_dir else ""
        cached = _read_cache(self.cache_dir, digest) if self.cache_dir and digest else None
        if cached is not None:
            self._results[spec.key] = cached
            self._drop(spec.key)
        else:
            self._wanted[spec.key] = (request, digest)

    def results(self, progress=None) -> dict[str, list[ValidationIssue]]:
        """Issues per spec key, for every spec `add`ed; waits for the workers."""
        advance = progress.advance if progress is not None else lambda count=1: None
        if progress is not None:
            progress.stage("validating", len(self._wanted))
        pending = {self._futures.pop(key): key for key in self._wanted if key in self._futures}
        computed: dict[str, list[ValidationIssue]] = {}
        for future in as_completed(pending):
            key = pending[future]
            try:
                worker_request, stamps, issues = future.result()
            except Exception:  # a worker that died (out of memory, a signal): validated here instead
                continue
            request = self._wanted[key][0]
            # The same files, as this process read them (a file changed in between: validated here)
            if worker_request == request and stamps == tuple(self.store.stamp(f) for f in request.files):
                computed[key] = issues
                advance()
        self.close(wait=True)
        for key, (request, digest) in self._wanted.items():
            if key not in computed:  # no worker, or one that read different files than we did
                computed[key] = _validate_located(self.store, request)
                advance()
            if self.cache_dir and digest:
                _write_cache(self.cache_dir, digest, computed[key])
                self._write_reads(request)
        self._results.update(computed)
        self._wanted.clear()
        return dict(self._results)

    def _write_reads(self, request: Request) -> None:
        """What the spec amounted to and read, under the hash of its root file (`_probably_cached`)."""
        root = self._digest(_root_request(request.key))
        if root and self.cache_dir:
            _write_json(_cache_file(self.cache_dir, root, "reads"),
                        {"version": request.version, "refs_ok": request.refs_ok, "files": list(request.files)})

    def close(self, wait: bool = False) -> None:
        """Stop the workers: once their results are in (`wait`), or at once, for a run that ended
        early (what they are still doing is ended by `workers.stop_all`)."""
        for key in list(self._futures):
            self._drop(key)
        if self._pool is not None:
            release(self._pool, wait=wait)
            self._pool = None

    def _drop(self, key: str) -> None:
        future = self._futures.pop(key, None)
        if future is not None:
            future.cancel()  # not started yet: never runs; running: its result is ignored


_early_pool: ProcessPoolExecutor | None = None  # the early validator process
_early_parser: ProcessPoolExecutor | None = None  # for an audit: the process parsing the spec meanwhile
_early_task: tuple[str, tuple, Future] | None = None  # key, store settings, its validation


def start_early(paths: list[str], jobs: int, hand_back: bool = False) -> None:
    """One large spec named on the command line (a CI job checking its API): validating it is the
    longest part of such a run, so its validator process is forked now, and its task is queued
    before the configuration is read. `ValidationRun.start` takes the task over if the run reads
    the spec with the same roots and limits; the store takes the parse over. The process belongs
    to the run's `workers.worker_processes()`, which stops it however the run ends.

    Who parses the spec: without `hand_back` (`validate`, whose process has nothing else to do)
    this process parses it while the worker imports the validator, and hands it over marshalled (a
    twentieth of parsing it again). With `hand_back` (`audit`, whose process then imports and runs
    the checks), a second process parses it meanwhile and hands it back to this one and over to
    the validator process, which has imported the validator by then: nobody waits for an import
    before the spec is parsed, nor for the parse before the validator is imported."""
    global _early_pool, _early_parser, _early_task
    if not (jobs > 1 and _early_pool is None and len(paths) == 1 and os.path.isfile(paths[0])
            and os.path.getsize(paths[0]) >= MIN_BYTES_FOR_POOL and "fork" in start_methods()):
        return
    # Forked (at the first task) before this process reads the spec: the sooner, the smaller.
    _early_pool = new_pool(1)
    key, limits = DocumentStore.key_for(paths[0]), Limits()
    store = ([Path(key).resolve().parent], limits, False, (), ())  # as `discover` makes them for one file
    if hand_back:
        try:
            info = os.stat(key)
        except OSError:
            return
        _early_parser = new_pool(1)
        parsed = submit(_early_parser, _parse_in_worker, key, limits)
        submit(_early_pool, _warm_up)
        stamp = (info.st_size, info.st_mtime_ns)
        expect_early(key, stamp, limits, functools.partial(_handed_back, parsed, stamp))
        validation: Future = Future()
        parsed.add_done_callback(functools.partial(_validate_parsed, _early_pool, validation, key, store))
        _early_task = (key, store, validation)
        return
    submit(_early_pool, _warm_up)
    parsed = _parse_early(key, limits)
    if parsed is None:
        return  # the audit reads it again and reports why
    handed = _marshalled(parsed)
    _early_task = (key, store, submit(_early_pool, _validate_in_worker, key, store, *([handed] if handed else [])))


def _validate_parsed(pool: ProcessPoolExecutor, validation: Future, key: str, store: tuple, parsed: Future) -> None:
    """Once the early parser is done (in its pool's thread): the validator process validates what it
    parsed, or reads the spec itself if it could not; `validation` gets the outcome. (A plain
    `pool.submit`: that process was forked already, for its warm-up, so nothing forks here.)"""
    try:
        handed = parsed.result() if not parsed.cancelled() and parsed.exception() is None else None
        task = pool.submit(_validate_in_worker, key, store, *([handed] if handed else []))
    except Exception as exc:  # the pool was shut down: the run ended, or validates otherwise
        _settle(validation, exc)
        return
    task.add_done_callback(lambda done: _settle(validation, done))


def _settle(validation: Future, outcome) -> None:
    """`validation` takes the outcome of a finished task (or an exception), unless it was cancelled
    meanwhile: then nobody waits for it."""
    try:
        if isinstance(outcome, BaseException):
            validation.set_exception(outcome)
        elif outcome.cancelled():
            validation.cancel()
        elif outcome.exception() is not None:
            validation.set_exception(outcome.exception())
        else:
            validation.set_result(outcome.result())
    except InvalidStateError:
        pass


def _parse_early(key: str, limits: Limits) -> tuple[tuple[int, int], Any] | None:
    """Read and parse the spec before any store exists, and leave the parse to the store that
    reads the same file within the same limits (in this process): (its stamp, the document), or
    None when it cannot be read or parsed."""
    read = read_early(key, limits)
    if read is None:
        return None
    text, stamp = read
    try:
        whole = without_collector(lambda: parse_document(text, key, limits))
    except DocumentError:
        return None
    expect_early(key, stamp, limits, lambda: whole)
    return stamp, whole


def _marshalled(parsed: tuple[tuple[int, int], Any]) -> tuple[tuple[int, int], bytes] | None:
    """(stamp, marshalled document) to hand to the other process; None for a value marshal cannot
    carry (a YAML timestamp): the other process then parses the file itself."""
    stamp, whole = parsed
    try:
        return stamp, marshal.dumps(whole)
    except ValueError:
        return None


def _handed_back(parsed: Future, stamp: tuple[int, int]):
    """The document the early worker parsed, if it read the file as this process found it (the
    store has compared that stamp with the file it reads); None: the store parses it itself."""
    try:
        result = parsed.result()
    except Exception:  # a worker that died: parsed here instead
        return None
    if result is None or result[0] != stamp:
        return None
    return without_collector(lambda: marshal.loads(result[1]))


def _size(store: DocumentStore, key: str) -> int:
    # From the file system: reading every text before the workers fork would make each of them
    # start with a copy of all of it.
    try:
        return os.path.getsize(key)
    except OSError:
        return 0


# -- workers --------------------------------------------------------------------------------------

def _parse_in_worker(key: str, limits: Limits) -> tuple[tuple[int, int], bytes] | None:
    """In the early worker: parse the spec, keep it for its validation, and hand it back marshalled
    (None when it cannot be read, parsed or marshalled: the audit then reads it itself and reports
    why)."""
    parsed = _parse_early(key, limits)
    return _marshalled(parsed) if parsed is not None else None


def _warm_up() -> None:
    from machaudit.sources.openapi import read_spec  # noqa: F401  (what a task needs first)
    from machaudit.sources.validate import _validator_class

    for version in ("2.0", "3.0", "3.1"):
        _validator_class(version)


_worker_fetchers: dict[tuple[Limits, tuple[str, ...]], object] = {}


def _validate_in_worker(key: str, store: tuple, handed: tuple | None = None) \
        -> tuple[Request | None, tuple, list[ValidationIssue]]:
    """Read the spec as the audit does, then validate it: (the request it amounts to, the (size,
    mtime) of each file it read, issues).
    A store per spec: a worker holds one spec's documents at a time, not all it has validated.
    `handed`: what `start_early` parsed of the spec file: (stamp, marshalled document)."""
    from machaudit.sources.openapi import read_spec, validatable

    roots, limits, allow_remote, allow_hosts, ref_map = store
    if handed is not None:
        stamp, marshalled = handed
        document = without_collector(lambda: marshal.loads(marshalled))
        expect_early(key, stamp, limits, lambda: document)
    if allow_remote and (limits, allow_hosts) not in _worker_fetchers:
        from machaudit.sources.remote import make_fetcher

        _worker_fetchers[limits, allow_hosts] = make_fetcher(limits, allow_hosts=allow_hosts)
    fetch = _worker_fetchers.get((limits, allow_hosts)) if allow_remote else None
    spec_store = DocumentStore(list(roots), limits, fetch, allow_remote, ref_map)
    for shared_key, (stamp, shared_limits, document) in _shared_documents.items():
        if shared_key != key:
            expect_early(shared_key, stamp, shared_limits, functools.partial(_same, document))
    spec = read_spec(spec_store, key)
    if not validatable(spec):
        return None, (), []
    request = request_for(spec)
    issues = _validate_located(spec_store, request)
    _keep_shared(spec_store, request)
    return request, tuple(spec_store.stamp(f) for f in request.files), issues


# In a worker: large documents that specs reference besides their own file (a shared schema
# library), kept parsed for the next specs this worker validates instead of parsed for each.
_shared_documents: OrderedDict[str, tuple[tuple[int, int], Limits, object]] = OrderedDict()
SHARED_MIN_BYTES = 256 * 1024
SHARED_KEPT = 8


def _same(document):
    return document


def _keep_shared(store: DocumentStore, request: Request) -> None:
    for key in request.files[1:]:
        stamp = store.stamp(key)
        if stamp is None or stamp[0] < SHARED_MIN_BYTES:
            continue
        try:
            _shared_documents[key] = (stamp, store.limits, store.load(key))
        except DocumentError:
            continue
        _shared_documents.move_to_end(key)
        while len(_shared_documents) > SHARED_KEPT:
            _shared_documents.popitem(last=False)


def _validate_located(store: DocumentStore, request: Request) -> list[ValidationIssue]:
    """Issues with their file/line already found: where the texts are, in parallel, and cached."""
    issues = validate(store, request.key, store.load(request.key), request.version, request.refs_ok)
    return [replace(i, location=locate(store, request.key, i.pointer)) for i in issues]


# -- cache ------------------------------------------------------------------------------------------

@functools.cache
def _tool_identity() -> tuple[str, ...]:
    """What decides validation results besides the files: the versions of the validator and its
    schema libraries (which of them is the backend follows from these) and the settings that pick
    a backend. Looked up once per run, without importing the validator into this process."""
    from importlib.metadata import PackageNotFoundError, version

    versions = []
    for package in ("openapi-spec-validator", "openapi-schema-validator", "jsonschema", "jsonschema-rs"):
        try:
            versions.append(f"{package}={version(package)}")
        except PackageNotFoundError:
            versions.append(f"{package}=-")
    # machaudit's own reading and validating code, for builds that share a version number
    code = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        info = path.stat()
        code.update(f"{path.name}:{info.st_size}:{info.st_mtime_ns}\0".encode())
    versions.append(f"code={code.hexdigest()}")
    settings = [f"{name}={value}" for name, value in sorted(os.environ.items())
                if name.startswith("OPENAPI_SPEC_VALIDATOR_") or name == "MACHAUDIT_VALIDATOR_SPEEDUPS"]
    return (__version__, *versions, *settings)


def _digest(store: DocumentStore, request: Request) -> str:
    """Hash of what decides the result: tool versions, the spec's key and every file it reads."""
    digest = hashlib.sha256()
    # The working folder too: cached locations hold file names as shown, relative to it.
    for part in (*_tool_identity(), request.version, str(request.refs_ok), request.key, os.getcwd(),
                 str(store.limits.validation_steps)):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    for key in request.files:
        try:
            digest.update(key.encode("utf-8", "surrogateescape") + b"\0" + store.text(key).encode("utf-8", "surrogatepass") + b"\0")
        except DocumentError:
            return ""  # an unreadable file: do not cache
    return digest.hexdigest()


def _root_request(key: str) -> Request:
    """The root file alone: its digest (with the tool versions) keys what the spec read last time."""
    return Request(key, "", False, (key,))


def _cache_file(cache_dir: Path, digest: str, kind: str = "validation") -> Path:
    return cache_dir / kind / digest[:2] / f"{digest}.json"


def _read_cache(cache_dir: Path, digest: str) -> list[ValidationIssue] | None:
    """The issues cached under `digest`, or None when missing or not exactly what `_write_cache`
    writes (a damaged or forged entry is validated afresh, never reported)."""
    try:
        data = json.loads(_cache_file(cache_dir, digest).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, list):
        return None
    issues = []
    for item in data:
        if not (isinstance(item, dict) and set(item) == _CACHED_FIELDS
                and all(isinstance(item[k], str) for k in ("pointer", "message", "keyword", "file", "at"))
                and all(item[k] is None or (type(item[k]) is int and item[k] >= 0) for k in ("line", "column"))):
            return None
        issues.append(ValidationIssue(item["pointer"], item["message"],
                                      Location(item["file"], item["at"], item["line"], item["column"]),
                                      keyword=item["keyword"]))
    return issues


_CACHED_FIELDS = {"pointer", "message", "keyword", "file", "at", "line", "column"}


def _write_cache(cache_dir: Path, digest: str, issues: list[ValidationIssue]) -> None:
    _write_json(_cache_file(cache_dir, digest), [
        {"pointer": i.pointer, "message": i.message, "keyword": i.keyword, "file": i.location.file, "at": i.location.pointer,
         "line": i.location.line, "column": i.location.column}
        for i in issues])


def _write_json(path: Path, data) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home must not fail the audit
