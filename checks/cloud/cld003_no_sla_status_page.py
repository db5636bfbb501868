import networkx as nx

from machaudit.registry import check


@check("CLD003", "no-sla-status-page", severity="medium", options={
    "status_link_types": ["status-page", "status", "statuspage"],
})
def no_sla_status_page(ctx):
    """What: a component on a customer path (a customer channel, or any component a customer channel
    reaches through synchronous calls; not through event subscriptions, whose outage delays but
    does not stop the customer) that lacks an SLA (`machaudit.io/sla`) or a status page (a
    link of `type: status-page`); the message says which of the two is missing. Channels whose
    `machaudit.io/audience` is internal only, and what only they reach, are not customer paths.

    Why it matters for MACH: a composable storefront is only as available as the weakest service or
    SaaS behind it. Without an agreed availability you cannot design timeouts, fallbacks and
    escalation, and without a status page nobody can tell a vendor outage from your own bug while
    the shop is down.

    Example: the webshop calls the pricing engine, and the pricing engine has no SLA and no status
    page: when prices time out, nobody knows whom to call or what was promised. Or the ERP has an
    SLA of 99.5 but no status page, so the shop team learns of its maintenance windows from
    customers.

    Fix: add `machaudit.io/sla: "99.9"` (what is agreed or targeted) and a link
    `{url: https://status.vendor.example, title: Status, type: status-page}` to the component.
    """
    status_types = {t.lower() for t in ctx.options["status_link_types"]}
    stack = ctx.stack
    graph = ctx.graphs.sync_only("services")  # a subscriber's outage does not stop the customer
    entrances = sorted(
        c.ref for c in stack.channels
        if set(c.annotation_list("audience")) != {"internal"}
    )
    paths = nx.multi_source_dijkstra_path(graph, entrances) if entrances else {}
    by_events = nx.multi_source_dijkstra_path(ctx.graphs.services, entrances) if entrances else {}
    for component in sorted(stack.components, key=lambda c: c.ref):
        if component.type == "library":
            yield ctx.not_applicable(component.ref, "libraries are not operated services")
            continue
        path = paths.get(component.ref)
        if path is None:
            yield ctx.not_applicable(component.ref, "reached from customer channels only through event subscriptions, "
                                                    "whose outage delays but does not stop the customer"
                                     if component.ref in by_events else "not on a customer path")
            continue
        sla = component.annotation("sla").strip()
        status = [link.get("url", "") for link in component.links if link.get("type", "").strip().lower() in status_types]
        if sla and status:
            yield ctx.passed(component.ref, f"SLA {sla}, status page {status[0]}")
            continue
        missing = " and ".join(
            part for part, present in (("no SLA (machaudit.io/sla)", sla), ("no status-page link (links[].type: status-page)", status))
            if not present
        )
        route = " -> ".join(stack.entities[n].label for n in path)
        on_path = "is a customer channel" if len(path) == 1 else f"is on a customer path ({route})"
        yield ctx.fail(
            component.ref,
            f"component {component.label} {on_path} but declares {missing}",
            component.location,
            evidence={"path": list(path), "sla": sla, "status_pages": status},
        )
