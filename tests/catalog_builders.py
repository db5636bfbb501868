"""Small builders for catalog documents written by tests."""

import json


def component(name, annotations=None, **spec):
    lines = ["---", "apiVersion: backstage.io/v1alpha1", "kind: Component", "metadata:", f"  name: {name}"]
    if annotations:
        lines.append("  annotations:")
        lines += [f"    machaudit.io/{key}: {json.dumps(value)}" for key, value in annotations.items()]
    fields = {"type": "service", "lifecycle": "production", "owner": "group:team", **spec}
    lines.append("spec: {" + ", ".join(f"{k}: {v}" for k, v in fields.items()) + "}")
    return "\n".join(lines) + "\n"
