from machaudit.findings import Severity
from machaudit.model import ref_name
from machaudit.registry import check
from machaudit_checks.blast_radius import _propagation as propagation

_LABEL = {"erp": "ERP", "invoicing": "invoicing", "fulfilment": "fulfilment", "payment": "payment",
          "communication": "customer communication"}


@check("BLR001", "propagation-map", severity="high", options={
    **propagation.DEFAULTS,
    "severity_by_category": {"erp": "high", "invoicing": "high", "fulfilment": "medium", "payment": "medium",
                             "communication": "low"},
    "max_listed": 4,
})
def propagation_map(ctx):
    """What: for every system carrying commercial logic — vouchers and promotions, pricing, order
    intake (by its name, type or operations) — the downstream systems a faulty record reaches
    through the data flow: fulfilment/shipping, invoicing/billing, ERP, payment, customer
    communication; with the path, and whether a hold, approval or review step lies on it. Fails
    when a sink is reached with no such step: high for ERP or invoicing, medium for fulfilment or
    payment, low for customer communication; passes when every path is guarded.

    Why it matters for MACH: composable stacks connect many small systems, so a bug in one of
    them travels further and faster than in a monolith. When a voucher bug lets 50,000 orders
    in with a 100 % discount, the first questions are "where is that data now?" and "what has
    already gone to the warehouse and to invoicing?". A map answers it in minutes; a hold step
    (order approval, release, manual review queue) on the way is what keeps the damage inside one
    system.

    Example: promotion-service -> commerce-cloud -> order-management -> erp-core: the ERP pulls
    every new order for delivery and invoicing, and nothing on the way can stop an order.

    Paths follow calls, store writes and events alike; an event hop is named, as the subscriber
    there is where a consumer-side hold or quarantine can sit.

    Fix: put a hold step between order intake and ERP/fulfilment — an approval or release
    operation (`POST /orders/{id}/release`, `Freigabe`), a review queue for orders above a
    discount or value threshold, a quarantine status the downstream systems respect — and
    document it in the API so this map can see it. Keep the map as the runbook for incidents.
    """
    stack = ctx.stack
    limit = int(ctx.options["max_listed"])
    severities = {k: Severity.parse(v) for k, v in ctx.options["severity_by_category"].items()}
    options = {k: ctx.options[k] for k in propagation.DEFAULTS}
    results = propagation.propagation_map(stack, ctx.graphs, options)
    ctx.publish("propagation", results)  # the blast-radius table of the reports
    for item in results:
        source = stack.entities[item["source"]]
        logic = _join(item["logic"])
        open_reaches = [r for r in item["reaches"] if not r["guarded"]]
        if not item["reaches"]:
            yield ctx.passed(source.ref, f"{logic} logic in {source.label} reaches no fulfilment, invoicing, ERP, payment or communication system")
            continue
        if not open_reaches:
            guards = sorted({r["guard"] for r in item["reaches"] if r["guard"]})
            yield ctx.passed(source.ref, f"every path from {source.label} to {len(item['reaches'])} downstream systems passes a hold step ({', '.join(guards)})")
            continue
        severity = max(severities.get(r["category"], Severity.MEDIUM) for r in open_reaches)
        listed = "; ".join(
            f"{_LABEL.get(r['category'], r['category'])} {ref_name(r['sink'])} via {' -> '.join(ref_name(p) for p in r['path'])}"
            + _hold_note(r["hold_points"])
            for r in open_reaches[:limit]
        )
        more = f"; and {len(open_reaches) - limit} more" if len(open_reaches) > limit else ""
        guarded = len(item["reaches"]) - len(open_reaches)
        also = f" ({guarded} other{'s' if guarded > 1 else ''} only through a hold step)" if guarded else ""
        yield ctx.fail(
            source.ref,
            f"a faulty record from the {logic} logic in {source.label} reaches {len(open_reaches)} downstream "
            f"system{'s' if len(open_reaches) > 1 else ''} with no hold or approval step on the way{also}: {listed}{more}",
            source.location,
            evidence=item,
            severity=severity,
        )
    if not any(not e.inferred for e in stack.entities.values()):
        # No catalog: nothing says where data flows. Name the specs that carry such logic.
        for api in stack.apis:
            logic = propagation.source_logic(stack, api, options)
            if logic:
                yield ctx.unknown(
                    api.ref,
                    f"API {api.label} carries {_join(logic)} logic, but without a catalog nothing says which "
                    "systems consume its data; declare the components and their consumesApis/dependsOn in catalog-info.yaml",
                )


def _hold_note(points) -> str:
    if not points:
        return ""
    names = _join([ref_name(p) for p in points])
    return f" (an event hop: {names} could hold or quarantine what {'it receives' if len(points) == 1 else 'they receive'})"


def _join(words) -> str:
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
