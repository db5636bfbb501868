import re

from machaudit import spec_analysis as sa
from machaudit.registry import check

from machaudit_checks.cloud._hosting import is_saas, update_model

_VERSION_SEGMENT = re.compile(r"/(?:v\d+(?:\.\d+)*|\d{4}-\d{2}(?:-\d{2})?|version\d+)(?=/|$|\{|\?)", re.IGNORECASE)
_VERSION_HOST = re.compile(r"(?:^|[.\-])v\d+(?:[.\-])", re.IGNORECASE)
_VERSION_PARAM = re.compile(r"(?:^|[-_])(?:api[-_]?)?version$", re.IGNORECASE)
_VERSION_MEDIA = re.compile(r"vnd\.[^;+]*\.v\d+|;\s*(?:version|v)=", re.IGNORECASE)


@check("CLD005", "unpinned-auto-updating-dependency", severity="medium")
def unpinned_auto_updating_dependency(ctx):
    """What: a component that consumes the API of an auto-updating SaaS (hosting saas and
    `machaudit.io/update-model: vendor-managed`) whose spec pins no version: no version in the
    server URLs (`/v2`, `/2024-06-01`), in the paths, in a version header or query parameter, or in
    the media type.

    Why it matters for MACH: the vendor deploys whenever it likes. If the consumer cannot ask for a
    fixed API version, every vendor release is a change to your integration, tested by your
    customers in production.

    Example: the order service calls the commerce SaaS at `https://api.commerce.example.com/orders`;
    the vendor changes the order payload and the order service breaks the same day.

    Fix: call a versioned base URL or send the version header the vendor offers (and record it in
    the spec you keep of the vendor API); if the vendor offers no versioning, put an adapter with
    contract tests in front of it.
    """
    stack = ctx.stack
    where = {(src, target): loc for src, rel, target, loc in stack.relations if rel in ("consumesApis", "dependsOn")}
    verdicts = {}
    for consumer in sorted(stack.components, key=lambda c: c.ref):
        consumed = list(dict.fromkeys(consumer.consumes_apis + tuple(
            t for t in consumer.depends_on if t in stack.entities and stack.entities[t].kind == "api")))
        for api_ref in consumed:
            api = stack.entities.get(api_ref)
            if api is None:
                continue
            saas = [p for p in stack.providers_of(api_ref) if p.ref != consumer.ref and is_saas(p)]
            if not saas:
                continue
            subject = f"{consumer.ref} -> {api_ref}"
            location = where.get((consumer.ref, api_ref)) or consumer.location
            managed = [p for p in saas if update_model(p) == "vendor-managed"]
            if not managed:
                if all(update_model(p) == "manual" for p in saas):
                    yield ctx.not_applicable(subject, "the SaaS is updated on the customer's schedule")
                else:
                    yield ctx.unknown(
                        subject,
                        f"{consumer.label} consumes API {api.label} of SaaS {saas[0].label}, which declares no "
                        "machaudit.io/update-model: cannot tell whether it changes under its consumers",
                        location,
                    )
                continue
            provider = managed[0]
            spec = stack.spec_of(api)
            if spec is None or not spec.parsed:
                yield ctx.unknown(subject, f"API {api.label} of SaaS {provider.label} has no readable spec: cannot tell whether its version can be pinned", location)
                continue
            if api_ref not in verdicts:
                verdicts[api_ref] = _pinned(spec)
            pin = verdicts[api_ref]
            if pin:
                yield ctx.passed(subject, f"version pinned by {pin}")
                continue
            yield ctx.fail(
                subject,
                f"component {consumer.label} consumes API {api.label} of auto-updating SaaS {provider.label}, "
                f"and {spec.display} carries no version (servers {', '.join(spec.servers) or 'none'}; no /v1-style "
                "paths, version header or versioned media type): every vendor release changes the integration",
                location,
                evidence={"consumer": consumer.ref, "api": api_ref, "provider": provider.ref, "servers": list(spec.servers)},
            )


def _pinned(spec) -> str:
    """How the spec lets a consumer fix the version, or ""."""
    data = spec.data or {}
    for url in spec.servers:
        body = re.sub(r"^[a-z]+://", "", url, flags=re.IGNORECASE)
        host, _, path = body.partition("/")
        if _VERSION_SEGMENT.search("/" + path) or _VERSION_HOST.search(host + "."):
            return f"server {url}"
    for server in data.get("servers") or []:
        variables = server.get("variables") if isinstance(server, dict) else None
        if isinstance(variables, dict) and any(re.search(r"version", str(v), re.IGNORECASE) for v in variables):
            return f"server variable in {server.get('url')}"
    if spec.operations and all(_VERSION_SEGMENT.search(op.path) for op in spec.operations):
        return f"paths ({spec.operations[0].path})"
    for op in spec.operations:
        for param in op.parameters:
            if param.location in ("header", "query") and _VERSION_PARAM.search(param.name):
                return f"{param.location} parameter {param.name}"
    for op in spec.operations:
        _, node = sa.operation_node(spec, op)
        for media in _media_types(spec, node):
            if _VERSION_MEDIA.search(media):
                return f"media type {media}"
    return ""


def _media_types(spec, node):
    _, body = sa.resolve(spec, node.get("requestBody"))
    if isinstance(body, dict) and isinstance(body.get("content"), dict):
        yield from body["content"]
    for raw in (node.get("responses") or {}).values() if isinstance(node.get("responses"), dict) else ():
        _, response = sa.resolve(spec, raw)
        if isinstance(response, dict) and isinstance(response.get("content"), dict):
            yield from response["content"]
    yield from (node.get("produces") or []) if isinstance(node.get("produces"), list) else []
