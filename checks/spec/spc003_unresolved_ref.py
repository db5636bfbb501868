from machaudit.findings import Severity
from machaudit.registry import check


@check("SPC003", "unresolved-ref", severity="high")
def unresolved_ref(ctx):
    """What: a `$ref` that does not resolve or points outside the audited root. A remote `$ref`
    (a URL) while fetching is off is not an error but an evidence gap, once per URL per spec:
    "not checked: remote reference …, fetching is off". `--allow-remote` fetches it; `[refs] map`
    in the config or `--ref-map PREFIX=DIR` reads URLs under PREFIX from a local folder.

    Why it matters for MACH: consumers and generators cannot follow the contract; a reference out of
    the repository makes the API depend on files nobody versions with it.

    Example: `$ref: '#/components/schemas/Ordr'` (typo), `$ref: ../../other-repo/common.yaml`.

    Fix: point the reference at an existing target inside the repository, or bundle the spec.
    """
    for spec in ctx.stack.specs.values():
        if not spec.parsed or spec.style not in ("openapi", "asyncapi"):
            continue  # GraphQL and protobuf have no $ref
        problems = [p for p in spec.problems if p.kind == "unresolved-ref"]
        for problem in problems:
            yield ctx.fail(spec.display, problem.message, problem.location)
        remote = [p for p in spec.problems if p.kind == "remote-ref"]
        for problem in remote:
            yield ctx.unknown(spec.display, problem.message, problem.location, severity=Severity.INFO)
        if not problems and not remote:
            yield ctx.passed(spec.display)
