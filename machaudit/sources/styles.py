"""One place for the API definition styles: which reader reads a style, and which style a file
found in a folder is written in (from its name and text, before any parsing).

Every reader has the same shape: `read(store, key) -> Spec`, the spec's `style` set, its problems
as `SpecProblem`s (never an exception for bad input).
"""

from __future__ import annotations

import importlib
import re
from typing import Callable

from machaudit.model import STYLE_OF_TYPE, Spec, is_openapi_type
from machaudit.sources import asyncapi
from machaudit.sources.store import DocumentStore

Reader = Callable[[DocumentStore, str], Spec]
# style -> (module, reader function). The GraphQL and protobuf parsers are imported only when a file
# of their style is read: every run, `machaudit --version` included, would otherwise pay for them.
READERS: dict[str, tuple[str, str]] = {
    "openapi": ("machaudit.sources.openapi", "read_spec"),
    "graphql": ("machaudit.sources.graphql", "read_graphql"),
    "asyncapi": ("machaudit.sources.asyncapi", "read_asyncapi"),
    "grpc": ("machaudit.sources.grpc", "read_proto"),
}
DATA_SUFFIXES = (".yaml", ".yml", ".json")
GRAPHQL_SUFFIXES = (".graphql", ".graphqls", ".gql")
PROTO_SUFFIXES = (".proto",)
SUFFIXES = DATA_SUFFIXES + GRAPHQL_SUFFIXES + PROTO_SUFFIXES
_SDL_DEFINITION = re.compile(r"^\s*(?:extend\s+)?(?:type|schema|interface|input|enum|union|scalar|directive)\b", re.M)


def reader(style: str) -> Reader:
    module, function = READERS[style]
    return getattr(importlib.import_module(module), function)


def looks_like_sdl(text: str) -> bool:
    """Type definitions at the start of a line (a file of queries only is no schema)."""
    return bool(_SDL_DEFINITION.search(text))

_OPENAPI_YAML = re.compile(r"^['\"]?(?:openapi|swagger)['\"]?\s*:", re.M)
_OPENAPI_JSON = re.compile(r"\"(?:openapi|swagger)\"\s*:\s*\"")
_ASYNCAPI_YAML = re.compile(r"^['\"]?asyncapi['\"]?\s*:", re.M)
_ASYNCAPI_JSON = re.compile(r"\"asyncapi\"\s*:\s*\"")
_PROTO_SERVICE = re.compile(r"^\s*service\s+\w+\s*\{", re.M)


def style_of_type(api_type: str) -> str:
    """The style a catalog API type is read in; "" for types no reader reads (trpc, mcp-server …).
    Every type `model.is_openapi_type` calls OpenAPI (rest, http …) is read as OpenAPI."""
    api_type = api_type.lower()
    return STYLE_OF_TYPE.get(api_type) or ("openapi" if is_openapi_type(api_type) else "")


def style_of_suffix(key: str) -> str:
    """The style a file's name promises (YAML and JSON say nothing: "openapi", as before)."""
    name = key.lower()
    return "graphql" if name.endswith(GRAPHQL_SUFFIXES) else "grpc" if name.endswith(PROTO_SUFFIXES) else "openapi"


def read_definition(store: DocumentStore, key: str, style: str) -> Spec:
    spec = reader(style)(store, key)
    if style == "openapi" and not spec.version and store.parses(key) and asyncapi.asyncapi_version(store.load(key)):
        # A URL's style is guessed from its name before it is fetched: YAML or JSON may be AsyncAPI.
        return asyncapi.read_asyncapi(store, key)
    return spec


def sniff(key: str, text: str) -> tuple[str, str]:
    """(style, "") for a root definition, ("", why) for a file of a known API kind that is no root
    definition, ("", "") for anything else."""
    name = key.lower()
    if name.endswith(GRAPHQL_SUFFIXES):
        if looks_like_sdl(text):
            return "graphql", ""
        return "", "GraphQL operations, not a schema"
    if name.endswith(PROTO_SUFFIXES):
        return ("grpc", "") if _PROTO_SERVICE.search(text) else ("", "protobuf messages only, no service")
    is_json = name.endswith(".json")
    if (_OPENAPI_JSON if is_json else _OPENAPI_YAML).search(text):
        return "openapi", ""
    if (_ASYNCAPI_JSON if is_json else _ASYNCAPI_YAML).search(text):
        return "asyncapi", ""
    return "", ""
