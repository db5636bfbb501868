"""Reading untrusted YAML/JSON documents within bounds, and finding the line of a JSON pointer.

Parsing is the hot path, so it keeps no position information; line numbers are computed lazily
(`LineIndex`) only for the files that end up carrying findings.
"""

from __future__ import annotations

import bisect
import itertools
import json
import re
import sys
from typing import Any, Iterator

import yaml

from machaudit.findings import split_pointer, to_pointer
from machaudit.limits import Limits
from machaudit.sources.block_yaml import UNSURE, BlockOffsets, is_block_yaml

try:  # libyaml when present; the pure-Python loader otherwise
    _BaseLoader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _BaseLoader = yaml.SafeLoader


class SpecLoader(_BaseLoader):
    """Safe loader that keeps dates as strings (`version: 2024-01-01` is a string in OpenAPI)."""


SpecLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


# CloudFormation and SAM short forms (`!Ref Api`, `!Sub "${AWS::StackName}-api"`, `!GetAtt A.Arn`)
# read as the long forms they stand for ({"Ref": "Api"}, {"Fn::Sub": ...}, {"Fn::GetAtt": ["A", "Arn"]}),
# so a template or an `AWS::Include` fragment parses; any other local tag (`!foo`) is ignored and its
# value read plainly. Global tags (`!!python/object`) are still refused by the safe loader.
_CFN_WITHOUT_PREFIX = {"Ref", "Condition"}


def _short_form(loader: SpecLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    name = suffix.lstrip("!")
    if not name or not name[0].isupper() or not name.replace("::", "").isalnum():
        return value  # not a CloudFormation function: the value as written
    if name == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {name if name in _CFN_WITHOUT_PREFIX else f"Fn::{name}": value}


SpecLoader.add_multi_constructor("!", _short_form)


class DocumentError(Exception):
    """A document that cannot be read: message plus the parser's position when it has one."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def is_json_name(name: str) -> bool:
    return name.lower().endswith(".json")


def parse_document(text: str, name: str, limits: Limits = Limits(), notes: list[DocumentError] | None = None) -> Any:
    """Parse one JSON or YAML document (JSON by file name, never through the YAML parser).

    Two things in a readable document cannot be kept as written, and are read differently with a
    note (a DocumentError, not raised) appended to `notes`, which the caller reports as a finding:
    - an integer over Python's limit of digits for integers (`int_digits_limit`) is kept as the
      string of its digits (Python refuses to convert it, and no report could write it);
    - a lone UTF-16 surrogate (JSON `"\\ud800"`, not a character: no UTF-8 report can hold it) is
      replaced by U+FFFD, the Unicode replacement character.
    (A document that cannot be read at all raises DocumentError.)"""
    if len(text) > limits.max_bytes:
        raise DocumentError(f"file is {len(text):,} bytes, over the limit of {limits.max_bytes:,}")
    found: list[DocumentError] = []
    try:
        if is_json_name(name):
            # JSON has no aliases and only string keys; its parser refuses deep nesting itself.
            data = _parse_json(text, found)
        else:
            data = _parse_yaml(text, limits, found)
    except RecursionError:
        raise DocumentError(f"nesting deeper than the parser allows (limit {limits.max_depth})") from None
    data = _without_lone_surrogates(data, text, found)
    if notes is not None:
        notes.extend(found)
    return data


def parse_documents(text: str, name: str, limits: Limits = Limits(),
                    notes: list[DocumentError] | None = None) -> list[tuple[Any, int]]:
    """Parse a multi-document YAML stream (a Backstage catalog); returns (data, first line) pairs.
    What was read differently from its text is noted as `parse_document` notes it."""
    if len(text) > limits.max_bytes:
        raise DocumentError(f"file is {len(text):,} bytes, over the limit of {limits.max_bytes:,}")
    if is_json_name(name):
        return [(parse_document(text, name, limits, notes), 1)]
    out = []
    found: list[DocumentError] = []
    check_flow_depth(text, limits)
    try:
        loader = SpecLoader(text)
        loader.long_integers = []  # (digits, line) of integers over the limit: see _bounded_int
        try:
            while loader.check_node():
                node = loader.get_node()
                line = node.start_mark.line + 1 if node is not None else 1
                data = loader.construct_document(node) if node is not None else None
                out.append((_normalise(data, limits), line))
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(exc) from None
    except yaml.YAMLError as exc:
        raise DocumentError(f"YAML error: {exc}") from None
    except RecursionError:
        raise DocumentError(f"nesting deeper than the parser allows (limit {limits.max_depth})") from None
    if _LONE_SURROGATE_TEXT.search(text):  # libyaml refuses them; the pure-Python loader does not
        surrogates = 0
        for index, (data, line) in enumerate(out):
            data, count = _replace_lone_surrogates(data)
            out[index] = (data, line)
            surrogates += count
        found += _surrogates_note(surrogates, text)
    if notes is not None:
        notes.extend(_long_integers_note(loader) + found)
    return out


def _parse_json(text: str, notes: list[DocumentError]) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError(f"JSON error: {exc.msg}", exc.lineno, exc.colno) from None
    except ValueError:  # an integer over the limit of digits Python converts (it says no more)
        pass
    limit = int_digits_limit()
    long_ones: list[str] = []

    def bounded(digits: str) -> int | str:
        if len(digits) - digits.startswith("-") > limit:
            long_ones.append(digits)
            return digits
        return int(digits)

    try:
        data = json.loads(text, parse_int=bounded)
    except json.JSONDecodeError as exc:
        raise DocumentError(f"JSON error: {exc.msg}", exc.lineno, exc.colno) from None
    if long_ones:
        first = re.search(r"\d{%d,}" % (limit + 1), text)  # a string of digits may come first: rare, and only the line is off
        line = text.count("\n", 0, first.start()) + 1 if first else None
        notes.append(_long_integer_note(len(long_ones), len(long_ones[0].lstrip("-")), limit, line))
    return data


# --- what cannot be kept as written ------------------------------------------------------------

# Python refuses to convert integers of more digits than this (both ways: parsing and str()):
# sys.set_int_max_str_digits, PYTHONINTMAXSTRDIGITS, -X int_max_str_digits. Unlimited (0) is
# taken as the default limit: a million-digit integer costs seconds of quadratic arithmetic, and
# no API description needs one.
_DEFAULT_INT_DIGITS = 4300


def int_digits_limit() -> int:
    get = getattr(sys, "get_int_max_str_digits", None)
    return (get() if get else 0) or _DEFAULT_INT_DIGITS


def _long_integer_note(count: int, digits: int, limit: int, line: int | None) -> DocumentError:
    what = (f"an integer of {digits:,} digits kept as a string" if count == 1 else
            f"{count} integers kept as strings, the first of {digits:,} digits")
    return DocumentError(
        f"{what}: over the limit of {limit:,} digits Python converts to a number "
        f"(PYTHONINTMAXSTRDIGITS); quote {'it' if count == 1 else 'them'} if meant as text", line)


def _long_integers_note(loader: Any) -> list[DocumentError]:
    found = loader.long_integers
    return [_long_integer_note(len(found), found[0][0], int_digits_limit(), found[0][1])] if found else []


_BASE_INT = _BaseLoader.yaml_constructors["tag:yaml.org,2002:int"]
_LOG2_10 = 3.32  # a little under log2(10): an integer of fewer bits than digits * this fits in them


def _bounded_int(loader: Any, node: Any) -> int | str:
    """PyYAML's integer (`12`, `0x1f`, `1_000`, `190:20:30`) when it has no more digits than Python
    converts; the text as written otherwise, with a note. Its length is checked first: converting
    a megabyte of sexagesimal `1:2:3:…` is quadratic."""
    limit = int_digits_limit()
    text = node.value
    if len(text) <= limit + 1:  # a sign
        value = _BASE_INT(loader, node)
        if value.bit_length() <= limit * _LOG2_10:
            return value
    found = getattr(loader, "long_integers", None)
    if found is None or node.start_mark is None:
        raise ValueError("integer over the limit")  # the fast path: the composing one locates it
    found.append((len(text.lstrip("+-").replace("_", "")), node.start_mark.line + 1))
    return text


SpecLoader.add_constructor("tag:yaml.org,2002:int", _bounded_int)


# A lone surrogate in the text: a JSON or YAML escape of one half of a UTF-16 pair without the
# other (`\\ud800`, `\\U0000dc00`). A valid pair (`\\ud83d\\ude00`, an emoji as JSON.stringify
# writes it) does not match, so the data of most documents is never walked; the pattern starts with
# a backslash, which the regex engine looks for at C speed.
# What matches is checked in the data, which is the truth (an escaped backslash before `ud800`
# matches here, and is no surrogate). Texts are decoded from UTF-8, which holds no surrogates.
_LONE_SURROGATE_TEXT = re.compile(
    r"\\(?:u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])"
    r"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2}\\)u[dD][c-fC-F][0-9a-fA-F]{2}"
    r"|U0000[dD][89a-fA-F])"
)
_SURROGATE = re.compile(r"[\ud800-\udfff]")  # in a parsed str, a pair is one character: any is lone
_DIGIT_OR_DOT = bytes(0x30 if 0x30 <= i <= 0x39 else 0x2E for i in range(256))


def may_read_differently(text: str) -> bool:
    """Whether parsing this text may note something (`parse_document`): a quick look at the text
    (a run of digits over the limit is looked for among bytes, quicker than a regex over the text)."""
    if _LONE_SURROGATE_TEXT.search(text):
        return True
    digits = text.encode("utf-8", "surrogatepass").translate(_DIGIT_OR_DOT)
    return b"0" * (int_digits_limit() + 1) in digits


def _without_lone_surrogates(data: Any, text: str, notes: list[DocumentError]) -> Any:
    """The data with every lone surrogate in its strings and keys replaced by U+FFFD, and a note."""
    if _LONE_SURROGATE_TEXT.search(text) is None:
        return data
    data, count = _replace_lone_surrogates(data)
    notes.extend(_surrogates_note(count, text))
    return data


def _replace_lone_surrogates(data: Any) -> tuple[Any, int]:
    count = 0

    def fixed(value: str) -> str:
        nonlocal count
        new, n = _SURROGATE.subn("\ufffd", value)
        count += n
        return new

    if isinstance(data, str):
        data = fixed(data)
    seen: set[int] = set()
    stack = [data]
    while stack:
        node = stack.pop()
        if not isinstance(node, (dict, list)) or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            if any(type(k) is str and _SURROGATE.search(k) for k in node):
                items = [(fixed(k) if type(k) is str else k, v) for k, v in node.items()]
                node.clear()
                node.update(items)
            for key, value in node.items():
                if type(value) is str and _SURROGATE.search(value):
                    node[key] = fixed(value)
                else:
                    stack.append(value)
        else:
            for index, value in enumerate(node):
                if type(value) is str and _SURROGATE.search(value):
                    node[index] = fixed(value)
                else:
                    stack.append(value)
    return data, count


def _surrogates_note(count: int, text: str) -> list[DocumentError]:
    if not count:
        return []
    first = _LONE_SURROGATE_TEXT.search(text)
    line = text.count("\n", 0, first.start()) + 1 if first else None
    what = "a lone surrogate" if count == 1 else f"{count} lone surrogates"
    return [DocumentError(
        f"{what} (half of a UTF-16 pair, such as \\ud800, which is no character and which no UTF-8 "
        "report can hold) replaced by U+FFFD, the replacement character", line)]


_FLOW_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|[\[\]{}]')
_DELTA = {"[": 1, "{": 1, "]": -1, "}": -1}
# libyaml copes with a few thousand levels; only documents with more brackets than this are scanned.
FLOW_SCAN_THRESHOLD = 2000


def check_flow_depth(text: str, limits: Limits) -> None:
    """Refuse deeply nested flow collections (`[[[[…`) before libyaml composes them: its composer
    recurses in C, and tens of thousands of levels crash the process instead of raising. (Depth
    beyond `max_depth` but within what libyaml survives is refused after parsing, by `_normalise`.)"""
    if text.count("[") + text.count("{") <= FLOW_SCAN_THRESHOLD:
        return
    deltas = [_DELTA.get(token, 0) for token in _FLOW_TOKEN.findall(text)]  # quoted strings count 0
    if max(itertools.accumulate(deltas), default=0) > limits.max_depth:
        raise DocumentError(f"nesting deeper than {limits.max_depth} levels")


def _parse_yaml(text: str, limits: Limits, notes: list[DocumentError]) -> Any:
    """The document within bounds, mapping keys made strings (`_normalise`, or built so)."""
    fast = _parse_yaml_fast(text, limits)  # events only: libyaml's parser does not recurse
    if fast is not _NOT_FAST:
        return fast
    check_flow_depth(text, limits)  # before PyYAML's composer, which does
    loader = SpecLoader(text)
    loader.long_integers = []  # (digits, line) of integers over the limit: see _bounded_int
    try:
        if not loader.check_node():
            return None
        node = loader.get_node()
        data = loader.construct_document(node) if node is not None else None
        if loader.check_node():
            extra = loader.get_node()
            line = extra.start_mark.line + 1 if extra is not None else None
            raise DocumentError("more than one YAML document in a spec file", line)
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(exc) from None
    except yaml.YAMLError as exc:
        raise DocumentError(f"YAML error: {exc}") from None
    finally:
        loader.dispose()
    notes.extend(_long_integers_note(loader))
    return _normalise(data, limits)


# --- the fast YAML path -----------------------------------------------------------------------------
#
# libyaml scans and parses in C, but PyYAML then composes a tree of node objects and constructs
# Python values from it in Python: most of the time of reading a large spec. Here the values are built straight
# from libyaml's events, with PyYAML's own resolver and scalar constructors, so they are the same
# values (tests/test_yaml_fast_path.py compares both ways on every YAML file of the corpus).
# What this does not do (anchors and aliases, tags, merge keys, complex keys, several documents,
# directives, errors) takes the PyYAML way, which words the errors too.

_NOT_FAST = object()
_RESOLVER = SpecLoader("")
_STR = "tag:yaml.org,2002:str"
_PLAIN_CONSTRUCTORS = {tag: _RESOLVER.yaml_constructors[tag] for tag in (
    "tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")}


def _parse_yaml_fast(text: str, limits: Limits) -> Any:
    """The document as PyYAML reads it, within the bounds `_normalise` enforces and with keys made
    strings as it makes them, or _NOT_FAST (then PyYAML and `_normalise` decide, and word errors).

    The hot loop of parsing (a large spec is hundreds of thousands of events): the collection being filled and its
    pending key are locals; the enclosing ones wait on a stack."""
    may_resolve = _RESOLVER.yaml_implicit_resolvers  # first characters of non-string plain scalars
    plain: dict[str, Any] = {}  # plain scalars resolved so far: their values (immutable)
    resolve, scalar_node = _RESOLVER.resolve, yaml.ScalarNode
    scalar_event, mapping_start, sequence_start = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
    mapping_end, sequence_end = yaml.MappingEndEvent, yaml.SequenceEndEvent
    max_depth, max_nodes = limits.max_depth, limits.max_nodes
    enclosing: list[tuple[Any, bool, bool]] = []  # (collection, is a list, has non-string keys)
    container: Any = None  # the collection being filled (None: the document itself)
    is_list = odd_keys = False
    key: Any = _NOT_FAST  # in a mapping: the key read, waiting for its value
    root: Any = None
    documents = 0
    values = 1  # containers and values, counted as `_normalise` counts them (without aliases)
    loader = SpecLoader(text)
    next_event = loader.get_event
    try:
        while True:
            event = next_event()
            if event is None:
                break
            kind = event.__class__
            if kind is scalar_event:
                if event.anchor is not None or event.tag is not None:
                    return _NOT_FAST
                value = event.value
                if event.style == "" and (not value or value[0] in may_resolve):
                    resolved = plain.get(value, _NOT_FAST)  # `type`, `true`, `200` come back again and again
                    if resolved is _NOT_FAST:
                        tag = resolve(scalar_node, value, (True, False))
                        if tag == _STR:
                            resolved = value
                        else:
                            construct = _PLAIN_CONSTRUCTORS.get(tag)
                            if construct is None:
                                return _NOT_FAST  # merge key `<<`, `=`
                            resolved = construct(_RESOLVER, scalar_node(tag, value))
                        plain[value] = resolved
                    value = resolved
            elif kind is mapping_start or kind is sequence_start:
                if event.anchor is not None or event.tag is not None or len(enclosing) >= max_depth:
                    return _NOT_FAST
                value = {} if kind is mapping_start else []
            elif kind is mapping_end or kind is sequence_end:
                if odd_keys:  # `200:` -> "200", as _normalise does
                    fixed = {_key(k): v for k, v in container.items()}
                    container.clear()
                    container.update(fixed)
                container, is_list, odd_keys = enclosing.pop()
                continue
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1 or event.version or event.tags:
                    return _NOT_FAST
                continue
            elif kind is yaml.AliasEvent:
                return _NOT_FAST
            else:
                continue  # stream start and end, document end
            if container is None:
                root = value
            elif is_list:
                container.append(value)
                values += 1
            elif key is _NOT_FAST:  # a key
                if kind is not scalar_event:
                    return _NOT_FAST  # a complex key, which PyYAML refuses
                key = value
                if type(value) is not str:
                    odd_keys = True
                continue
            else:
                container[key] = value  # a duplicate key: the last value, as PyYAML
                key = _NOT_FAST
                values += 1
            if values > max_nodes:
                return _NOT_FAST
            if kind is not scalar_event:
                enclosing.append((container, is_list, odd_keys))
                container, is_list, odd_keys = value, kind is sequence_start, False
    except (yaml.YAMLError, RecursionError, ValueError, TypeError):
        return _NOT_FAST
    finally:
        loader.dispose()
    return root


def _yaml_error(exc: yaml.MarkedYAMLError) -> DocumentError:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or "invalid YAML"
    context = f" ({exc.context})" if exc.context else ""
    line = mark.line + 1 if mark else None
    column = mark.column + 1 if mark else None
    return DocumentError(f"YAML error: {problem}{context}", line, column)


def _normalise(data: Any, limits: Limits) -> Any:
    """Enforce depth and expanded-size bounds; turn non-string mapping keys (`200:`) into strings.

    Sizes and heights are computed bottom-up once per distinct container, so a "billion laughs"
    document (tiny, but huge once aliases are expanded) is measured in microseconds; iterative,
    so a 10,000-deep document cannot overflow the stack.
    """
    if not isinstance(data, (dict, list)):
        return data
    measured: dict[int, tuple[int, int]] = {}  # id -> (expanded size, height)
    open_ids: set[int] = set()
    stack: list[tuple[Any, bool]] = [(data, False)]
    while stack:
        node, children_done = stack.pop()
        node_id = id(node)
        if node_id in measured:
            continue
        if isinstance(node, dict) and not all(type(k) is str for k in node):
            fixed = {_key(k): v for k, v in node.items()}
            node.clear()
            node.update(fixed)
        values = node.values() if isinstance(node, dict) else node
        if not children_done:
            if node_id in open_ids:
                raise DocumentError("document contains itself through a YAML alias (recursive structure)")
            open_ids.add(node_id)
            stack.append((node, True))
            for child in values:
                if isinstance(child, (dict, list)):
                    if id(child) in open_ids:
                        raise DocumentError("document contains itself through a YAML alias (recursive structure)")
                    if id(child) not in measured:
                        stack.append((child, False))
            if len(open_ids) > limits.max_depth:
                raise DocumentError(f"nesting deeper than {limits.max_depth} levels")
            continue
        open_ids.discard(node_id)
        size, height = 1, 1
        for child in values:
            if isinstance(child, (dict, list)):
                child_size, child_height = measured[id(child)]
                size += child_size
                height = max(height, child_height + 1)
            else:
                size += 1
        if height > limits.max_depth:
            raise DocumentError(f"nesting deeper than {limits.max_depth} levels")
        if size > limits.max_nodes:
            raise DocumentError(
                f"document expands to more than {limits.max_nodes:,} values once YAML aliases are "
                "followed (an alias bomb?)"
            )
        measured[node_id] = (size, height)
    return data


def _key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    return str(key)


def iter_mappings(data: Any, skip_extensions: bool = False) -> Iterator[tuple[Any, dict]]:
    """(link, mapping) for every mapping in a document, each object once (aliases shared).

    It runs over every node of every spec, so it keeps a link to the parent, not a pointer string
    per node: `pointer_of(link)` spells the JSON pointer where one is wanted."""
    seen: set[int] = set()
    stack: list[tuple[Any, Any]] = [(data, None)]  # (node, (parent link, key) or None for the root)
    pop, push = stack.pop, stack.append
    while stack:
        node, link = pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            yield link, node
            for key, value in node.items():
                if isinstance(value, (dict, list)) and not (
                        skip_extensions and isinstance(key, str) and key.startswith("x-")):
                    push((value, (link, key)))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                if isinstance(value, (dict, list)):
                    push((value, (link, index)))


def pointer_of(link: Any) -> str:
    keys = []
    while link is not None:
        link, key = link
        keys.append(key)
    return to_pointer(reversed(keys))


# --- line numbers for JSON pointers ------------------------------------------------------------


class LineIndex:
    """Maps JSON pointers of one document to (line, column), both 1-based. Built on first use."""

    def __init__(self, text: str, name: str, multi: bool = False):
        self._text = text
        self._json = _JsonOffsets(text) if is_json_name(name) else None
        self._multi = multi  # a YAML stream: pointers start with the document index, "/0/spec/owner"
        self._positions: dict[str, tuple[int, int]] | None = None
        self._block: Any = None  # BlockOffsets, or _NOT_BLOCK
        self._line_starts: list[int] | None = None
        self._counted = 0

    def position(self, pointer: str, exact: bool = False) -> tuple[int, int] | None:
        """Position of the pointer, or of its deepest existing ancestor; with `exact`, None unless
        the document has the pointer as written."""
        parts = split_pointer(pointer)
        if self._json is not None:
            offset = self._json.offset(parts, exact)
            return None if offset is None else self._line_column(offset)
        if not self._multi:  # block YAML read from its lines, where they tell (block_yaml.py)
            if self._block is None:
                self._block = BlockOffsets(self._text) if is_block_yaml(self._text) else _NOT_BLOCK
            offset = UNSURE if self._block is _NOT_BLOCK else self._block.offset(parts, exact)
            if offset is not UNSURE:
                return None if offset is None else self._line_column(offset)
        if self._positions is None:
            self._positions = _yaml_positions(self._text, self._multi)
        while True:
            found = self._positions.get(_join(parts))
            if found is not None or not parts or exact:
                return found
            parts = parts[:-1]

    def _line_column(self, offset: int) -> tuple[int, int]:
        if self._line_starts is None:
            if self._counted < _COUNTED_LOOKUPS:  # a few lookups: count the lines before it, in C
                self._counted += 1
                return self._text.count("\n", 0, offset) + 1, offset - self._text.rfind("\n", 0, offset)
            # many: every line start once, every step in C (a few milliseconds for a 3 MB spec)
            self._line_starts = [0, *itertools.accumulate(map((1).__add__, map(len, self._text.split("\n"))))]
        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1


_NOT_BLOCK: Any = object()  # a YAML text whose lines do not map its structure reliably
_COUNTED_LOOKUPS = 8  # a file's first line lookups count newlines; after these, its line starts are listed


def _join(parts: list[str]) -> str:
    return "".join("/" + p for p in parts)


def _yaml_positions(text: str, multi: bool) -> dict[str, tuple[int, int]]:
    """Where each key or sequence item starts, from libyaml's event stream (no node tree: composing
    one is slow on large specs). A key's own line is where a reader looks for it. A duplicate
    key is located at its last occurrence, whose value is the one parsed; what an alias (`*name`)
    stands for is located at its anchor, the alias itself at its key or item."""
    positions: dict[str, tuple[int, int]] = {}
    # Frames of open collections: [path, is_mapping, expecting_key, next_index, value_path]
    frames: list[list[Any]] = []
    skipping = 0  # depth inside a complex (non-scalar) mapping key, which has no pointer
    document = -1
    loader = SpecLoader(text)
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.DocumentStartEvent):
                document += 1
                if document > 0 and not multi:
                    break
                continue
            is_start = isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent))
            is_end = isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent))
            if skipping:
                skipping += 1 if is_start else -1 if is_end else 0
                continue
            if is_end:
                frames.pop()
                continue
            if not isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent)) and not is_start:
                continue  # stream and document boundaries
            mark = event.start_mark
            where = (mark.line + 1, mark.column + 1)
            if not frames:
                path = f"/{document}" if multi else ""
            else:
                frame = frames[-1]
                if frame[1] and frame[2]:  # a mapping key
                    frame[2] = False
                    if isinstance(event, yaml.ScalarEvent):
                        frame[4] = frame[0] + "/" + str(event.value)
                        positions[frame[4]] = where
                    else:
                        frame[4] = None
                        skipping = 1 if is_start else 0
                    continue
                if frame[1]:  # the value of the key just read, located at its key
                    frame[2] = True
                    path = frame[4]
                    if path is None:  # the value of a complex key
                        skipping = 1 if is_start else 0
                        continue
                else:
                    path = f"{frame[0]}/{frame[3]}"
                    frame[3] += 1
                    positions[path] = where
            if not frames:
                positions[path] = where
            if is_start:
                frames.append([path, isinstance(event, yaml.MappingStartEvent), True, 0, None])
    except (yaml.YAMLError, RecursionError):
        pass  # what was read so far is located; the rest falls back to its ancestors
    finally:
        loader.dispose()
    return positions


_JSON_SPACE = re.compile(r"[ \t\n\r]*")


class _JsonOffsets:
    """Where each key or array item of a JSON text starts, found along the pointer asked for.

    Only the containers on a pointer's way are read, and each only as far as the member asked for
    (read on later, from there, for another): sibling values are skipped by the C JSON scanner
    (`raw_decode`), so a finding deep in a large spec costs a few scans at C speed instead of a
    Python pass over every token, and `/paths/...` does not decode `components` behind it. A
    duplicate key is located at its last occurrence, whose value was parsed: a member found is
    taken at once only when its key's text does not occur again further on. The text parsed as
    JSON before we get here."""

    def __init__(self, text: str):
        self._text = text
        self._decoder = json.JSONDecoder()
        self._containers: dict[int, _JsonContainer] = {}  # container offset -> what was read of it
        self._last_seen: dict[str, int] = {}  # key -> where its text occurs last in the document

    def offset(self, parts: list[str], exact: bool = False) -> int | None:
        root = _JSON_SPACE.match(self._text, 0).end()
        if root >= len(self._text):
            return None
        found, value = root, root
        for part in parts:
            child = self._member(value, part)
            if child is None:
                if exact:
                    return None
                break  # the deepest existing ancestor
            found, value = child
        return found

    def _member(self, start: int, part: str) -> tuple[int, int] | None:
        """(where the member starts, where its value starts) of the container at `start`."""
        container = self._containers.get(start)
        if container is None:
            container = self._containers[start] = _JsonContainer(self._text, start)
        try:
            try:
                return self._read_to(container, part)
            except json.JSONDecodeError:
                raise
            except ValueError:  # an integer over Python's limit (kept as a string when parsed)
                self._decoder = json.JSONDecoder(parse_int=str)
                return self._read_to(container, part)
        except (ValueError, IndexError):  # not JSON after all: nothing below is located
            container.done = True
            container.members.clear()
            return None

    def _read_to(self, container: "_JsonContainer", part: str) -> tuple[int, int] | None:
        found = container.members.get(part)
        if found is not None and (container.done or container.is_array or self._last(part, found[1])):
            return found
        text, space, decode = self._text, _JSON_SPACE, self._decoder.raw_decode
        while not container.done:
            at = container.at
            if container.value is not None:  # the value of the member read last: skip it
                _, end = decode(text, container.value)
                container.value = None
                at = space.match(text, end).end()
                if text[at] == ",":
                    at = space.match(text, at + 1).end()
                elif text[at] != container.closer:
                    raise ValueError("',' expected")
            if text[at] == container.closer:
                container.done = True
                break
            if container.is_array:
                key, value = str(container.count), at
                container.count += 1
            else:
                key, after = decode(text, at)
                colon = space.match(text, after).end()
                if text[colon] != ":":
                    raise ValueError("':' expected")
                value = space.match(text, colon + 1).end()
            key = str(key)
            container.members[key] = (at, value)  # a duplicate key: the later one replaces it
            container.at, container.value = at, value
            if key == part and (container.is_array or self._last(part, value)):
                return container.members[key]
        return container.members.get(part)

    def _last(self, key: str, after: int) -> bool:
        """No member of this name can follow: its key's text does not occur after `after`."""
        last = self._last_seen.get(key)
        if last is None:
            last = self._last_seen[key] = self._text.rfind(json.dumps(key, ensure_ascii=False))
        return last < after


class _JsonContainer:
    """What was read of one JSON object or array: its members so far and where reading goes on."""

    __slots__ = ("closer", "is_array", "members", "at", "value", "count", "done")

    def __init__(self, text: str, start: int):
        opener = text[start] if start < len(text) else ""
        self.is_array = opener == "["
        self.closer = "]" if self.is_array else "}"
        self.members: dict[str, tuple[int, int]] = {}
        self.at = _JSON_SPACE.match(text, start + 1).end() if opener in ("{", "[") else start
        self.value: int | None = None  # the start of the last member's value, not yet skipped
        self.count = 0
        self.done = opener not in ("{", "[")
