import re

from machaudit.registry import check

from machaudit_checks.cloud._hosting import is_saas, update_model


@check("CLD004", "no-changelog", severity="low", options={
    "changelog_link_types": ["changelog", "release-notes", "releases"],
    "changelog_words": r"change[- ]?log|release[- ]?notes|releases|what'?s[- ]new|versionshinweise|änderungsprotokoll",
})
def no_changelog(ctx):
    """What: a vendor-managed SaaS (hosting saas or type saas, not updated manually) with no link to
    the vendor's changelog or release notes (`links[].type: changelog`, or a link whose title or URL
    says changelog / release notes).

    Why it matters for MACH: a SaaS changes under you on the vendor's schedule. The changelog is how
    the teams that integrate it learn about deprecations, new fields and behaviour changes before
    they reach the shop; without it, the first notice is a broken integration.

    Example: the commerce SaaS lists only its docs and support portal in the catalog.

    Fix: add the vendor's changelog to the component,
    `{url: https://docs.vendor.example/changelog, title: Changelog, type: changelog}`, and have its
    owner follow it (RSS, mail) for breaking changes and deprecations.
    """
    types = {t.lower() for t in ctx.options["changelog_link_types"]}
    words = re.compile(ctx.options["changelog_words"], re.IGNORECASE)
    for component in sorted(ctx.stack.components, key=lambda c: c.ref):
        if not is_saas(component) or update_model(component) == "manual":
            yield ctx.not_applicable(component.ref, "not a vendor-managed SaaS")
            continue
        found = [
            link.get("url", "") for link in component.links
            if link.get("type", "").strip().lower() in types
            or words.search(link.get("title", "")) or words.search(link.get("url", ""))
        ]
        if found:
            yield ctx.passed(component.ref, f"changelog {found[0]}")
            continue
        vendor = component.annotation("vendor").strip()
        yield ctx.fail(
            component.ref,
            f"SaaS {component.label}{f' ({vendor})' if vendor else ''} is updated by its vendor but has no changelog or "
            "release-notes link (links[].type: changelog)",
            component.location,
            evidence={"links": [dict(link) for link in component.links]},
        )
