from machaudit.registry import check

from machaudit_checks.data._location import data_locations, describe_candidates, holders


@check("DAT004", "residency-violation", severity="critical")
def residency_violation(ctx):
    """What: a component or Resource keeps a data class in a region the policy does not allow for
    it (policy `allowed_regions`; by default personal data classes — customer-pii, order, payment,
    invoice, ticket, shipment — must stay in EU/EEA regions). The region is the declared
    `machaudit.io/region` (on the entity or its System) or, marked as inferred, the region named by
    the production servers of the APIs it provides.

    Why it matters for MACH: composable commerce adds a SaaS for every capability, and each one
    chooses its own hosting region. One of them in the wrong region is a GDPR transfer the company
    has to justify (or a contract it is breaking), whatever the rest of the stack does.

    Example: the ticket SaaS holds `ticket, customer-pii` and its API is served from
    `https://api-us.helpdesk-vendor.example.com` (US pod), while the policy allows EU regions only.

    Fix: move the tenant to an allowed region (most SaaS vendors offer an EU data region), or stop
    sending that data class to it; if the transfer is deliberate and covered (e.g. standard
    contractual clauses), record it in the policy's allowed regions for that class.
    """
    policy = ctx.policy
    ctx.publish("data_locations", [  # the data-location table of the reports
        {**record.as_dict(), "holder_kind": record.holder_kind, "verdict": _verdict(policy, record)}
        for record in data_locations(ctx.stack)
    ])
    by_holder = {}
    for record in data_locations(ctx.stack):
        by_holder.setdefault(record.holder, []).append(record)
    for holder in holders(ctx.stack):
        records = by_holder.get(holder.ref)
        if not records:
            continue
        violations, unknown, judged = [], [], 0
        for record in records:
            allowed = policy.allowed_for(record.data_class)
            if allowed is None:
                continue  # the policy does not restrict this class
            if record.region_known:
                judged += 1
                bad = [r for r in record.regions if policy.region_allowed(record.data_class, r) is False]
                if bad:
                    violations.append((record, bad, allowed))
            elif record.candidates and all(record.candidates) and all(
                    policy.region_allowed(record.data_class, r) is False for r in record.candidates):
                judged += 1  # every region its servers offer is outside the policy
                violations.append((record, list(record.candidates), allowed))
            else:
                unknown.append(record)
        what = f"{holder.kind} {holder.label}" if holder.kind != "api" else f"API {holder.label}"
        if violations:
            groups = {}
            for record, bad, allowed in violations:
                groups.setdefault((tuple(bad), record.region_source, tuple(allowed)), []).append(record)
            parts = []
            for (bad, source, allowed), recs in groups.items():
                classes = ", ".join(r.data_class + (f" ({r.class_source})" if r.class_inferred else "") for r in recs)
                where = (f"region {', '.join(bad)} ({source})" if recs[0].region_known
                         else f"whichever region it uses: its servers offer only {describe_candidates(bad)}")
                parts.append(f"keeps {classes} in {where}, outside the regions the policy allows for "
                             f"{', '.join(r.data_class for r in recs)} ({', '.join(allowed)})")
            record = violations[0][0]
            yield ctx.fail(
                holder.ref,
                f"{what} " + "; and ".join(parts),
                record.location,
                evidence={
                    "holder": holder.ref,
                    "violations": [{**r.as_dict(), "outside": bad, "allowed": list(allowed)} for r, bad, allowed in violations],
                },
            )
        elif judged:
            yield ctx.passed(holder.ref, f"{what} keeps its data in {records[0].region} ({records[0].region_source})")
        elif unknown:
            yield ctx.unknown(
                holder.ref,
                f"{what} holds {', '.join(r.data_class for r in unknown)}, which the policy restricts to certain regions, "
                f"but its region is {unknown[0].region_source}",
                unknown[0].location,
            )
        else:
            yield ctx.not_applicable(holder.ref, "the policy restricts none of its data classes")


def _verdict(policy, record) -> str:
    """allowed / violation / unknown (no region known) / no policy (the class is unrestricted)."""
    if policy.allowed_for(record.data_class) is None:
        return "no policy"
    if not record.region_known:
        return "unknown"
    if any(policy.region_allowed(record.data_class, r) is False for r in record.regions):
        return "violation"
    return "allowed"
