import fnmatch
import re

from machaudit.policy import EU_REGIONS
from machaudit.registry import check

from machaudit_checks.data._location import PII_CLASS, data_locations, placement


@check("DAT007", "cross-region-pii-flow", severity="high", options={
    # A flow between two regions the policy both allows for customer-pii (eu-central-1 ->
    # eu-west-1 under an EU-only policy) passes; set false to report every change of region.
    "pass_within_allowed_area": True,
})
def cross_region_pii_flow(ctx):
    """What: personal data crossing regions: a data-flow edge (provider API -> consumer, or
    datastore -> component) whose source holds customer-pii (declared, or inferred from
    personal-data fields in its APIs) while the two sides run in different regions and at least one
    of them lies outside the regions the policy allows for customer-pii (when the policy allows any
    region: the two are on different continents). Data goes both ways on such an edge: responses to
    the consumer, and the records the consumer writes into the provider. Regions are declared
    (`machaudit.io/region`) or inferred from the servers of each side's APIs, and said so. A channel
    with no region of its own (web, app) is not judged: the data goes to the customer's device.

    Why it matters for MACH: residency is not only where a system stores data but where the data
    goes next. A compliant EU commerce SaaS that feeds customer records to a US-hosted service is a
    transfer all the same, and in a composable stack those integrations are added one at a time,
    without anyone looking at the whole picture.

    Example: the customer master (eu-central-1) is consumed by a marketing-automation service in
    us-east-1; or the iPaaS in eu-central-1 pushes debtor records into a help desk on its US pod.

    Fix: run both sides in an allowed region (move the SaaS tenant to its EU data region), send only
    pseudonymised data across, or document the transfer and add the region to the policy for
    customer-pii.
    """
    stack = ctx.stack
    policy = ctx.policy
    same_area_ok = bool(ctx.options["pass_within_allowed_area"])
    pii = {r.holder: r for r in data_locations(stack) if r.data_class == PII_CLASS}
    where = {(src, target): loc for src, rel, target, loc in stack.relations if rel in ("consumesApis", "dependsOn")}
    graph = ctx.graphs.flow
    for source_ref, consumer_ref in sorted(graph.edges):
        record = pii.get(source_ref)
        if record is None:
            continue
        source, consumer = stack.entities[source_ref], stack.entities[consumer_ref]
        subject = f"{source_ref} -> {consumer_ref}"
        if consumer.kind != "component":
            continue
        src_place, dst_place = placement(stack, source), placement(stack, consumer)
        if consumer.is_channel and not dst_place.known:
            yield ctx.not_applicable(subject, f"{consumer.label} is a channel without a region: the data goes to the customer's device")
            continue
        via = graph.edges[source_ref, consumer_ref].get("via", ())
        location = next((where[(consumer_ref, v)] for v in via if (consumer_ref, v) in where),
                        where.get((consumer_ref, source_ref)) or consumer.location)
        pii_note = " (inferred from its API schemas)" if record.class_inferred else ""
        if not src_place.known or not dst_place.known:
            missing = " and ".join(e.label for e, p in ((source, src_place), (consumer, dst_place)) if not p.known)
            yield ctx.unknown(subject, f"customer-pii{pii_note} flows from {source.label} to {consumer.label}, but the region of {missing} is unknown", location)
            continue
        if set(src_place.regions) == set(dst_place.regions):
            yield ctx.passed(subject, f"both in {src_place.region}")
            continue
        allowed = policy.allowed_for(PII_CLASS)
        if allowed is not None:
            outside = [(e, r) for e, p in ((source, src_place), (consumer, dst_place)) for r in p.regions
                       if not policy.region_allowed(PII_CLASS, r)]
            rule = (" and ".join(f"{r} ({e.label})" for e, r in outside)
                    + f" is outside the regions the policy allows for customer-pii ({', '.join(allowed)})") if outside else ""
        else:
            src_areas, dst_areas = {_area(r) for r in src_place.regions}, {_area(r) for r in dst_place.regions}
            outside = [(consumer, r) for r in dst_place.regions if _area(r) not in src_areas] if src_areas != dst_areas else []
            rule = "the two regions are on different continents" if outside else ""
        if not outside and same_area_ok:
            area = "the regions allowed for customer-pii" if allowed is not None else "one continent"
            yield ctx.passed(subject, f"{src_place.region} -> {dst_place.region}: both within {area}")
            continue
        rule = rule or "a different region"
        yield ctx.fail(
            subject,
            f"customer-pii{pii_note} held by {source.kind} {source.label} in {_describe(src_place)} is exchanged with "
            f"{'channel' if consumer.is_channel else 'component'} {consumer.label} in {_describe(dst_place)}: {rule}",
            location,
            evidence={
                "source": source_ref, "consumer": consumer_ref, "via": list(via),
                "source_region": src_place.region, "source_region_source": src_place.source,
                "consumer_region": dst_place.region, "consumer_region_source": dst_place.source,
                "pii_source": record.class_source,
            },
        )


def _describe(place) -> str:
    return f"{place.region} ({place.source})"


def _area(region: str) -> str:
    """Coarse geography: 'eu' for every EU/EEA spelling, else the leading word (us, ap, asia …)."""
    region = region.lower()
    if any(fnmatch.fnmatchcase(region, p) for p in EU_REGIONS):
        return "eu"
    return re.split(r"[-_\d]", region, maxsplit=1)[0]
