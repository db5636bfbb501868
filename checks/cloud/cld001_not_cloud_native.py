from machaudit.registry import check

from machaudit_checks.cloud._hosting import CLOUD_NATIVE, NOT_CLOUD_NATIVE, hosting, judged


@check("CLD001", "not-cloud-native", severity="medium", options={
    "cloud_native": list(CLOUD_NATIVE),
    "not_cloud_native": list(NOT_CLOUD_NATIVE),
})
def not_cloud_native(ctx):
    """What: a component hosted on premises or self-hosted (`machaudit.io/hosting: on-prem` or
    `self-hosted`); a component without the annotation is an evidence gap. SaaS, PaaS, managed and
    serverless hosting pass (a component of `type: saas` counts as SaaS). Channels and libraries are
    not judged.

    Why it matters for MACH: the C in MACH: software you run yourself has to be patched, scaled and
    upgraded by you, moves at the speed of your release weekends, and usually cannot scale for a
    peak or be replaced piece by piece.

    Example: the ERP runs on servers in the company's own data centre (`hosting: on-prem`), and every
    channel's orders go through it.

    Fix: plan the move to the vendor's SaaS or a managed/PaaS offering, or put the on-prem system
    behind an API layer and events so the rest of the stack no longer depends on where it runs.
    """
    good = {v.lower() for v in ctx.options["cloud_native"]}
    bad = {v.lower() for v in ctx.options["not_cloud_native"]}
    for component in sorted(ctx.stack.components, key=lambda c: c.ref):
        if not judged(component):
            yield ctx.not_applicable(component.ref, "channels and libraries are not judged")
            continue
        value = hosting(component)
        if value in bad:
            yield ctx.fail(
                component.ref,
                f"component {component.label} is {value} (machaudit.io/hosting), not cloud-native: "
                "it is patched, scaled and upgraded by your own team",
                component.location,
                evidence={"hosting": value},
            )
        elif value in good:
            yield ctx.passed(component.ref, f"hosting {value}")
        elif not value and component.type == "saas":
            yield ctx.passed(component.ref, "type saas")
        elif not value:
            yield ctx.unknown(component.ref, f"component {component.label} declares no machaudit.io/hosting: cannot tell whether it is cloud-native", component.location)
        else:
            yield ctx.unknown(
                component.ref,
                f"component {component.label} has machaudit.io/hosting {value!r}, which is none of "
                f"{', '.join(sorted(good | bad))}",
                component.location,
            )
