"""Names of the messages an event API's definition carries, read defensively from AsyncAPI.

Not an AsyncAPI reader: only the names, so the report can say what a component publishes
("order-management publishes OrderPlaced, OrderShipped"). Anything of an unexpected shape is
skipped; only local `#/…` references are followed.

Which messages: those the application sends when the document says so (AsyncAPI 3 operations
with `action: send`; AsyncAPI 2 channels' `subscribe` operations, which others subscribe to),
otherwise every message of every channel, otherwise `components.messages`. A message is named by
its `name`, else the key it is declared under.
"""

from __future__ import annotations

from typing import Any

MAX_NAMES = 50
MAX_REF_DEPTH = 8  # local references followed in a row; a loop stops there


def message_names(document: Any) -> tuple[str, ...]:
    if not isinstance(document, dict) or not isinstance(document.get("asyncapi"), (str, int, float)):
        return ()
    components = document.get("components")
    declared = components.get("messages") if isinstance(components, dict) else None
    declared = declared if isinstance(declared, dict) else {}
    channels = document.get("channels") if isinstance(document.get("channels"), dict) else {}
    sent: list[str] = []
    every: list[str] = []
    if str(document["asyncapi"]).startswith("2"):
        for channel in channels.values():
            if not isinstance(channel, dict):
                continue
            for action in ("subscribe", "publish"):
                operation = channel.get(action)
                if isinstance(operation, dict):
                    names = _names(operation.get("message"), "", document)
                    every += names
                    if action == "subscribe":
                        sent += names
    else:
        for channel in channels.values():
            messages = channel.get("messages") if isinstance(channel, dict) else None
            if isinstance(messages, dict):
                for key, message in messages.items():
                    every += _names(message, str(key), document)
        operations = document.get("operations")
        for operation in (operations.values() if isinstance(operations, dict) else ()):
            if isinstance(operation, dict) and operation.get("action") == "send":
                sent += _sent_by(operation, document)
    if not every:
        for key, message in declared.items():
            every += _names(message, str(key), document)
    return tuple(dict.fromkeys(sent or every))[:MAX_NAMES]


def _sent_by(operation: dict, document: dict) -> list[str]:
    """An AsyncAPI 3 operation's messages: its own list, else every message of its channel."""
    out: list[str] = []
    for message in operation.get("messages") if isinstance(operation.get("messages"), list) else ():
        out += _names(message, "", document)
    if out:
        return out
    channel = _resolve(operation.get("channel"), document)
    messages = channel.get("messages") if isinstance(channel, dict) else None
    for key, message in (messages.items() if isinstance(messages, dict) else ()):
        out += _names(message, str(key), document)
    return out


def _names(message: Any, key: str, document: dict, depth: int = 0) -> list[str]:
    if not isinstance(message, dict) or depth > MAX_REF_DEPTH:
        return []
    if isinstance(message.get("oneOf"), list):
        return [n for m in message["oneOf"] for n in _names(m, "", document, depth + 1)]
    ref = message.get("$ref")
    if isinstance(ref, str):
        last = ref.rstrip("/").rpartition("/")[2].replace("~1", "/").replace("~0", "~")
        target = _resolve(message, document)
        return _names(target, last, document, depth + 1) if isinstance(target, dict) else ([last] if last else [])
    name = message.get("name")
    if isinstance(name, str) and name.strip():
        return [name.strip()]
    return [key] if key else []


def _resolve(node: Any, document: dict) -> Any:
    """The target of a local `{$ref: "#/…"}` in the document, or None (remote refs are not followed)."""
    ref = node.get("$ref") if isinstance(node, dict) else None
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return None
    target: Any = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(target, dict) or part not in target:
            return None
        target = target[part]
    return target
