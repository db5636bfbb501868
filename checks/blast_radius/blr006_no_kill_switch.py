import re

from machaudit import spec_analysis
from machaudit.findings import Location
from machaudit.registry import check
from machaudit_checks.blast_radius import _intent as intent


@check("BLR006", "no-kill-switch", severity="medium", options={
    "voucher_pattern": r"voucher|coupon|promotion|promo|discount|gutschein|rabattcode|^aktion",
    "redeem_context": r"cart|basket|warenkorb|checkout|order|bestell|auftr|session",
    "deactivate_pattern": r"^(?:deactivat\w*|disabl\w*|expir\w*|invalidat\w*|revok\w*|archiv\w*|deaktiv\w*|sperr\w*|"
                          r"block\w*|suspend\w*|beend\w*|withdraw\w*|stop|pause|end)$",
    "status_fields": r"^(?:status|state|active|is_?active|enabled|is_?enabled|disabled|valid_?until|valid_?to|expires?(?:_?at)?|expiry|"
                     r"expiration(?:_?date)?|ends?_?(?:at|date)|end|gueltig_?bis|gültig_?bis|aktiv|zustand|laufzeit(?:_?ende)?|bis)$",
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
        creating = [op for op in spec.operations if _creates_vouchers(op, voucher, opts)]
        if not named and not creating:
            continue
        family = [(s, op) for s in intent.sibling_specs(stack, spec) for op in s.operations]
        switch = next((f"{op.label}" for s, op in family if _kill_switch(s, op, voucher, opts, named)), None)
        name = spec.title or spec.display
        if switch:
            yield ctx.passed(spec.display, f"codes can be switched off through {switch}")
            continue
        what = f"creates codes or promotions ({', '.join(op.label for op in creating[:2])})" if creating else \
            f"is the voucher API {named}"
        yield ctx.fail(
            spec.display,
            f"{name} {what} but has no operation to deactivate, expire or delete a code or promotion",
            Location(spec.display, creating[0].pointer if creating else ""),
            evidence={"creating": [op.label for op in creating], "named": named or None},
        )
    for api, reason in intent.apis_without_spec(stack, opts["voucher_pattern"].replace("^", "")):
        yield ctx.unknown(api.ref, f"API {api.label} {reason}, so whether a voucher code can be switched off is unknown", api.location)


def _named_voucher_api(stack, spec, voucher) -> str:
    """The catalog name of a voucher API this spec defines (or its title), or ""."""
    for api in stack.apis_of_spec(spec.key):
        if api.inferred:
            continue
        for entity in [api] + stack.providers_of(api.ref):
            if any(voucher.search(w) for w in intent.tokens(entity.name) + intent.tokens(entity.title)):
                return api.label
    if any(voucher.search(w) for w in intent.tokens(spec.title)):
        return spec.title
    return ""


def _voucher_segment(segment: str, voucher) -> bool:
    return bool(voucher.search("".join(intent.tokens(segment))))


def _creates_vouchers(op, voucher, opts) -> bool:
    """POST on a collection of codes/promotions that is not a cart's or an order's (redeeming)."""
    raw = [s for s in op.path.split("/") if s]
    if op.method != "POST" or not raw or intent.is_param(raw[-1]):
        return False
    literal = intent.literal_segments(op.path)
    if not any(_voucher_segment(s, voucher) for s in literal):
        return False
    if any(re.search(opts["redeem_context"], "".join(intent.tokens(s))) for s in literal):
        return False
    last = intent.tokens(raw[-1])
    if any(re.match(r"^(?:validat|validierung|pruef|prüf|check|search|query|redeem|redemption|einloes|einlös|apply|calculate|preview)", w) for w in last):
        return False
    return True


def _kill_switch(spec, op, voucher, opts, named: str) -> bool:
    literal = intent.literal_segments(op.path)
    if not literal:
        return False
    about_codes = any(_voucher_segment(s, voucher) for s in literal) or bool(named)
    if not about_codes:
        return False
    if any(re.search(opts["redeem_context"], "".join(intent.tokens(s))) for s in literal):
        return False  # removing a code from a cart does not stop the code
    target = "".join(intent.tokens(literal[-1]))
    target_is_code = _voucher_segment(literal[-1], voucher) or re.search(r"codes?$|campaigns?$|aktionen$", target)
    words = intent.tokens(op.path) + intent.tokens(op.operation_id)
    if op.method in ("POST", "PUT", "PATCH") and any(re.match(opts["deactivate_pattern"], w) for w in words):
        return True
    if op.method == "DELETE" and target_is_code:
        return True
    if op.method in ("PATCH", "PUT", "POST") and intent.is_param(op.path.rstrip("/").rsplit("/", 1)[-1]) and target_is_code:
        status = re.compile(opts["status_fields"])
        for schema in spec_analysis.request_schemas(spec, op):
            for path, _prop in spec_analysis.schema_properties(spec, schema):
                if len(path) <= 2 and status.match(path[-1].lower().replace("-", "_")):
                    return True
    return False
