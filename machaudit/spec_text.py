"""Any spec value as display text, for messages and reports: never a Python repr.

Specs are often CloudFormation or SAM fragments (`AWS::Include`, a `DefinitionBody`) whose values are
intrinsic functions: `title: {Fn::Sub: "${AWS::StackName}-api"}`, `url: !Ref ApiUrl`. Such a value
shows as what it will become where that is plain (`${AWS::StackName}-api`), else as the function
with its arguments (`<Ref ApiUrl>`, `<Fn::GetAtt Api.Arn>`). Other mappings and lists show as
`{key: value}` and `[a, b]`, so no `{'…'}` reaches a reader.
"""

from __future__ import annotations

from typing import Any

MAX_DEPTH = 6  # a display text, not a dump: deeper values show as …


def is_intrinsic(value: Any) -> bool:
    """A CloudFormation intrinsic function in its long form: one key, `Ref`, `Condition` or `Fn::…`."""
    if not isinstance(value, dict) or len(value) != 1:
        return False
    key = next(iter(value))
    return isinstance(key, str) and (key in ("Ref", "Condition") or key.startswith("Fn::"))


def display_text(value: Any, _depth: int = 0) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if _depth >= MAX_DEPTH:
        return "…"
    if is_intrinsic(value):
        return _intrinsic(*next(iter(value.items())), _depth + 1)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{display_text(k, _depth + 1)}: {display_text(v, _depth + 1)}"
                               for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(display_text(v, _depth + 1) for v in value) + "]"
    return str(value)


def _intrinsic(name: str, args: Any, depth: int) -> str:
    if name == "Fn::Sub":  # the template itself reads best: ${AWS::StackName}-api
        template = args[0] if isinstance(args, list) and args else args
        if isinstance(template, str):
            return template.strip()
    if name == "Fn::Join" and isinstance(args, list) and len(args) == 2 and isinstance(args[0], str) \
            and isinstance(args[1], list):
        return args[0].join(display_text(part, depth) for part in args[1])
    if name == "Fn::GetAtt" and isinstance(args, list) and all(isinstance(a, str) for a in args):
        return f"<Fn::GetAtt {'.'.join(args)}>"
    if isinstance(args, list):
        shown = " ".join(display_text(a, depth) for a in args)
    else:
        shown = display_text(args, depth)
    return f"<{name} {shown}>" if shown else f"<{name}>"
