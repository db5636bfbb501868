import re

from machaudit.registry import check
from machaudit.spec_analysis import text_of
from machaudit_checks.api._common import definition_gaps, is_saas, only_inferred, openapi_specs, providers_of_spec


@check("API006", "no-health-endpoint", severity="low", options={
    # a health word as its own path segment, anywhere in the path
    "health_paths": [
        r"(^|/)(_{0,2}health|healthz|health-?check|livez|readyz|liveness|readiness|heartbeat|ping)(/|$)",
        # status/ready/live/alive only as the first segment (after a version or /api): /status, /v1/ready;
        # /orders/{id}/status is an order's status, not the service's
        r"^/(v\d+/|api/|_)*(status|ready|live|alive)/?$",
    ],
    "health_words": r"health ?check|liveness|readiness|service status|heartbeat",
})
def no_health_endpoint(ctx):
    """What: an API whose spec has no health, status, readiness or liveness operation
    (`/health`, `/healthz`, `/actuator/health`, `/status`, `/ready` …). APIs whose providers are
    all declared as vendor SaaS are not judged here: their status page is (CLD003). Without a
    catalog, a spec served only from public hosts may be a vendor's: that is an evidence gap.

    Why it matters for MACH: gateways, orchestrators and monitoring decide whether to route to a
    service by probing it; without a documented health endpoint every consumer invents its own
    check (often a business call), outages are found by customers, and a MACH stack of many
    services cannot be operated.

    Example: an order service with 30 operations and no `GET /health`.

    Fix: add `GET /health` (and `/ready` for readiness), unauthenticated, answering 200 with a
    small status document (`{"status": "UP"}`) and 503 when a dependency is down; document it in
    the spec.
    """
    yield from definition_gaps(ctx, "whether it has a health endpoint")
    patterns = [re.compile(p, re.IGNORECASE) for p in ctx.options["health_paths"]]
    words = re.compile(ctx.options["health_words"], re.IGNORECASE)
    for spec in openapi_specs(ctx):
        if not spec.operations:
            yield ctx.not_applicable(spec.display, "the spec declares no operations (a webhook or events document)")
            continue
        providers = providers_of_spec(ctx, spec)
        if providers and all(is_saas(p) for p in providers):
            names = ", ".join(p.label for p in providers)
            yield ctx.not_applicable(spec.display,
                                     f"provided by vendor SaaS {names}: its status page answers for it (CLD003)")
            continue
        found = [op for op in spec.operations
                 if any(p.search(op.path) for p in patterns) or words.search(text_of(op))]
        if found:
            yield ctx.passed(spec.display, "health endpoint " + ", ".join(op.label for op in found[:3]))
        elif only_inferred(ctx, spec) and spec.servers and not any(_self_hosted(url) for url in spec.servers):
            hosts = ", ".join(sorted({_host(url) for url in spec.servers}))
            yield ctx.unknown(
                spec.display,
                f"API {spec.title or spec.display} has no health operation, but it is served from {hosts}; without "
                "a catalog it is unknown whether it is a service you operate or a vendor's SaaS (whose status page "
                "would answer for it)",
                spec.location("/servers"),
            )
        else:
            yield ctx.fail(
                spec.display,
                f"API {spec.title or spec.display} has no health, status, readiness or liveness operation "
                f"among its {len(spec.operations)} operations",
                spec.location("/paths"),
                evidence={"operations": len(spec.operations)},
            )


def _host(url: str) -> str:
    return re.sub(r"^[a-z][a-z0-9+.-]*://", "", url.strip().lower()).split("/", 1)[0].rsplit("@", 1)[-1]


def _self_hosted(url: str) -> bool:
    """A server on a host only its operator can reach: localhost, an IP, a cluster-internal name."""
    host = _host(url).split(":", 1)[0]
    if not re.fullmatch(r"[a-z0-9.\-]+|\[[0-9a-f:]+\]", host):
        return False  # a placeholder such as {host} or <local-terminal-IP-address>
    return ("." not in host or host == "localhost" or re.fullmatch(r"[\d.]+|\[[0-9a-f:]+\]", host) is not None
            or host.endswith((".local", ".internal", ".svc", ".cluster.local", ".lan", ".intra", ".corp")))
