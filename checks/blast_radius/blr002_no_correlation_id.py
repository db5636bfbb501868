from machaudit.registry import check
from machaudit_checks.blast_radius import _intent as intent
from machaudit.capabilities.vocabulary import name_pattern

ORDER_PATH = (intent.ORDER, intent.PAYMENT, intent.SHIPMENT, intent.INVOICE, intent.REFUND)


@check("BLR002", "no-correlation-id", severity="medium", options={
    "headers": ["traceparent", "x-correlation-id", "x-request-id", "correlation-id", "request-id", "x-trace-id"],
    "max_listed": 5,
})
def no_correlation_id(ctx):
    """What: operations on the order path — orders, payments, shipments, invoices, refunds (by the
    resource in their path) — that accept no correlation header: no `traceparent`,
    `X-Correlation-ID` or `X-Request-ID` header parameter (case-insensitive; list configurable).
    One result per API, listing the operations without one.

    Why it matters for MACH: in a composable stack one order passes through the shop, the order
    service, payment, shipping and the ERP. Without an id that travels with every call, nobody
    can follow a faulty order across systems, and an incident review turns into matching
    timestamps across five log stores.

    Example: `POST /auftraege` in the order API declares no `X-Correlation-ID`, although the
    status operations of the same API do; the id the shop sent is lost at order creation.

    Fix: declare a shared header parameter (`traceparent` per W3C Trace Context, or
    `X-Correlation-ID`) in `components/parameters` and reference it from every order-path
    operation; propagate it in the services and in outgoing calls.
    """
    accepted = {h.lower() for h in ctx.options["headers"]}
    limit = int(ctx.options["max_listed"])
    for spec in intent.parsed_specs(ctx.stack):
        relevant = [op for op in spec.operations if any(intent.touches(op, noun) for noun in ORDER_PATH)]
        if not relevant:
            continue
        missing = [op for op in relevant if not intent.header_names(op) & accepted]
        if not missing:
            yield ctx.passed(spec.display, f"{len(relevant)} order-path operations accept a correlation header")
            continue
        share = f"{len(missing)} of {len(relevant)}" if len(missing) < len(relevant) else f"all {len(relevant)}" if len(relevant) > 1 else "the"
        listed = ", ".join(op.label for op in missing[:limit])
        more = f" and {len(missing) - limit} more" if len(missing) > limit else ""
        name = spec.title or spec.display
        yield ctx.fail(
            spec.display,
            f"{share} order-path operation{'s' if len(relevant) > 1 else ''} of {name} accept{'' if len(relevant) > 1 else 's'} "
            f"no correlation header ({', '.join(ctx.options['headers'][:3])}): {listed}{more}",
            spec.location(missing[0].pointer),
            evidence={"operations": [op.label for op in missing], "checked": len(relevant),
                      "headers": sorted(accepted)},
        )
    for api, reason in intent.apis_without_spec(ctx.stack, name_pattern("order", "payment", "shipment", "invoice")):
        yield ctx.unknown(api.ref, f"API {api.label} {reason}, so whether its order-path operations take a correlation header is unknown", api.location)
