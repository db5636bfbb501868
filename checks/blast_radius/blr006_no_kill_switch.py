import re

from machaudit import capabilities, spec_analysis
from machaudit.capabilities import evidence
from machaudit.capabilities.vocabulary import ACTION_NOUNS, STOP_VERBS, VALIDITY_FIELDS, name_pattern
from machaudit.registry import check
from machaudit_checks.blast_radius import _intent as intent

# Operations the audited side receives (webhooks) switch nothing off.
CALLERS = capabilities.CALLERS


@check("BLR006", "no-kill-switch", severity="medium", options={
    # Catalog names of voucher APIs, from the capability vocabulary (operations are read by
    # machaudit.capabilities).
    "voucher_pattern": name_pattern("voucher"),
    "deactivate_pattern": STOP_VERBS,
    "status_fields": VALIDITY_FIELDS,
})
def no_kill_switch(ctx):
    """What: a voucher or promotion API (named so in the catalog, titled so, or creating codes or
    promotions outside a cart) with no operation to stop a code at once: no `DELETE` on a code or
    promotion, no `…/deactivate`-style action, and no PATCH/PUT that sets a status, active flag or
    end date.

    Why it matters for MACH: a leaked or mis-configured voucher is the classic commerce incident;
    it spreads through social media in minutes. The first action is to switch the code off —
    through an API the on-call team can call, not through a redeploy or a ticket to the agency
    that built the service.

    Example: the promotions API can create campaigns and generate codes, and validate and redeem
    them, but nothing can deactivate a code or a campaign.

    Fix: add `POST /vouchers/{code}/deactivation` (or a PATCH setting `active: false` /
    `validUntil: now`) that takes effect immediately for validation and redemption, and put it
    in the incident runbook.
    """
    stack = ctx.stack
    opts = ctx.options
    voucher = re.compile(opts["voucher_pattern"])
    for spec in intent.parsed_specs(stack):
        named = _named_voucher_api(stack, spec, voucher)
        creating = [found.operation for found in capabilities.of_spec(spec)
                    if found.audience in CALLERS
                    and found.offers("voucher", "create", min_confidence=capabilities.FIRM)]
        if not named and not creating:
            continue
        found = intent.in_companions(stack, spec, "kill switch", lambda s, f: _kill_switch(s, f, opts))
        switch = found[1].operation.label if found else None
        name = spec.title or spec.display
        if switch:
            yield ctx.passed(spec.display, f"codes can be switched off through {switch}")
            continue
        what = f"creates codes or promotions ({', '.join(op.label for op in creating[:2])})" if creating else \
            f"is the voucher API {named}"
        yield ctx.fail(
            spec.display,
            f"{name} {what} but has no operation to deactivate, expire or delete a code or promotion",
            spec.location(creating[0].pointer if creating else ""),
            evidence={"creating": [op.label for op in creating], "named": named or None},
        )
    for api, reason in intent.apis_without_spec(stack, opts["voucher_pattern"]):
        yield ctx.unknown(api.ref, f"API {api.label} {reason}, so whether a voucher code can be switched off is unknown", api.location)


def _named_voucher_api(stack, spec, voucher) -> str:
    """The catalog name of a voucher API this spec defines (or its title), or "". A promotion
    *settings* API configures promotions; it is not where codes live."""
    for api in stack.apis_of_spec(spec.key):
        if api.inferred:
            continue
        for entity in [api] + stack.providers_of(api.ref):
            if _names_vouchers(entity.name + " " + entity.title, voucher):
                return api.label
    if _names_vouchers(spec.title, voucher):
        return spec.title
    return ""


def _names_vouchers(text: str, voucher) -> bool:
    words = intent.tokens(text)
    if any(ACTION_NOUNS.get(evidence.singular(w)) == "configure" for w in words):
        return False
    return any(voucher.search(w) for w in words)


def _kill_switch(spec, found, opts) -> bool:
    """Deleting a code or promotion, a deactivate-style action on one, or an update that sets its
    status, active flag or end date. Removing a code from a cart (a cart update) stops nothing."""
    if "voucher" not in found.entities:
        return False
    op = found.operation
    if found.offers("voucher", "delete"):
        return True
    words = intent.tokens(op.path) + intent.tokens(op.operation_id)
    if op.method in ("POST", "PUT", "PATCH") and any(re.match(opts["deactivate_pattern"], w) for w in words):
        return True
    if found.offers("voucher", "update") and any(re.match(opts["status_fields"], w) for w in words):
        return True  # `POST /changeStatus`, `PUT /vouchers/{code}/status`
    if op.method in ("PATCH", "PUT", "POST") and intent.is_param(op.path.rstrip("/").rsplit("/", 1)[-1]) \
            and found.offers("voucher", "update"):
        status = re.compile(opts["status_fields"])
        for schema in spec_analysis.request_schemas(spec, op):
            for path, _prop in spec_analysis.schema_properties(spec, schema):
                if len(path) <= 2 and status.match(path[-1].lower().replace("-", "_")):
                    return True
    return False
