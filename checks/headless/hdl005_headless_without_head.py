from machaudit.journey import BFF_TYPE, entry_paths
from machaudit.model import ref_name
from machaudit.registry import check


@check("HDL005", "headless-without-head", severity="medium",
       options={"excluded_channel_types": ["call-center"], "internal_audiences": ["internal"]})
def headless_without_head(ctx):
    """What: a headless product (`machaudit.io/headless: "true"`) that no customer channel reaches:
    no website, app, portal, POS or marketplace calls one of its APIs, directly, through a gateway
    that routes there or through a BFF (a backend service calling it is no head: see
    machaudit.journey.entry_paths). The call centre and channels marked only
    `machaudit.io/audience: internal` do not count as heads.

    Why it matters for MACH: a headless commerce platform earns its licence through the heads that
    use it. Without one, it is paid for but dark — customers still order through the legacy shop
    or by phone, and the platform's capabilities never reach them.

    Example: the headless commerce SaaS is consumed only by the order management system and the
    call-centre desktop; the website still runs on the shop monolith.

    Fix: connect a head — a storefront, the B2B portal, the app — through a BFF to the headless
    product, or record the channel relation in the catalog if it already exists.
    """
    stack = ctx.stack
    touched = {c.ref: _touched(stack, c.ref) for c in stack.channels}
    excluded = {t.lower() for t in ctx.options["excluded_channel_types"]}
    internal = {a.lower() for a in ctx.options["internal_audiences"]}
    heads, others = [], []
    for channel in stack.channels:
        audience = set(channel.annotation_list("audience"))
        if channel.type in excluded or (audience and audience <= internal):
            others.append(channel)
        else:
            heads.append(channel)
    for component in stack.components:
        if component.annotation("headless").strip().lower() != "true":
            continue
        reaching = sorted(c.ref for c in heads if component.ref in touched[c.ref])
        if reaching:
            yield ctx.passed(component.ref, f"reached from {', '.join(ref_name(c) for c in reaching)}")
            continue
        only = sorted(c.ref for c in others if component.ref in touched[c.ref])
        if only:
            detail = f"only {', '.join(ref_name(c) for c in only)} reaches it"
        elif heads:
            detail = f"none of the {len(heads)} customer channels ({', '.join(sorted(c.name for c in heads))}) reaches it"
        else:
            detail = "the catalog has no customer channel at all"
        yield ctx.fail(
            component.ref,
            f"headless {component.type or 'component'} {component.label} has no head: {detail}",
            component.location,
            evidence={"channels": sorted(c.ref for c in heads), "reached_only_from": only},
        )


def _touched(stack, channel: str) -> set[str]:
    """The components a channel calls: the providers of the APIs it reaches and those on the way,
    and what a BFF among them calls for it (a BFF's own API composes those behind it: their head is
    the BFF's channel, though the journey counts only the BFF's own operations)."""
    out: set[str] = set()
    for api, entry in entry_paths(stack, channel).items():
        out.update(entry.path[1:])
        for provider in stack.providers_of(api):
            out.add(provider.ref)
            if provider.type == BFF_TYPE:
                out.update(p.ref for used in provider.consumes_apis for p in stack.providers_of(used))
    return out
