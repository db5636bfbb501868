"""What a `$ref` names, worked out one way for everyone: the sources following references in files,
and the checks following them in the documents a spec has read (`spec_analysis.resolve`).

Pure functions: no file is read here.
"""

from __future__ import annotations

import functools
import os
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from machaudit.findings import split_pointer


def is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def split_ref(ref: str) -> tuple[str, str]:
    """(target document, JSON pointer in it) of a `$ref`; an empty target is the same document."""
    target, _, fragment = ref.partition("#")
    return target, unquote(fragment)


def join_key(base_key: str, target: str) -> str:
    """The key of the document `target` (a `$ref`'s part before '#') names, read from the document
    `base_key`: URLs joined as URLs, file paths against the base's folder."""
    if is_url(target) or is_url(base_key):
        return urldefrag(urljoin(base_key, target))[0]
    if urlsplit(target).scheme:
        return target  # some other scheme: whoever follows it refuses it
    return os.path.normpath(os.path.join(os.path.dirname(base_key), target))


@functools.lru_cache(maxsize=16384)
def pointer_parts(pointer: str) -> tuple[str, ...]:
    # The same few pointers (/components/schemas/Address) are followed hundreds of thousands of times.
    return tuple(split_pointer(pointer))


_MISSING = object()


def walk(data: Any, pointer: str, default: Any = _MISSING) -> Any:
    """The value a JSON pointer names in `data`; `default` (or KeyError) when it names nothing."""
    node = data
    for part in pointer_parts(pointer):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif default is _MISSING:
            raise KeyError(pointer)
        else:
            return default
    return node
