from machaudit.model import ref_name
from machaudit.registry import check


@check("HDL003", "frontend-bound-to-persistence", severity="high")
def frontend_bound_to_persistence(ctx):
    """What: a channel (website, app, portal, POS, marketplace connector …) that depends directly
    on a Resource — a database, cache, bucket or topic — instead of reaching data through an API.

    Why it matters for MACH: a head wired to a datastore cannot be replaced without migrating the
    schema it reads, and the backend cannot change its data model without breaking the head. The
    business rules in the backend (prices, stock, permissions) are bypassed, and the database
    becomes the integration contract.

    Example: the website's `dependsOn: [resource:shop-db]`, reading the product and order tables
    of the shop database for its "my orders" page.

    Fix: give the data an owner service with an API (or a BFF for that channel) and let the
    channel consume that API; remove the channel's database credentials.
    """
    stack = ctx.stack
    for channel in stack.channels:
        resources = sorted(
            target for target in channel.depends_on
            if target in stack.entities and stack.entities[target].kind == "resource"
        )
        if resources:
            described = ", ".join(_describe(stack.entities[r]) for r in resources)
            yield ctx.fail(
                channel.ref,
                f"channel {channel.label} ({channel.type}) depends directly on {described} instead of an API",
                channel.location,
                evidence={"resources": resources},
            )
        else:
            yield ctx.passed(channel.ref)


def _describe(resource) -> str:
    kind = f"{resource.type} " if resource.type else "resource "
    return f"{kind}{ref_name(resource.ref)}"
