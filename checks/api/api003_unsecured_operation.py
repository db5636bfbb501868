import re

from machaudit.findings import Location, Severity
from machaudit.registry import check
from machaudit.spec_analysis import operation_node, pii_properties, response_schemas
from machaudit_checks.api._common import definition_gaps, openapi_specs, short_list


@check("API003", "unsecured-operation", severity="high", options={
    # Public by design whatever the method: health and status probes, discovery, sign-in and sign-up.
    "public_paths": [
        r"(^|/)(_?health|healthz|healthcheck|health-check|livez|readyz|liveness|readiness|ping|heartbeat)(/|$)",
        r"^/(v\d+/|api/)*(status|ready|live|alive|version|info)/?$",
        r"(^|/)\.well-known(/|$)",
        r"(^|/)(openapi|swagger|api-docs)(\.json|\.yaml)?(/|$)",
        r"(^|/)(auth|oauth2?|login|logout|signin|sign-in|token|session|sessions|register|signup|sign-up|"
        r"password-reset|reset-password|forgot-password|anmelden|registrierung)(/|$)",
    ],
    # Public catalogue reads (GET/HEAD only, and only while the response carries no personal data).
    "public_read_paths": [
        r"(^|/)(products?|product-\w+|catalog(ue)?s?|categor(y|ies)|collections?|tags?|brands?|search|suggest(ions)?|"
        r"variants?|assortments?|regions?|countr(y|ies)|currenc(y|ies)|locales?|languages?|shipping-options?|"
        r"payment-methods?|payment-providers?|return-reasons?|store-?locations?|stores|"
        r"artikel|produkte?|katalog|kategorien?|suche|marken)(/|$)",
    ],
})
def unsecured_operation(ctx):
    """What: an operation without effective security: neither the operation nor the document
    applies a security requirement, or it applies an empty one (`security: []`, or `{}` which lets
    anonymous callers in). Critical when its successful responses carry personal data, which are
    named. Health probes, discovery, sign-in/sign-up and public catalogue reads are exempt
    (options public_paths and public_read_paths).

    Why it matters for MACH: in a composable stack every API is reachable by many consumers,
    gateways and partners; a contract that does not say how callers authenticate gets generated
    clients, gateway routes and partner integrations that send no credentials, and an anonymous
    endpoint that returns customers' addresses is a data breach waiting for a crawler.

    Example: `GET /customers/{id}/addresses` with no `security`, returning `street`, `postcode`
    and `email`.

    Fix: declare the scheme under `components.securitySchemes` and apply it, once at the root
    (`security: [{oauth2: [orders.read]}]`) or per operation; keep `security: []` for the
    endpoints that are public on purpose.
    """
    yield from definition_gaps(ctx, "whether its operations are secured")
    public = [re.compile(p, re.IGNORECASE) for p in ctx.options["public_paths"]]
    public_reads = [re.compile(p, re.IGNORECASE) for p in ctx.options["public_read_paths"]]
    for spec in openapi_specs(ctx):
        if not spec.operations:
            yield ctx.not_applicable(spec.display, "the spec declares no operations")
            continue
        schemes = _scheme_names(spec)
        for op in spec.operations:
            subject = f"{spec.display} {op.label}"
            if _secured(op.security):
                yield ctx.passed(subject, "security: " + _describe(op.security))
                continue
            if any(p.search(op.path) for p in public):
                yield ctx.not_applicable(subject, f"{op.label} is public by design (options public_paths)")
                continue
            pii = _personal_data(spec, op)
            if op.method in ("GET", "HEAD") and not pii and any(p.search(op.path) for p in public_reads):
                yield ctx.not_applicable(subject, f"{op.label} is a public catalogue read (options public_read_paths)")
                continue
            yield ctx.fail(
                subject,
                f"{op.label} {_why(op, spec, schemes)}"
                + (f"; its response carries personal data ({', '.join(sorted({k for _, k in pii}))}): "
                   f"{short_list(_examples(pii), 6)}" if pii else ""),
                Location(spec.display, op.pointer + ("/security" if _declared_on_operation(spec, op) else "")),
                evidence={"security": op.security, "schemes": schemes, "pii": [p for p, _ in pii]},
                severity=Severity.CRITICAL if pii else None,
            )


def _personal_data(spec, op) -> list[tuple[str, str]]:
    return pii_properties(spec, response_schemas(spec, op))


def _examples(pii: list[tuple[str, str]]) -> list[str]:
    """One field per kind of personal data first, then the rest: the start of the list shows the range."""
    first: dict[str, str] = {}
    for path, kind in pii:
        first.setdefault(kind, path)
    leading = [first[k] for k in sorted(first)]
    return leading + [p for p, _ in pii if p not in leading]


def _secured(security) -> bool:
    """Every alternative requirement names at least one scheme (no anonymous alternative)."""
    return bool(security) and all(len(req) > 0 for req in security)


def _describe(security) -> str:
    return " or ".join(" + ".join(req) for req in security)


def _why(op, spec, schemes) -> str:
    if op.security is None:
        if schemes:
            return (f"applies no security requirement: the spec defines {', '.join(schemes)} but neither the "
                    "operation nor the document applies it (no `security`)")
        return "has no security at all: the spec defines no security scheme and applies none"
    if op.security == ():
        return "is explicitly unsecured (`security: []`)"
    named = [" + ".join(r) for r in op.security if r]
    return ("lets anonymous callers in: its security includes an empty requirement `{}`"
            + (f" beside {' or '.join(named)}" if named else ""))


def _scheme_names(spec) -> list[str]:
    data = spec.data or {}
    components = data.get("components") if isinstance(data.get("components"), dict) else {}
    schemes = components.get("securitySchemes") or data.get("securityDefinitions")  # 3.x, Swagger 2.0
    return sorted(str(k) for k in schemes) if isinstance(schemes, dict) else []


def _declared_on_operation(spec, op) -> bool:
    return "security" in operation_node(spec, op)[1]
