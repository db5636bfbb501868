from machaudit.findings import standing_for
from machaudit.registry import check

from machaudit_checks.data._location import (
    PASS_THROUGH_TYPES,
    data_locations,
    describe_candidates,
    holders,
    placement,
)


@check("DAT003", "data-location-unknown", severity="high")
def data_location_unknown(ctx):
    """What: a component or Resource that holds data classes (declared in `machaudit.io/data-classes`,
    or customer-pii inferred from personal-data fields in the APIs it provides) while neither it nor
    its System declares `machaudit.io/region`, and the production servers of its APIs name no single
    region either.

    Why it matters for MACH: in a composable stack customer, order and payment data is spread over
    many SaaS products and clouds. If the inventory cannot say where each of them keeps the data,
    nobody can answer a GDPR records-of-processing request, check the residency policy, or judge what
    a vendor switch means for the data.

    Example: the ticket system holds `ticket, customer-pii`, is a SaaS with no region annotation, and
    its API server is `https://api.helpdesk.example.com` (no region in the host).

    Fix: declare `machaudit.io/provider` and `machaudit.io/region` (e.g. `aws`, `eu-central-1`) on the
    component or Resource (or once on its System); for SaaS, take the region from the contract or
    the vendor's data-processing agreement.
    """
    stack = ctx.stack
    failed: dict[str, object] = {}  # holder ref -> its failure, held back to fold resources in
    own_region_unknown: set[str] = set()  # resources whose location follows only from their users
    by_holder = {}
    for record in data_locations(stack):
        by_holder.setdefault(record.holder, []).append(record)
    for holder in holders(stack):
        records = by_holder.get(holder.ref, [])
        what = _what(holder)
        if not records:
            if holder.is_channel or holder.type in PASS_THROUGH_TYPES:
                yield ctx.not_applicable(holder.ref, f"{what} passes data through")
            elif holder.inferred:
                yield ctx.not_applicable(holder.ref, "no personal data in its schemas and no catalog to declare data classes")
            elif placement(stack, holder).known:
                yield ctx.passed(holder.ref, f"{what} runs in {placement(stack, holder).region}")
            else:
                yield ctx.unknown(
                    holder.ref,
                    f"{what} declares no machaudit.io/data-classes and no region, and its API schemas show no "
                    "personal data: cannot tell whether it stores data, or where",
                    holder.location,
                )
            continue
        first = records[0]
        classes = ", ".join(r.data_class + (" (inferred)" if r.class_inferred else "") for r in records)
        if first.region_known:
            yield ctx.passed(holder.ref, f"{what} keeps {classes} in {first.region} ({first.region_source})")
            continue
        place = placement(stack, holder)
        if place.ambiguous:
            reason = (f"the production servers of its APIs offer several regions ({describe_candidates(place.candidates)}), "
                      "so which one holds the data is a deployment choice the catalog does not record")
        elif place.provider:
            reason = f"provider {place.provider} is declared ({place.provider_source}) but no machaudit.io/region"
        elif holder.kind == "resource":
            own_region_unknown.add(holder.ref)
            reason = ("no machaudit.io/provider or machaudit.io/region is declared on it or its system, and the components "
                      "that use it do not agree on a known region")
        else:
            reason = "no machaudit.io/provider or machaudit.io/region is declared on it or its system, and the servers of its APIs name no region"
        inferred_pii = [r for r in records if r.class_inferred]
        detail = f"; personal data inferred from {inferred_pii[0].class_source.removeprefix('inferred from PII fields: ')}" if inferred_pii else ""
        message = f"{what} holds {classes} but where it keeps them is unknown: {reason}{detail}"
        if holder.inferred:
            # No catalog: the region is a catalog fact the inputs do not contain.
            yield ctx.unknown(holder.ref, message, first.location)
            continue
        failed[holder.ref] = ctx.fail(
            holder.ref,
            message,
            holder.location,
            evidence={"holder": holder.ref, "records": [r.as_dict() for r in records]},
        )
    yield from _fold_resources(stack, failed, own_region_unknown)


def _fold_resources(stack, failed: dict, own_region_unknown: set[str]):
    """A resource that declares no place of its own is where the components using it are: when they
    are unknown too, that is one fact, reported on the first of those components (by ref)."""
    folded: dict[str, list] = {}
    for ref in sorted(own_region_unknown & failed.keys()):
        users = sorted(c.ref for c in stack.components if ref in c.depends_on)
        if users and all(u in failed for u in users):
            folded.setdefault(users[0], []).append(failed.pop(ref))
    for ref, finding in failed.items():
        resources = folded.get(ref)
        if resources:
            names = ", ".join(r.subject.rpartition("/")[2] for r in resources)
            finding = standing_for(
                finding, [finding, *resources],
                message=f"{finding.message}; so is where the resources it uses keep theirs ({names}), which "
                        "declare no place of their own",
                evidence={**finding.evidence, "resources": [dict(r.evidence) for r in resources]},
            )
        yield finding


def _what(entity) -> str:
    if entity.kind == "api":
        return f"API {entity.label} (no catalog; standing in for its provider)"
    if entity.kind == "resource":
        return f"resource {entity.label}"
    return f"component {entity.label}"
