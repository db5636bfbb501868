from machaudit.registry import Option, check
from machaudit_checks.api._common import definition_gaps, openapi_specs, short_list


@check("API002", "undocumented-operations", severity="low", options={
    "min_documented_share": Option(0.8, "share of operations that must have a summary or description", minimum=0, maximum=1)})
def undocumented_operations(ctx):
    """What: an API in which fewer than min_documented_share (80 %) of the operations have a
    summary or a description; the undocumented operations are listed.

    Why it matters for MACH: API-first means the contract is the product: consumers in other
    teams, partners and agencies build against the spec without asking the provider. Operations
    known only by their path are misused, re-implemented, or never found, and the touchpoint map
    cannot tell what they do.

    Example: an ERP adapter where `GET /konditionen/delta` and 30 other operations carry neither
    `summary` nor `description`.

    Fix: give every operation a one-line `summary` (what it does, in business words) and a
    `description` for rules, side effects and limits.
    """
    yield from definition_gaps(ctx, "whether its operations are documented")
    minimum = float(ctx.options["min_documented_share"])
    for spec in openapi_specs(ctx):
        ops = spec.operations
        if not ops:
            yield ctx.not_applicable(spec.display, "the spec declares no operations")
            continue
        bare = [op for op in ops if not (op.summary.strip() or op.description.strip())]
        share = 1 - len(bare) / len(ops)
        if share >= minimum:
            yield ctx.passed(spec.display, f"{len(ops) - len(bare)} of {len(ops)} operations documented")
            continue
        yield ctx.fail(
            spec.display,
            f"only {len(ops) - len(bare)} of {len(ops)} operations of API {spec.title or spec.display} "
            f"({share:.0%}, minimum {minimum:.0%}) have a summary or description; undocumented: "
            + short_list([op.label for op in bare], 5),
            spec.location(bare[0].pointer),
            evidence={"operations": len(ops), "undocumented": [op.label for op in bare]},
        )
