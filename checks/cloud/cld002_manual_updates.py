from machaudit.registry import check

from machaudit_checks.cloud._hosting import NOT_CLOUD_NATIVE, hosting, is_saas, judged, update_model

# Component types that are vendor products (their updates come from someone else).
PRODUCT_TYPES = frozenset({"saas", "erp", "monolith"})


@check("CLD002", "manual-updates", severity="medium")
def manual_updates(ctx):
    """What: a vendor product (SaaS, or self-hosted/on-prem software such as an ERP or shop system)
    whose updates are applied by hand (`machaudit.io/update-model: manual`). A vendor product with no
    update-model annotation is an evidence gap; in-house services deployed by their own pipeline,
    channels and libraries are not judged unless they carry the annotation.

    Why it matters for MACH: manual upgrades are projects: they get postponed, the installation
    falls versions behind, security fixes wait for the next maintenance window, and the gap to the
    vendor's current API grows until a migration is needed. Vendor-managed updates keep the stack
    current without a project.

    Example: the shop system monolith is upgraded by a partner agency twice a year
    (`update-model: manual`).

    Fix: move to the vendor's managed or SaaS edition, or automate the upgrade (a pipeline that
    applies and tests each release), then set `machaudit.io/update-model: vendor-managed`.
    """
    for component in sorted(ctx.stack.components, key=lambda c: c.ref):
        model = update_model(component)
        product = is_saas(component) or hosting(component) in NOT_CLOUD_NATIVE or component.type in PRODUCT_TYPES \
            or bool(component.annotation("vendor").strip())
        if not model and (not judged(component) or not product):
            yield ctx.not_applicable(component.ref, "not a vendor product")
            continue
        if model == "manual":
            yield ctx.fail(
                component.ref,
                f"component {component.label} is updated manually (machaudit.io/update-model: manual): "
                "each upgrade is a project your team has to schedule",
                component.location,
                evidence={"update_model": model, "hosting": hosting(component)},
            )
        elif model == "vendor-managed":
            yield ctx.passed(component.ref, "vendor-managed updates")
        elif not model:
            kind = "SaaS" if is_saas(component) else (hosting(component) or component.type or "vendor product")
            yield ctx.unknown(
                component.ref,
                f"component {component.label} ({kind}) declares no machaudit.io/update-model: cannot tell who applies its updates",
                component.location,
            )
        else:
            yield ctx.unknown(
                component.ref,
                f"component {component.label} has machaudit.io/update-model {model!r}, which is neither vendor-managed nor manual",
                component.location,
            )
