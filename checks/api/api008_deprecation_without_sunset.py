from machaudit.registry import check
from machaudit.spec_text import display_text
from machaudit.spec_analysis import resolve
from machaudit_checks.api._common import definition_gaps, openapi_specs, response_header_names


@check("API008", "deprecation-without-sunset", severity="low", options={
    "sunset_extensions": ["x-sunset", "x-sunset-date"],
    "sunset_headers": ["sunset"],
})
def deprecation_without_sunset(ctx):
    """What: an operation marked `deprecated: true` that says neither when it goes away
    (`x-sunset` on the operation, its path item or the document's info) nor announces it at run
    time (a `Sunset` response header, RFC 8594).

    Why it matters for MACH: deprecation is how independently released services retire old
    contracts; without a date consumers never plan the migration, the provider can never remove
    the operation, and the old contract lives on as a hidden coupling.

    Example: `GET /orders/{id}` with `deprecated: true` and only "use /v2/orders/{id}" in its
    description.

    Fix: add `x-sunset: 2025-06-30` to the operation and return `Sunset: Mon, 30 Jun 2025 00:00:00
    GMT` (with a `Link: <…>; rel="successor-version"`) from it.
    """
    yield from definition_gaps(ctx, "whether its deprecations have a sunset")
    extensions = [e.lower() for e in ctx.options["sunset_extensions"]]
    headers = {h.lower() for h in ctx.options["sunset_headers"]}
    for spec in openapi_specs(ctx):
        deprecated = [op for op in spec.operations if op.deprecated]
        if not deprecated:
            yield ctx.not_applicable(spec.display, "no deprecated operation")
            continue
        data = spec.data or {}
        info = data.get("info") if isinstance(data.get("info"), dict) else {}
        document_sunset = _sunset(info, extensions)
        for op in deprecated:
            subject = f"{spec.display} {op.label}"
            _, item = resolve(spec, (data.get("paths") or {}).get(op.path))
            sunset = (_sunset(op.extensions, extensions) or _sunset(item if isinstance(item, dict) else {}, extensions)
                      or document_sunset)
            header = headers & response_header_names(spec, op)
            if sunset or header:
                yield ctx.passed(subject, f"sunset {sunset}" if sunset else "Sunset response header")
            else:
                yield ctx.fail(
                    subject,
                    f"{op.label} is deprecated but gives no sunset date (no x-sunset) and returns no Sunset header",
                    spec.location(op.pointer + "/deprecated"),
                )


def _sunset(node, extensions) -> str:
    for key, value in node.items():
        if isinstance(key, str) and key.lower() in extensions and value not in (None, "", False):
            return display_text(value)  # `x-sunset: !Sub ...` shows as text, not a dict
    return ""
