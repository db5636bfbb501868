"""Read an AsyncAPI 2.x or 3.x document into a `Spec` of style "asyncapi".

Operations: 2.x `channels.<name>.publish|subscribe` (method "publish"/"subscribe", path the channel
name); 3.x `operations.<id>` (method its `action`, "send"/"receive", path the channel's `address`,
else its id). Message names are kept (`messages`); `$ref`s are followed as in OpenAPI.

Validation: the official AsyncAPI JSON Schema of the document's version (`asyncapi_schema`), its
errors "invalid" problems (SPC001) located by pointer. The reader's own structural problems (a field
it needs, of the wrong type) stand in only where no schema is shipped for the version; otherwise
the schema reports the same things, once. Unreadable documents are "unparseable" (SPC002).
"""

from __future__ import annotations

from typing import Any

from machaudit.findings import escape_pointer_token
from machaudit.model import Operation, Spec, SpecProblem
from machaudit.sources.documents import DocumentError
from machaudit.sources.asyncapi_schema import schema_version_for, validate_asyncapi
from machaudit.sources.refs import RefError, check_refs, follow, spec_problems, split_ref
from machaudit.sources.store import DocumentStore, SpecDocuments

ACTIONS_2 = ("publish", "subscribe")
ACTIONS_3 = ("send", "receive")


def asyncapi_version(data: Any) -> str:
    value = data.get("asyncapi") if isinstance(data, dict) else None
    return str(value).strip() if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""


def read_asyncapi(store: DocumentStore, key: str) -> Spec:
    display = store.display(key)
    try:
        data = store.load(key)
    except DocumentError as exc:
        return _unreadable(store, key, exc.message, store.locate_line(key, exc.line, exc.column))
    version = asyncapi_version(data)
    if not version:
        return _unreadable(store, key, "not an AsyncAPI document (no asyncapi field)", store.locate(key, ""))
    files, ref_problems = check_refs(store, key)
    problems = spec_problems(store, key, ref_problems)
    reader = _Reader(store, key, data)
    if version.startswith("2."):
        operations = reader.operations_2()
    elif version.startswith("3."):
        operations = reader.operations_3()
    else:
        reader.problem(f"AsyncAPI {version} is not read (2.x and 3.x are)", "/asyncapi")
        operations = []
    reader.check_info()
    problems += _schema_problems(store, key, data, version, reader.problems)
    info = data.get("info") if isinstance(data.get("info"), dict) else {}
    return Spec(
        key=key,
        display=display,
        style="asyncapi",
        version=version,
        title=_text(info.get("title")),
        api_version=_text(info.get("version")),
        operations=tuple(operations),
        problems=tuple(problems),
        files=tuple(files),
        documents=SpecDocuments(store, [k for k in files if store.parses(k)]),
    )


def _schema_problems(store: DocumentStore, key: str, data: dict, version: str,
                     structural: list[SpecProblem]) -> list[SpecProblem]:
    if not version.startswith(("2.", "3.")):
        return structural  # "not read": no reader, no schema
    issues = validate_asyncapi(data, version)
    located = [SpecProblem("invalid", f"AsyncAPI: {i.message}", store.locate(key, i.pointer), pointer=i.pointer)
               for i in issues]
    return located if schema_version_for(version) else located + structural


def _unreadable(store: DocumentStore, key: str, message: str, location) -> Spec:
    return Spec(key, store.display(key), style="asyncapi", problems=(SpecProblem("unparseable", message, location),),
                files=(key,))


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ("" if value is None else str(value))


class _Reader:
    def __init__(self, store: DocumentStore, key: str, data: dict):
        self.store = store
        self.key = key
        self.data = data
        self.problems: list[SpecProblem] = []

    def problem(self, message: str, pointer: str) -> None:
        self.problems.append(SpecProblem("unparseable", f"AsyncAPI: {message}", self.store.locate(self.key, pointer)))

    def mapping(self, parent: dict, field: str, pointer: str, required: bool = False) -> dict:
        value = parent.get(field)
        if value is None:
            if required:
                self.problem(f"{field} is required", pointer or "/")
            return {}
        if not isinstance(value, dict):
            self.problem(f"{field} must be a mapping", f"{pointer}/{field}")
            return {}
        return value

    def check_info(self) -> None:
        if not isinstance(self.data.get("info"), dict):
            self.mapping(self.data, "info", "", required=True)
            return
        for field in ("title", "version"):
            if not isinstance(self.data["info"].get(field), (str, int, float)):
                self.problem(f"info.{field} is required and must be a string", "/info")

    def follow(self, key: str, node: Any) -> tuple[str, Any]:
        try:
            return follow(self.store, key, node)
        except RefError:
            return key, None  # reported once, as an unresolved $ref

    def message_names(self, key: str, node: Any) -> list[str]:
        """Names of the messages a 2.x `message` or a 3.x `messages` entry stands for."""
        ref = node.get("$ref") if isinstance(node, dict) else None
        key, message = self.follow(key, node)
        if not isinstance(message, dict):
            return []
        if isinstance(message.get("oneOf"), list):
            return [n for m in message["oneOf"] for n in self.message_names(key, m)]
        for field in ("name", "messageId"):
            if isinstance(message.get(field), str) and message[field].strip():
                return [message[field].strip()]
        return [split_ref(ref)[1].rpartition("/")[2]] if isinstance(ref, str) else []

    def operations_2(self) -> list[Operation]:
        out = []
        for channel, item in self.mapping(self.data, "channels", "", required=True).items():
            pointer = f"/channels/{escape_pointer_token(str(channel))}"
            item_key, item = self.follow(self.key, item)
            if not isinstance(item, dict):
                self.problem(f"channel {channel} must be a mapping", pointer)
                continue
            for action in ACTIONS_2:
                op = item.get(action)
                if op is None:
                    continue
                if not isinstance(op, dict):
                    self.problem(f"{action} of channel {channel} must be a mapping", f"{pointer}/{action}")
                    continue
                out.append(self.operation(action, str(channel), f"{pointer}/{action}", op,
                                          self.message_names(item_key, op.get("message")), op.get("operationId")))
        return out

    def operations_3(self) -> list[Operation]:
        self.mapping(self.data, "channels", "")
        out = []
        for op_id, op in self.mapping(self.data, "operations", "").items():
            pointer = f"/operations/{escape_pointer_token(str(op_id))}"
            op_key, op = self.follow(self.key, op)
            if not isinstance(op, dict):
                self.problem(f"operation {op_id} must be a mapping", pointer)
                continue
            action = op.get("action")
            if action not in ACTIONS_3:
                self.problem(f"operation {op_id}: action must be send or receive, not {action!r}", f"{pointer}/action")
                continue
            channel_ref = op.get("channel")
            if not (isinstance(channel_ref, dict) and isinstance(channel_ref.get("$ref"), str)):
                self.problem(f"operation {op_id}: channel must be a $ref to a channel", f"{pointer}/channel")
                continue
            _, channel = self.follow(op_key, channel_ref)
            channel_id = split_ref(channel_ref["$ref"])[1].rpartition("/")[2]
            address = channel.get("address") if isinstance(channel, dict) else None
            messages = op.get("messages")
            if messages is None and isinstance(channel, dict) and isinstance(channel.get("messages"), dict):
                messages = list(channel["messages"].values())  # no list: every message of the channel
            names = [n for m in messages for n in self.message_names(op_key, m)] if isinstance(messages, list) else []
            out.append(self.operation(action, address if isinstance(address, str) and address else channel_id,
                                      pointer, op, names, op_id))
        return out

    def operation(self, action: str, path: str, pointer: str, op: dict, messages: list[str], op_id: Any) -> Operation:
        tags = op.get("tags") if isinstance(op.get("tags"), list) else []
        return Operation(
            spec_file=self.key,
            method=action,
            path=path,
            pointer=pointer,
            operation_id=_text(op_id),
            summary=_text(op.get("summary")),
            description=_text(op.get("description")),
            tags=tuple(_text(t.get("name")) for t in tags if isinstance(t, dict) and t.get("name")),
            deprecated=op.get("deprecated") is True,
            messages=tuple(dict.fromkeys(messages)),
        )
