from machaudit.registry import check

from machaudit_checks.data._sor import any_declared, catalog_components, core_entities, masters, normalise


@check("DAT001", "no-system-of-record", severity="high")
def no_system_of_record(ctx):
    """What: a core entity of commerce (customer, order, product, price, stock, invoice, shipment;
    the list is the policy's `core_entities`) for which no component declares itself the system of
    record (annotation `machaudit.io/system-of-record`).

    Why it matters for MACH: composable commerce spreads data over many services and SaaS products.
    Unless one system is the master of each entity, every copy is "the truth" for someone: prices
    differ between shop and ERP, addresses are changed in three places, and nobody knows which
    system a new channel must ask or where a correction has to be made.

    Example: both the ERP and the commerce SaaS store customers, and neither is declared master.

    Fix: decide the master per entity and declare it on that component, e.g.
    `machaudit.io/system-of-record: customer, invoice` on the ERP; the others hold synchronised copies.
    """
    stack = ctx.stack
    core = core_entities(ctx.policy)
    if not catalog_components(stack):
        for entity in core:
            yield ctx.unknown(f"core-entity:{entity}", f"no catalog components: cannot tell which system is the master for {entity}")
        return
    if not any_declared(stack):
        for entity in core:
            yield ctx.unknown(
                f"core-entity:{entity}",
                f"no component declares machaudit.io/system-of-record, so the master for {entity} is not recorded",
            )
        return
    declared = masters(stack)
    for entity in core:
        found = declared.get(entity, [])
        if found:
            yield ctx.passed(f"core-entity:{entity}", f"{entity} is mastered by " + ", ".join(m.entity.label for m in found))
            continue
        holders = sorted(
            c.label for c in stack.components
            if entity in {normalise(d) for d in c.annotation_list("data-classes")}
        )
        held = f"; it is held by {', '.join(holders)}" if holders else ""
        yield ctx.fail(
            f"core-entity:{entity}",
            f"no component declares itself system of record for {entity} (machaudit.io/system-of-record){held}",
            evidence={"core_entity": entity, "held_by": holders},
        )

