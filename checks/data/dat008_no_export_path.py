import re

from machaudit.graph import ASYNC_API_TYPES
from machaudit.registry import check
from machaudit import spec_analysis as sa

from machaudit_checks.data._sor import parse_entry


@check("DAT008", "no-export-path", severity="medium", options={
    "paging_parameters": ["limit", "offset", "page", "pagesize", "page_size", "per_page", "perpage",
                          "cursor", "after", "before", "starting_after", "next", "nexttoken", "next_token",
                          "continuationtoken", "skip", "top", "$top", "$skip", "seite", "anzahl"],
    "export_words": r"export|bulk|batch|download|dump|extract|feed|sync|replicat|snapshot|changes|delta|since",
    "event_words": r"webhook|subscription|subscribe|callback|event|notification",
})
def no_export_path(ctx):
    """What: a SaaS (hosting saas or type saas) that is the system of record for some entity, while
    none of the APIs it provides offers a way to get the data out: no paginated list operation, no
    bulk export, and no events or webhooks.

    Why it matters for MACH: the "replaceable" in composable commerce depends on getting your
    master data out of a vendor. A system of record whose records can only be read one id at a
    time cannot feed a data warehouse, be synchronised reliably, or be migrated away from: that is
    lock-in, whatever the contract says.

    Example: the PIM SaaS is the master for `product`, and its API only has
    `GET /products/{sku}` and `PUT /products/{sku}`.

    Fix: ask the vendor for (and use) a paginated list or export endpoint and change events; declare
    the event API (`type: asyncapi`) or the webhook operations in the catalog so the audit sees them.
    """
    paging = {p.lower() for p in ctx.options["paging_parameters"]}
    export_words = re.compile(ctx.options["export_words"])
    event_words = re.compile(ctx.options["event_words"])
    stack = ctx.stack
    for component in sorted(stack.components, key=lambda c: c.ref):
        masters = [parse_entry(e)[0] for e in component.annotation_list("system-of-record")]
        if not masters:
            continue
        if not (component.annotation("hosting").strip().lower() == "saas" or component.type == "saas"):
            continue
        what = f"SaaS {component.label} (system of record for {', '.join(dict.fromkeys(masters))})"
        apis = [stack.entities[a] for a in component.provides_apis if a in stack.entities]
        if not apis:
            yield ctx.unknown(component.ref, f"{what} declares no API it provides: cannot tell how its data can be exported", component.location)
            continue
        paths, readable = [], 0
        for api in apis:
            if api.type in ASYNC_API_TYPES:
                paths.append(f"events ({api.label}, {api.type})")
                continue
            spec = stack.spec_of(api)
            if spec is None or not spec.parsed:
                continue
            readable += 1
            paths += _export_paths(spec, paging, export_words, event_words)
        if paths:
            yield ctx.passed(component.ref, f"{what} can export through " + "; ".join(paths[:3]))
        elif not readable:
            yield ctx.unknown(component.ref, f"{what}: none of its APIs has a readable definition", component.location)
        else:
            names = ", ".join(a.label for a in apis)
            yield ctx.fail(
                component.ref,
                f"{what} offers no way to get its data out: its APIs ({names}) have no paginated list, "
                "no bulk export and no events or webhooks",
                component.location,
                evidence={"component": component.ref, "apis": [a.ref for a in apis], "masters": masters},
            )


def _export_paths(spec, paging, export_words, event_words) -> list[str]:
    out = []
    data = spec.data or {}
    if isinstance(data.get("webhooks"), dict) and data["webhooks"]:
        out.append(f"webhooks in {spec.display}")
    for op in spec.operations:
        text = sa.text_of(op)
        node = sa.operation_node(spec, op)[1]
        if isinstance(node.get("callbacks"), dict) and node["callbacks"]:
            out.append(f"callbacks of {op.label}")
        elif event_words.search(text):
            out.append(f"events via {op.label}")
        elif op.method in ("GET", "POST") and export_words.search(text):
            out.append(f"export via {op.label}")
        elif op.method == "GET" and not op.path.rstrip("/").endswith("}") and any(
                p.location == "query" and (p.name.lower() in paging or p.name.lower().startswith("page[")) for p in op.parameters):
            out.append(f"paginated list {op.label}")
    return out
