import re

from machaudit.findings import standing_for
from machaudit.registry import check
from machaudit.spec_analysis import SHIPMENT_WORDS, mentions, schema_properties

ORDER_SCHEMA = re.compile(r"^(sales)?(order|auftrag|bestellung)(response|dto|details?)?$", re.I)


@check("JRN005", "related-orders-unlinked", severity="medium",
       options={"grouping_fields": r"group|consolidat|parent[-_]?order|related[-_]?orders?|sammel|bundle|combined|liefergruppe|master[-_]?order|delivery[-_]?group"})
def related_orders_unlinked(ctx):
    """What: the order schemas have no field that groups related orders, and no operation lets
    fulfilment consolidate deliveries (the consolidated-delivery touchpoint is missing).

    Why it matters for MACH: B2B customers order in several steps for one site or project; if the
    stack cannot link those orders, they arrive in several shipments with several freight charges,
    and the customer phones to ask for them to be combined.

    Example: `Order` has id, items and address, but no `orderGroupId`; shipping has no
    `/consolidations` or delivery-group operation.

    Fix: add a grouping reference (orderGroupId, consolidationKey) to the order schema and let the
    shipping API accept consolidated deliveries.
    """
    grouping = re.compile(ctx.options["grouping_fields"], re.I)
    order_schemas = []
    for spec in ctx.stack.specs.values():
        if not spec.parsed or not spec.is_openapi:
            continue
        data = spec.data or {}
        schemas = (data.get("components") or {}).get("schemas") if data.get("openapi") else data.get("definitions")
        for name, schema in (schemas or {}).items() if isinstance(schemas, dict) else ():
            if ORDER_SCHEMA.match(str(name)):
                base = "/components/schemas/" if data.get("openapi") else "/definitions/"
                order_schemas.append((spec, name, schema, base + str(name)))
    if not order_schemas:
        yield ctx.unknown("orders", "no order schema (Order, Auftrag, Bestellung …) in the specs")
        return
    consolidation = bool(ctx.journey and ctx.journey.matches.get("consolidated-delivery"))
    shipping = sorted({a.name for a in ctx.stack.apis if (spec := ctx.stack.spec_of(a)) is not None
                       and any(mentions(op, SHIPMENT_WORDS) for op in spec.operations)})
    where = f"no operation of {', '.join(shipping)} consolidates deliveries" if shipping else "no API handles shipments"
    unlinked = []
    for spec, name, schema, pointer in order_schemas:
        subject = f"{spec.display} {name}"
        fields = [".".join(path) for path, _ in schema_properties(spec, (spec.key, schema))]
        linked = [f for f in fields if grouping.search(f.rsplit(".", 1)[-1])]
        if linked or consolidation:
            yield ctx.passed(subject, f"grouping field {linked[0]}" if linked else "consolidation operation exists")
        else:
            unlinked.append(ctx.fail(
                subject,
                f"schema {name} has no field linking related orders, and {where}",
                spec.location(pointer),
                evidence={"fields": fields[:40]},
            ))
    if len(unlinked) == 1:
        yield unlinked[0]
    elif unlinked:
        # One fact of the stack (its orders cannot be linked), not one per order schema.
        names = [f.subject for f in unlinked]
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        yield standing_for(unlinked[0], unlinked, subject="order schemas",
                           message=f"{len(names)} order schemas have no field linking related orders ({shown}), and {where}",
                           evidence={"schemas": {f.subject: f.evidence["fields"] for f in unlinked}})
