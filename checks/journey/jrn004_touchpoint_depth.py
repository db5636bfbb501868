import networkx as nx

from machaudit.model import ref_name
from machaudit.registry import check


@check("JRN004", "touchpoint-depth", severity="low", options={"max_hops": 4})
def touchpoint_depth(ctx):
    """What: a customer channel reaches a system of record only through more than max_hops calls.

    Why it matters for MACH: every hop adds latency, a failure point and a translation of the data;
    deep paths are where "the portal shows a different status than the ERP" comes from.

    Example: portal -> gateway -> shop -> order-management -> erp-adapter -> erp (5 hops).

    Fix: let the system of record (or a replica it feeds) answer closer to the channel.
    """
    graph = ctx.graphs.services
    limit = int(ctx.options["max_hops"])
    masters = [c for c in ctx.stack.components if c.annotation_list("system-of-record")]
    if not masters:
        yield ctx.unknown("journey", "no component declares machaudit.io/system-of-record")
        return
    for channel in ctx.stack.channels:
        if channel.type == "call-center":
            continue
        lengths = nx.single_source_shortest_path(graph, channel.ref)
        for master in masters:
            path = lengths.get(master.ref)
            if path is None or master.ref == channel.ref:
                continue
            subject = f"{channel.ref} -> {master.ref}"
            hops = len(path) - 1
            if hops > limit:
                yield ctx.fail(
                    subject,
                    f"{channel.label} reaches {master.label} (system of record for "
                    f"{', '.join(master.annotation_list('system-of-record'))}) only in {hops} hops: "
                    + " -> ".join(ref_name(n) for n in path),
                    channel.location,
                    evidence={"path": path, "hops": hops, "limit": limit},
                )
            else:
                yield ctx.passed(subject)
