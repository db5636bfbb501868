from machaudit.registry import check

from machaudit_checks.data._sor import any_declared, catalog_components, core_entities, masters


@check("DAT002", "multiple-systems-of-record", severity="high")
def multiple_systems_of_record(ctx):
    """What: a core entity (customer, order, product, price …) for which more than one component
    declares itself the system of record (`machaudit.io/system-of-record`). Masters for declared,
    different parts of an entity (`price:list` on the ERP, `price:customer-specific` on the pricing
    engine) are not counted twice.

    Why it matters for MACH: two masters means two places that accept changes to the same record;
    they drift apart, and every consumer has to decide which one to believe. Replacing either
    system (the point of composable commerce) then needs a data migration and a reconciliation
    project first.

    Example: the ERP and the commerce SaaS both declare `system-of-record: customer`.

    Fix: name one master per entity (or split it explicitly into scopes, `customer:b2b` and
    `customer:b2c`) and make the other systems consume it or hold a read-only copy.
    """
    stack = ctx.stack
    core = core_entities(ctx.policy)
    if not catalog_components(stack) or not any_declared(stack):
        for entity in core:
            yield ctx.unknown(f"core-entity:{entity}", f"no component declares machaudit.io/system-of-record: cannot tell how many masters {entity} has")
        return
    declared = masters(stack)
    for entity in core:
        found = declared.get(entity, [])
        if not found:
            yield ctx.not_applicable(f"core-entity:{entity}", f"no master declared for {entity} (DAT001)")
            continue
        clashes = _clashes(found)
        if not clashes:
            yield ctx.passed(f"core-entity:{entity}", f"{entity} has one master per scope")
            continue
        names = ", ".join(f"{m.entity.label} ({m.written})" for m in clashes)
        components = list(dict.fromkeys(m.entity.ref for m in clashes))
        yield ctx.fail(
            f"core-entity:{entity}",
            f"{len(components)} components declare themselves system of record for {entity}: {names}",
            stack.entities[components[0]].location,
            evidence={"core_entity": entity, "masters": components, "entries": [m.written for m in clashes]},
        )


def _clashes(found):
    """Masters that overlap: the same scope, or one of them claims the whole entity."""
    out = []
    for m in found:
        for other in found:
            if other.entity.ref != m.entity.ref and (not m.scope or not other.scope or m.scope == other.scope):
                out.append(m)
                break
    return out
