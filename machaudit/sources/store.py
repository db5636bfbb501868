"""The one place that reads files and URLs: a cache of texts and parsed documents, confined to roots."""

from __future__ import annotations

import errno
import gc
import marshal
import os
import stat
import zlib
from collections import OrderedDict, deque
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Callable
from urllib.parse import unquote, urlsplit

from machaudit.findings import Location
from machaudit.references import is_url, join_key
from machaudit.sources.documents import DocumentError, LineIndex, may_read_differently, parse_document
from machaudit.limits import Limits


# Findings arrive grouped by file (see engine): a few indexes cover the files being located.
_LINE_INDEXES_KEPT = 16


class DocumentStore:
    """Reads documents by key (absolute path or http(s) URL), each once.

    Local reads are confined to the audited roots; URLs are read only through `fetch`, which is
    given only when the user allowed the network (explicit URL arguments or `--allow-remote`).
    """

    def __init__(
        self,
        roots: list[Path],
        limits: Limits = Limits(),
        fetch: Callable[[str], str] | None = None,
        allow_remote_refs: bool = False,
        ref_map: tuple[tuple[str, str], ...] = (),
    ):
        self.roots = [r.resolve() for r in roots]
        # `[refs] map` / --ref-map: URL prefix -> local folder, longest prefix first. A mapped URL
        # is the local file from then on (key, line numbers, findings); the folders are readable
        # as the roots are (the configuration decided which folders a map may name).
        self.ref_map = tuple(sorted(((prefix, os.path.realpath(folder)) for prefix, folder in ref_map),
                                    key=lambda pair: -len(pair[0])))
        self._mapped_folders = [Path(folder) for _, folder in self.ref_map]
        self.limits = limits
        self.fetch = fetch
        self.allow_remote_refs = allow_remote_refs
        # Texts of local files are held only until `release`d (on large portfolios they were a
        # tenth of the memory); positions are then found in the file read again, if unchanged.
        self._texts: dict[str, str] = {}
        self._stamps: dict[str, tuple[int, int]] = {}  # local file -> (size, mtime) when first read
        self._known: dict[str, None] = {}  # every key whose text was read, in reading order
        self._inside: dict[str, bool] = {}
        self._displays: dict[str, str] = {}
        self._data: dict[str, Any] = {}  # parsed and not shelved
        # Parsed documents no spec is reading are kept marshalled and compressed (a twentieth of
        # their size as objects; bringing one back is 5x quicker than parsing it): see `shelve`
        # and SpecDocuments.
        self._shelf: dict[str, bytes] = {}
        self._shelf_sizes: dict[str, int] = {}  # marshalled, before compression
        self._unshelved: OrderedDict[str, Any] = OrderedDict()  # the few brought back last
        self._readers: dict[int, SpecDocuments] = {}  # in the order they were brought back
        self._recent: deque[int] = deque(maxlen=_RECENT_KEPT)  # the readers read last, last last
        self._held_bytes = 0  # what the readers hold, in marshalled bytes
        self.kept_bytes = limits.parsed_documents_mb * 2**20
        self._errors: dict[str, DocumentError] = {}
        self._notes: dict[str, list[DocumentError]] = {}  # what parsing read differently (`notes`)
        self._lines: OrderedDict[str, LineIndex | None] = OrderedDict()  # the most recently used few
        self._by_display: dict[str, str] | None = None
        self._origins: dict[str, tuple[str, int, int]] = {}

    # -- keys and display ------------------------------------------------------------------

    @staticmethod
    def key_for(path: str | Path) -> str:
        """Absolute, normalised, symlinks kept: reports name the file the user sees; where a
        link really leads is checked when reading."""
        text = str(path)
        return text if is_url(text) else os.path.abspath(text)

    def display(self, key: str) -> str:
        shown = self._displays.get(key)
        if shown is None:  # asked for every finding: each key worked out once
            try:
                shown = key if is_url(key) else os.path.relpath(key)
            except ValueError:  # another drive on Windows
                shown = key
            # A file name that is not UTF-8 comes from the OS with its bytes as lone surrogates,
            # which no UTF-8 report can hold: shown with U+FFFD for them (the key still opens it).
            shown = self._displays[key] = shown.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        return shown

    def inside_roots(self, key: str) -> bool:
        if is_url(key):
            return True
        if key not in self._inside:  # asked for every $ref and every read: resolve each path once
            if "\0" in key:  # no file is named so (and os calls raise ValueError on it)
                self._inside[key] = False
                return False
            # os.path.realpath, not Path.resolve: that raises RuntimeError on a symlink loop; this
            # stops at the loop, inside the roots if the loop is, where reading it says ELOOP.
            path = Path(os.path.realpath(key))
            self._inside[key] = any(path == root or root in path.parents
                                    for root in (*self.roots, *self._mapped_folders))
        return self._inside[key]

    def join(self, base_key: str, reference: str) -> str:
        """Resolve a relative reference (without fragment) against a document key."""
        key = join_key(base_key, reference)
        return self.map_url(key) if self.ref_map and is_url(key) else key

    def map_url(self, key: str) -> str:
        """The local file a URL is mapped to by the ref map, or the URL itself."""
        for prefix, folder in self.ref_map:
            if key.startswith(prefix):
                rest = unquote(key[len(prefix):].partition("#")[0].partition("?")[0]).lstrip("/")
                mapped = os.path.normpath(os.path.join(folder, rest))
                # `..` may not climb out of the folder the map names
                return mapped if mapped == folder or mapped.startswith(folder + os.sep) else key
        return key

    # -- reading ---------------------------------------------------------------------------

    def text(self, key: str) -> str:
        if key in self._texts:
            return self._texts[key]
        if is_url(key):
            if self.fetch is None:
                raise DocumentError("remote documents are not fetched (use --allow-remote)")
            text = self.fetch(key)
        else:
            text = self._read_local(key)
        self._texts[key] = text
        self._known[key] = None
        return text

    def stamp(self, key: str) -> tuple[int, int] | None:
        """(size, mtime) of a local file when it was first read; None if it was not."""
        return self._stamps.get(key)

    def files_read(self) -> list[str]:
        """Every local file whose text was read, in reading order."""
        return [key for key in self._known if not is_url(key)]

    def release(self, keys) -> None:
        """Forget the texts of these local files (parsed documents stay): read again, if unchanged,
        when asked for."""
        for key in keys:
            if key in self._stamps:
                self._texts.pop(key, None)

    def _read_local(self, key: str) -> str:
        path = Path(key)
        if "\0" in key:
            raise DocumentError("the file name holds a NUL character (\\0), which no file name can; not read")
        if not self.inside_roots(key):  # keys are resolved: a symlink out of the root lands here
            raise DocumentError("resolves outside the audited folders (a symlink?); not read")
        try:
            info = path.stat()
            if stat.S_ISDIR(info.st_mode):
                raise DocumentError("is a directory, not a file; not read")
            if not stat.S_ISREG(info.st_mode):
                raise DocumentError("not a regular file (a pipe, device or socket); not read")
            if info.st_size > self.limits.max_bytes:
                raise DocumentError(f"file is {info.st_size:,} bytes, over the limit of {self.limits.max_bytes:,}")
            stamp = self._stamps.setdefault(key, (info.st_size, info.st_mtime_ns))
            if stamp != (info.st_size, info.st_mtime_ns):  # read again after `release`
                raise DocumentError("file changed while being audited")
            with path.open("rb") as handle:  # never more than the limit, whatever stat said
                raw = handle.read(self.limits.max_bytes + 1)
            if len(raw) > self.limits.max_bytes:
                raise DocumentError(f"file is over the limit of {self.limits.max_bytes:,} bytes")
        except FileNotFoundError:
            raise DocumentError("file not found") from None
        except IsADirectoryError:
            raise DocumentError("is a directory, not a file") from None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise DocumentError("a symlink loop (too many levels of symbolic links); not read") from None
            raise DocumentError(f"cannot read: {exc.strerror or exc}") from None
        return decode_text(raw)

    def load(self, key: str) -> Any:
        """Parsed document for a key; raises DocumentError (cached) when it cannot be read."""
        if key in self._data:
            return self._data[key]
        if key in self._shelf:
            return self._unshelve(key)
        if key in self._errors:
            raise self._errors[key]
        try:
            text = self.text(key)
            early = _parsed_early.pop(key, None)
            data = None
            notes: list[DocumentError] = []
            if early is not None and early[:2] == (self._stamps.get(key), self.limits) and not may_read_differently(text):
                data = early[2]()  # parsed before this store existed, from the same file (and nothing to note)
            if data is None:
                data = parse_document(text, urlsplit(key).path if is_url(key) else key, self.limits, notes)
        except DocumentError as exc:
            self._errors[key] = exc
            raise
        if notes:
            self._notes[key] = notes
        self._data[key] = data
        return data

    def notes(self, key: str) -> list[DocumentError]:
        """What parsing the document read differently from its text (a lone surrogate replaced, an
        integer over Python's limit kept as a string: see parse_document); [] before it is loaded."""
        return self._notes.get(key, [])

    def parses(self, key: str) -> bool:
        if key in self._data or key in self._shelf:
            return True
        try:
            self.load(key)
            return True
        except DocumentError:
            return False

    def put(self, key: str, text: str, origin: tuple[str, int, int] | None = None) -> None:
        """Register text obtained elsewhere: an inline catalog definition, whose positions are
        reported in the catalog file (origin: catalog key, line offset, column offset)."""
        self._texts[key] = text
        self._known[key] = None
        if origin:
            self._origins[key] = origin

    # -- positions -------------------------------------------------------------------------

    def key_of_display(self, display: str) -> str | None:
        """The key of a document read, from the name reports show for it."""
        if self._by_display is None or len(self._by_display) != len(self._known):
            self._by_display = {self.display(k): k for k in self._known}
        return self._by_display.get(display)

    def locate(self, key: str, pointer: str, multi: bool = False, exact: bool = False) -> Location | None:
        """Location with line/column of a pointer in a document, as written (a pointer that walks
        through `$ref`s is first followed by `refs.locate`); line omitted if unknown. With
        `exact`, None unless the document has the pointer as written."""
        display = self.display(key)
        index = self._line_index(key, multi)
        if index is None:
            return None if exact else Location(display, pointer)
        found = index.position(pointer, exact)
        if exact and found is None:
            return None
        if key in self._origins:
            origin, line_offset, column_offset = self._origins[key]
            found = found and (found[0] + line_offset, found[1] + column_offset)
            display = self.display(origin)
        if found is None:
            return Location(display, pointer)
        return Location(display, pointer, found[0], found[1])

    def locate_line(self, key: str, line: int | None, column: int | None = None) -> Location:
        """Location of a line (and column) of a document known by its line only, such as a parser's
        note; an inline catalog definition's is in its catalog file."""
        if key in self._origins:
            origin, line_offset, column_offset = self._origins[key]
            return Location(self.display(origin), "", line and line + line_offset, column and column + column_offset)
        return Location(self.display(key), "", line, column)

    def _line_index(self, key: str, multi: bool) -> LineIndex | None:
        if key in self._lines:
            self._lines.move_to_end(key)
            return self._lines[key]
        if key not in self._known:
            return None  # never read
        try:
            text = self._texts.get(key)
            if text is None:  # released: read for its positions, not kept
                text = self._read_local(key)
            index = LineIndex(text, urlsplit(key).path if is_url(key) else key, multi)
        except DocumentError:
            index = None  # gone or changed since it was read: the pointer alone locates it
        self._lines[key] = index
        if len(self._lines) > _LINE_INDEXES_KEPT:
            self._lines.popitem(last=False)
        return index

    # -- the shelf -----------------------------------------------------------------------------

    def shelve(self, keys) -> None:
        """Keep these parsed documents marshalled and compressed until read again (a spec has
        been read: its documents are needed again only when checks read it)."""
        for key in keys:
            if key in self._data:
                try:
                    marshalled = marshal.dumps(self._data[key])
                except ValueError:  # a value marshal cannot hold (a !!timestamp, say): stays parsed
                    continue
                self._shelf[key] = zlib.compress(marshalled, 1)
                self._shelf_sizes[key] = len(marshalled)
                del self._data[key]
        for reader in self._readers.values():
            reader.forget()
        self._readers.clear()
        self._recent.clear()
        self._held_bytes = 0

    def _unshelve(self, key: str) -> Any:
        if key in self._unshelved:
            self._unshelved.move_to_end(key)
            return self._unshelved[key]
        document = self._unshelved[key] = without_collector(lambda: marshal.loads(zlib.decompress(self._shelf[key])))
        if len(self._unshelved) > _UNSHELVED_KEPT:
            self._unshelved.popitem(last=False)
        return document

    def _reading(self, reader: "SpecDocuments", more_bytes: int) -> None:
        """A spec's documents are being read: while those held come to more than the budget, the
        spec brought back last forgets its documents, unless it is among the few read last (the
        one being read, and the one a check compares it with).

        Not the least recently read: checks read the specs in the same order, pass after pass,
        and that one is always the next a pass needs (a portfolio larger than the budget then
        brought every spec back in every pass). So the specs brought back first stay held for
        every pass, and the rest take turns."""
        key = id(reader)
        self._readers.setdefault(key, reader)
        if key in self._recent:
            self._recent.remove(key)
        self._recent.append(key)
        self._held_bytes += more_bytes
        while self._held_bytes > self.kept_bytes:
            victim = next((k for k in reversed(self._readers) if k not in self._recent), None)
            if victim is None:
                break
            forgotten = self._readers.pop(victim)
            self._held_bytes -= forgotten.held_bytes
            forgotten.forget()

    def shelved_size(self, key: str) -> int:
        return self._shelf_sizes.get(key, 0)


# key -> (size and mtime of the file when read, limits, a function giving its document or None):
# see `read_early` and `expect_early`.
_parsed_early: dict[str, tuple[tuple[int, int], Limits, Callable[[], Any]]] = {}


def read_early(key: str, limits: Limits = Limits()) -> tuple[str, tuple[int, int]] | None:
    """The text of a local file and its (size, mtime), read before the audit's store exists (the
    one large spec a CI job names, parsed while its validator process starts: see validation_runs.
    start_early). None when it is not a regular file of UTF-8 text within the limits."""
    try:
        info = os.stat(key)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limits.max_bytes:
            return None
        with open(key, "rb") as handle:
            return decode_text(handle.read(limits.max_bytes + 1)), (info.st_size, info.st_mtime_ns)
    except (OSError, ValueError, DocumentError):
        return None


# YAML 1.2 (5.2, "Character Encodings") tells UTF-16 and UTF-32 by their byte order mark or, without
# one, by the zero bytes around the first character (ASCII in every spec and catalog). Such text
# also decodes as UTF-8 when it is ASCII (zero bytes are valid UTF-8): a spec in UTF-16 without a
# mark was read as text full of NULs and silently taken for something else.
_WIDE_ENCODINGS = (
    (b"\x00\x00\xfe\xff", "UTF-32 (big-endian, with a byte order mark)"),
    (b"\xff\xfe\x00\x00", "UTF-32 (little-endian, with a byte order mark)"),
    (b"\xfe\xff", "UTF-16 (big-endian, with a byte order mark)"),
    (b"\xff\xfe", "UTF-16 (little-endian, with a byte order mark)"),
)


def _wide_encoding(raw: bytes) -> str:
    for mark, name in _WIDE_ENCODINGS:
        if raw.startswith(mark):
            return name
    head = raw[:4]
    if len(head) == 4 and head[:3] == b"\0\0\0" and head[3]:
        return "UTF-32 (big-endian, without a byte order mark)"
    if len(head) == 4 and head[0] and head[1:] == b"\0\0\0":
        return "UTF-32 (little-endian, without a byte order mark)"
    if len(head) >= 2 and head[0] == 0 and head[1]:
        return "UTF-16 (big-endian, without a byte order mark)"
    if len(head) >= 2 and head[0] and head[1] == 0:
        return "UTF-16 (little-endian, without a byte order mark)"
    return ""


def decode_text(raw: bytes) -> str:
    """The text of a file's bytes: UTF-8 (a byte order mark dropped), or DocumentError saying what it is."""
    wide = _wide_encoding(raw)
    if wide:
        raise DocumentError(
            f"text encoded as {wide}; machaudit reads UTF-8 only (as JSON requires, RFC 8259): "
            f"convert it, e.g. with iconv -f {wide.split()[0]} -t UTF-8", 1)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DocumentError("not UTF-8 text", line) from None


def expect_early(key: str, stamp: tuple[int, int], limits: Limits, document: Callable[[], Any]) -> None:
    """The file at `key`, as it was at `stamp`, was parsed within `limits` before any store existed
    (or in another process): the store that reads that same file within the same limits calls
    `document()` instead of parsing it, and parses it if that gives None."""
    _parsed_early[key] = (stamp, limits, document)


def without_collector(make: Callable[[], Any]) -> Any:
    """`make()` with the cyclic GC paused: a parsed or unmarshalled document is millions of new
    acyclic objects, which the collector would walk for nothing."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return make()
    finally:
        if was_enabled:
            gc.enable()


class SpecDocuments(Mapping):
    """The parsed documents one spec reads, by key, brought back from the store's shelf on first
    use and held while the spec is among those read last. A spec being read gets the same objects
    every time (checks keep `id()`s of schemas they have walked)."""

    def __init__(self, store: DocumentStore, keys):
        self._store = store
        self._keys = tuple(keys)
        self._held: dict[str, Any] = {}
        self.held_bytes = 0

    def get(self, key: str, default: Any = None) -> Any:  # checks ask for `spec.data` very often
        held = self._held.get(key, _MISSING)
        if held is _MISSING:
            if key not in self._keys:
                mapped = self._store.map_url(key) if self._store.ref_map and is_url(key) else key
                return default if mapped == key else self.get(mapped, default)
            held = self._held[key] = self._store.load(key)
            size = self._store.shelved_size(key)
            self.held_bytes += size
            self._store._reading(self, size)
        elif not self._store._recent or self._store._recent[-1] != id(self):
            self._store._reading(self, 0)
        return held

    def __getitem__(self, key: str) -> Any:
        held = self.get(key, _MISSING)
        if held is _MISSING:
            raise KeyError(key)
        return held

    def __iter__(self):
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key) -> bool:
        return key in self._keys

    def forget(self) -> None:
        self._held.clear()
        self.held_bytes = 0


_MISSING = object()
_RECENT_KEPT = 2  # specs read last, held whatever the budget: the one being read and one beside it
_UNSHELVED_KEPT = 4  # for positions and the validator, which load documents one by one
