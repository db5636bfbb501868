from machaudit.findings import Location
from machaudit.registry import check
from machaudit_checks.api._common import definition_gaps, openapi_specs
from machaudit_checks.api._diff import breaking_changes


@check("API009", "breaking-change", severity="high", options={"previous": {}})
def breaking_change(ctx):
    """What: a breaking change against the previous version of a spec: a removed operation, a new
    required parameter or request property, a removed response property, a narrowed enum. The
    previous versions come from `--previous PATH` (a folder such as a checkout of the main branch,
    paired by path), or the option `previous` maps a spec to another audited file; without either
    the result is an evidence gap.

    Why it matters for MACH: independent deployability rests on contracts that only grow; one
    removed field in a minor release breaks every consumer that reads it, on the provider's
    release day, without any of them having changed.

    Example: `GET /orders/{id}` no longer returns `deliveryDate`; `POST /orders` now requires the
    query parameter `channel`.

    Fix: keep the old field/operation (mark it `deprecated`, with `x-sunset`), make new parameters
    optional with a default, or publish the change as a new major version (`/v2`) beside the old.
    """
    yield from definition_gaps(ctx, "whether it changed incompatibly")
    previous = {str(k): str(v) for k, v in dict(ctx.options.get("previous") or {}).items()}
    specs = openapi_specs(ctx)
    prev_of = {name: _find(specs, path) for name, path in previous.items()}
    previous_keys = {s.key for s in prev_of.values() if s is not None}
    for spec in specs:
        if spec.key in previous_keys:
            continue  # an input only as the previous version of another spec
        given = ctx.stack.previous.get(spec.key)  # --previous
        if given is not None:
            yield from _compare(ctx, given, spec)
            continue
        entry = next((name for name in previous if _same_file(spec, name) and spec.key not in previous_keys), None)
        if entry is None:
            yield ctx.unknown(
                spec.display,
                f"no previous version given for {spec.display}, so breaking changes cannot be judged "
                "(give --previous with the earlier specs, e.g. a checkout of the main branch)",
            )
            continue
        old = prev_of[entry]
        if old is None:
            yield ctx.unknown(
                spec.display,
                f"the previous version {previous[entry]} of {spec.display} is not among the audited inputs; "
                "machaudit cannot load it by itself yet, so breaking changes cannot be judged",
            )
            continue
        yield from _compare(ctx, old, spec)


def _compare(ctx, old, spec):
    changes = breaking_changes(old, spec)
    if not changes:
        yield ctx.passed(spec.display, f"no breaking change against {old.display}")
    for change in changes:
        yield ctx.fail(
            f"{spec.display} {change.label}",
            f"breaking change against {old.display}: {change.detail}",
            Location(old.display if change.in_old else spec.display, change.pointer),
            evidence={"kind": change.kind, "previous": old.display},
        )


def _same_file(spec, name: str) -> bool:
    """The option names a spec by its shown path, or by a path ending the spec's own."""
    wanted = name.replace("\\", "/").removeprefix("./")
    return spec.display == name or spec.key == name or spec.key.endswith("/" + wanted) or spec.display.endswith("/" + wanted)


def _find(specs, path: str):
    """The loaded spec a path names; the one whose path matches exactly or most closely."""
    candidates = [s for s in specs if _same_file(s, path)]
    exact = [s for s in candidates if s.display == path or s.key == path]
    if exact:
        return exact[0]
    return candidates[0] if len(candidates) == 1 else None
