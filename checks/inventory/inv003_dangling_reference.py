from machaudit.findings import Severity
from machaudit.registry import check


@check("INV003", "dangling-reference", severity="high")
def dangling_reference(ctx):
    """What: a reference in dependsOn, consumesApis, providesApis, system or owner that names no
    entity in the catalog.

    Why it matters for MACH: the dependency graph has a hole exactly there; every graph check
    (cycles, fan-out, reachability of touchpoints) is blind to what the missing entity does.

    Example: `consumesApis: [stock-api]` while the API entity is called `stock-atp-api`.

    Fix: correct the reference, or add the missing entity to the catalog.
    """
    known = set(ctx.stack.entities) | set(ctx.stack.other_refs)
    dangling_sources = set()
    for source, relation, target, location in ctx.stack.relations:
        if target not in known:
            dangling_sources.add(source)
            # Groups and users often come from an org directory rather than the catalog files.
            owner = relation == "owner"
            yield ctx.fail(
                source,
                f"{source} {relation} {target}, which is not in the catalog"
                + (" (org data may live elsewhere)" if owner else ""),
                location,
                evidence={"relation": relation, "target": target},
                severity=Severity.LOW if owner else None,
            )
    for entity in ctx.stack.entities.values():
        if not entity.inferred and entity.ref not in dangling_sources:
            yield ctx.passed(entity.ref)
