"""Read a GraphQL schema (SDL) into a `Spec` of style "graphql", with graphql-core.

The root types' fields become operations: method "query", "mutation" or "subscription", path the
field name, arguments as parameters (location "argument"), the return type as written. Apollo
Federation subgraphs use directives (`@key`, `@external`, `@link` …) and extend types owned by
other subgraphs; both are accepted: for validation, the federation directives are declared and
each type a subgraph extends without defining it is stubbed.
"""

from __future__ import annotations

import re

from graphql import GraphQLError, GraphQLSyntaxError, parse, print_ast
from graphql.language import (
    DocumentNode,
    ExecutableDefinitionNode,
    FieldDefinitionNode,
    NonNullTypeNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    DirectiveDefinitionNode,
    EnumTypeExtensionNode,
    InputObjectTypeExtensionNode,
    InterfaceTypeExtensionNode,
    ScalarTypeExtensionNode,
    UnionTypeExtensionNode,
)
from graphql.validation.specified_rules import specified_sdl_rules
from graphql.validation.validate import validate_sdl

from machaudit.model import Operation, Parameter, Spec, SpecProblem
from machaudit.sources.documents import DocumentError
from machaudit.sources.store import DocumentStore

ROOT_METHODS = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}

# Apollo Federation 1 and 2 directives and their scalars, declared only where the schema does not
# declare them itself. Arguments are optional and locations wide: the point is to accept a subgraph,
# not to check its use of federation (composition does that).
_ANYWHERE = ("SCHEMA | SCALAR | OBJECT | FIELD_DEFINITION | ARGUMENT_DEFINITION | INTERFACE | UNION | ENUM "
             "| ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION")
FEDERATION_DIRECTIVES = {
    "key": "(fields: _FieldSet, resolvable: Boolean)",
    "external": "(reason: String)",
    "requires": "(fields: _FieldSet)",
    "provides": "(fields: _FieldSet)",
    "extends": "",
    "shareable": "",
    "inaccessible": "",
    "override": "(from: String, label: String)",
    "tag": "(name: String)",
    "link": "(url: String, as: String, for: link__Purpose, import: [link__Import])",
    "composeDirective": "(name: String)",
    "interfaceObject": "",
    "authenticated": "",
    "requiresScopes": "(scopes: [[federation__Scope!]!])",
    "policy": "(policies: [[federation__Policy!]!])",
    "context": "(name: String)",
    "fromContext": "(field: federation__ContextFieldValue)",
    "cost": "(weight: Int)",
    "listSize": "(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], "
                "requireOneSlicingArgument: Boolean)",
}
FEDERATION_TYPES = {
    "_FieldSet": "scalar _FieldSet", "FieldSet": "scalar FieldSet", "_Any": "scalar _Any",
    "link__Import": "scalar link__Import", "federation__Scope": "scalar federation__Scope",
    "federation__Policy": "scalar federation__Policy",
    "federation__ContextFieldValue": "scalar federation__ContextFieldValue",
    "link__Purpose": "enum link__Purpose { SECURITY EXECUTION }",
}
_STUBS = {ObjectTypeExtensionNode: "type", InterfaceTypeExtensionNode: "interface", UnionTypeExtensionNode: "union",
          EnumTypeExtensionNode: "enum", InputObjectTypeExtensionNode: "input", ScalarTypeExtensionNode: "scalar"}
_FEDERATION_USE = re.compile(r"@(?:%s)\b" % "|".join(FEDERATION_DIRECTIVES))


def read_graphql(store: DocumentStore, key: str) -> Spec:
    display = store.display(key)
    try:
        text = store.text(key)
    except DocumentError as exc:
        return _unreadable(store, key, exc.message, exc.line, exc.column)
    try:
        document = parse(text)
    except GraphQLSyntaxError as exc:
        line, column = _position(exc)
        return _unreadable(store, key, f"GraphQL syntax error: {exc.message}", line, column)
    except RecursionError:
        return _unreadable(store, key, "GraphQL document nested too deeply to read", None, None)
    definitions = document.definitions
    if not any(isinstance(d, (TypeDefinitionNode, TypeExtensionNode, SchemaDefinitionNode,
                              SchemaExtensionNode, DirectiveDefinitionNode)) for d in definitions):
        what = "only operations (queries a client sends)" if any(
            isinstance(d, ExecutableDefinitionNode) for d in definitions) else "no definitions"
        return _unreadable(store, key, f"not a GraphQL schema: the document holds {what}", 1, None)

    problems = [SpecProblem("unparseable", f"GraphQL schema: {error.message}", store.locate_line(key, *_position(error)))
                for error in _schema_errors(document, text)]
    return Spec(
        key=key,
        display=display,
        style="graphql",
        operations=tuple(_operations(key, document)),
        problems=tuple(problems),
        files=(key,),
        readable=True,
    )


def _unreadable(store: DocumentStore, key: str, message: str, line, column) -> Spec:
    problem = SpecProblem("unparseable", message, store.locate_line(key, line, column))
    return Spec(key, store.display(key), style="graphql", problems=(problem,), files=(key,))


def _position(error: GraphQLError) -> tuple[int | None, int | None]:
    if error.locations:
        return error.locations[0].line, error.locations[0].column
    return None, None


def _schema_errors(document: DocumentNode, text: str) -> list[GraphQLError]:
    """What graphql-core's SDL rules find, with federation declared where the schema uses it."""
    declared = {d.name.value for d in document.definitions if isinstance(d, (DirectiveDefinitionNode, TypeDefinitionNode))}
    federated = bool(_FEDERATION_USE.search(text))
    rules = specified_sdl_rules
    if federated:
        prelude = [f"directive @{name}{args} repeatable on {_ANYWHERE}"
                   for name, args in FEDERATION_DIRECTIVES.items() if name not in declared]
        prelude += [sdl for name, sdl in FEDERATION_TYPES.items() if name not in declared]
        # A subgraph extends types that other subgraphs own.
        prelude += sorted({f"{keyword} {d.name.value}" for d in document.definitions
                           if (keyword := _STUBS.get(type(d))) and d.name.value not in declared})
        document = DocumentNode(definitions=(*document.definitions, *parse("\n".join(prelude)).definitions))
    try:
        return validate_sdl(document, rules=rules)
    except RecursionError:
        return [GraphQLError("schema nested too deeply to check")]


def _root_names(document: DocumentNode) -> dict[str, str]:
    """Root operation type names: Query/Mutation/Subscription unless a schema definition renames them."""
    roots = dict(ROOT_METHODS)
    for definition in document.definitions:
        if isinstance(definition, (SchemaDefinitionNode, SchemaExtensionNode)):
            for op_type in definition.operation_types or ():
                roots[op_type.operation.value] = op_type.type.name.value
    return roots


def _operations(key: str, document: DocumentNode):
    method_of = {name: method for method, name in _root_names(document).items()}
    for definition in document.definitions:
        if not isinstance(definition, (ObjectTypeDefinitionNode, ObjectTypeExtensionNode)):
            continue
        method = method_of.get(definition.name.value)
        if method is None:
            continue
        for field in definition.fields or ():
            yield _operation(key, method, definition.name.value, field)


def _operation(key: str, method: str, type_name: str, field: FieldDefinitionNode) -> Operation:
    parameters = tuple(
        Parameter(arg.name.value, "argument", isinstance(arg.type, NonNullTypeNode) and arg.default_value is None)
        for arg in field.arguments or ())
    deprecated = any(d.name.value == "deprecated" for d in field.directives or ())
    return Operation(
        spec_file=key,
        method=method,
        path=field.name.value,
        pointer=f"/{type_name}/{field.name.value}",
        operation_id=field.name.value,
        description=field.description.value.strip() if field.description else "",
        parameters=parameters,
        deprecated=deprecated,
        returns=print_ast(field.type),
    )
