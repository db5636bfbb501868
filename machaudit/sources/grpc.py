"""Read a protobuf file's services into a `Spec` of style "grpc", with proto-schema-parser.

proto-schema-parser is a pure-Python ANTLR grammar of proto2/proto3/editions that gives an AST
without compiling anything; grpcio-tools (protoc) would need every import on disk and a compiled
wheel to read one file. Each rpc becomes an operation: method "rpc", path "Service/Method" (the
package is the spec's title), its request message in `messages` and its response
message in `returns` (with "stream " before a streamed message).
"""

from __future__ import annotations

from antlr4.error.ErrorListener import ErrorListener
from proto_schema_parser import ast
from proto_schema_parser.parser import Parser

from machaudit.model import Operation, Spec, SpecProblem
from machaudit.sources.documents import DocumentError
from machaudit.sources.store import DocumentStore



class _Errors(ErrorListener):
    """ANTLR prints syntax errors to stderr and recovers; they are collected instead."""

    def __init__(self):
        self.found: list[tuple[int, int, str]] = []

    def syntaxError(self, recognizer, offendingSymbol, line, column, msg, e):  # noqa: N802 (ANTLR's name)
        self.found.append((line, column + 1, msg))


def _listen(errors: _Errors):
    def setup(recognizer):
        recognizer.removeErrorListeners()
        recognizer.addErrorListener(errors)
    return setup


def services(text: str) -> tuple[list[ast.Service], str, str, list[tuple[int, int, str]]]:
    """The services of a protobuf file, its package, its syntax or edition ("proto3", "2023"), and
    its syntax errors (line, column, message)."""
    errors = _Errors()
    try:
        parsed = Parser(setup_lexer=_listen(errors), setup_parser=_listen(errors)).parse(text)
    except (AttributeError, TypeError, ValueError):
        # The AST builder can fail on a tree ANTLR recovered from a syntax error: report that error.
        if not errors.found:
            raise
        parsed = None
    elements = parsed.file_elements if parsed is not None else []
    package = next((e.name for e in elements if isinstance(e, ast.Package)), "")
    syntax = (parsed.syntax or parsed.edition or "") if parsed is not None else ""
    return [e for e in elements if isinstance(e, ast.Service)], package, syntax.strip("'\""), errors.found


def read_proto(store: DocumentStore, key: str) -> Spec:
    display = store.display(key)
    try:
        text = store.text(key)
        found, package, syntax, errors = services(text)
    except DocumentError as exc:
        return _unreadable(store, key, exc.message, exc.line, exc.column)
    except (RecursionError, AttributeError, TypeError, ValueError) as exc:
        return _unreadable(store, key, f"protobuf file cannot be read ({type(exc).__name__})", None, None)
    if errors:
        line, column, message = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        return _unreadable(store, key, f"protobuf syntax error: {message}{more}", line, column)
    operations = []
    for service in found:
        for method in service.elements:
            if isinstance(method, ast.Method):
                operations.append(Operation(
                    spec_file=key,
                    method="rpc",
                    path=f"{service.name}/{method.name}",
                    pointer=f"/{service.name}/{method.name}",
                    operation_id=method.name,
                    messages=(_message(method.input_type),),
                    returns=_message(method.output_type),
                ))
    return Spec(key=key, display=display, style="grpc", version=syntax, title=package, operations=tuple(operations),
                files=(key,), readable=True)


def _message(message: ast.MessageType) -> str:
    return f"stream {message.type}" if message.stream else message.type


def _unreadable(store: DocumentStore, key: str, message: str, line, column) -> Spec:
    problem = SpecProblem("unparseable", message, store.locate_line(key, line, column))
    return Spec(key, store.display(key), style="grpc", problems=(problem,), files=(key,))
