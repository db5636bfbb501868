import re

from machaudit.registry import check
from machaudit_checks.api._common import definition_gaps, media_types, openapi_specs

SEMVER = re.compile(r"^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
# /v1, /v2.1, /V3, /2.0 (Bitbucket), /v{version} or /{apiVersion} as a path or server segment; a
# date segment /2024-01 or /2024-01-15 (Shopify style)
VERSION_SEGMENT = re.compile(
    r"^(?:v\d+(?:\.\d+)*|\d+\.\d+|\d{4}-\d{2}(?:-\d{2})?|v\{[^}]*\}|\{[^}]*version[^}]*\})$", re.IGNORECASE)
# application/vnd.acme.v2+json, application/json; version=2, application/vnd.acme+json;v=2
MEDIA_VERSION = re.compile(r"vnd\.[^;]*?[.+-]v\d+|;\s*(?:api-?)?version\s*=|;\s*v\s*=\s*\d", re.IGNORECASE)


@check("API001", "no-api-versioning", severity="medium", options={
    # a header or query parameter that selects the contract version (any header ending in -version
    # counts too, e.g. Stripe-Version); a plain `version` query parameter is usually a resource's
    # optimistic-locking version, not the API's
    "version_parameters": ["api-version", "x-api-version", "accept-version"],
    "min_versioned_path_share": 0.5,
})
def no_api_versioning(ctx):
    """What: an API that gives its clients no version to pin: no /v{n} prefix (on more than
    min_versioned_path_share of its paths), no version in its servers' URLs, no versioned media
    type or version header/parameter, and an info.version that is not semantic
    (major.minor.patch). The finding names every piece of evidence that is missing. Specs with no
    operations (webhook documents) are not judged.

    Why it matters for MACH: composable means each service evolves on its own release train;
    without a version in the contract a provider cannot ship a breaking change without breaking
    every consumer at once, and consumers cannot tell which contract they were built against.

    Example: `servers: [{url: https://erp.example.com/api}]`, paths `/orders`, `/customers`,
    `info.version: "2023-Q4 build 17"`.

    Fix: put the major version in the base path (`/v1`, in `servers` or in every path), or use a
    versioned media type (`application/vnd.acme.orders.v1+json`) or a version header; keep
    `info.version` as semver (1.4.0) and bump the major on breaking changes.
    """
    yield from definition_gaps(ctx, "whether it is versioned")
    params = {p.lower() for p in ctx.options["version_parameters"]}
    share = float(ctx.options["min_versioned_path_share"])
    for spec in openapi_specs(ctx):
        if not spec.operations:
            yield ctx.not_applicable(spec.display, "no operations to call (a webhook or events document)")
            continue
        evidence, missing = [], []

        paths = list(((spec.data or {}).get("paths") or {}).keys())
        versioned = [p for p in paths if any(VERSION_SEGMENT.match(s) for s in str(p).strip("/").split("/"))]
        if paths and len(versioned) / len(paths) > share:
            evidence.append(f"{len(versioned)} of {len(paths)} paths carry a version segment (e.g. {versioned[0]})")
        elif versioned:
            missing.append(f"only {len(versioned)} of {len(paths)} paths carry a /v{{n}} segment (e.g. {versioned[0]})")
        else:
            missing.append("no /v{n} path prefix")

        server = _versioned_server(spec)
        if server:
            evidence.append(f"server URL {server} carries a version")
        else:
            missing.append("no version in the servers' URLs" if spec.servers else "no servers declared")

        media = sorted({m for op in spec.operations for m in media_types(spec, op) if MEDIA_VERSION.search(m)})
        if media:
            evidence.append(f"versioned media type {media[0]}")
        header = sorted({f"{p.location} parameter {p.name}" for op in spec.operations for p in op.parameters
                         if (p.location in ("header", "query") and p.name.lower() in params)
                         or (p.location == "header" and p.name.lower().endswith("-version"))})
        if header:
            evidence.append(f"version {header[0]}")
        if not media and not header:
            missing.append("no versioned media type or version header")

        if SEMVER.match(spec.api_version):
            evidence.append(f"info.version {spec.api_version} is semver")
        elif spec.api_version:
            missing.append(f"info.version {spec.api_version!r} is not semver (major.minor.patch)")
        else:
            missing.append("no info.version")

        if evidence:
            yield ctx.passed(spec.display, "; ".join(evidence))
        else:
            info = (spec.data or {}).get("info")
            pointer = "/info/version" if isinstance(info, dict) and "version" in info else ("/info" if info else "")
            yield ctx.fail(
                spec.display,
                f"API {spec.title or spec.display} gives clients no version to pin: " + "; ".join(missing),
                spec.location(pointer),
                evidence={"missing": missing, "info_version": spec.api_version, "servers": list(spec.servers)},
            )


def _versioned_server(spec) -> str:
    servers = (spec.data or {}).get("servers")
    for url in spec.servers:
        host_and_path = re.sub(r"^[a-z]+://", "", url.lower())
        host, _, path = host_and_path.partition("/")
        in_path = any(VERSION_SEGMENT.match(s) for s in path.split("/"))
        in_host = any(re.match(r"^v\d+$", label) for label in re.split(r"[.-]", host))  # v2.api.example.com
        if in_path or in_host:
            return url
    # a server variable such as {version} whose default is a version
    for server in servers if isinstance(servers, list) else ():
        variables = server.get("variables") if isinstance(server, dict) else None
        for name, variable in (variables or {}).items() if isinstance(variables, dict) else ():
            default = str(variable.get("default", "")) if isinstance(variable, dict) else ""
            if "version" in str(name).lower() or VERSION_SEGMENT.match(default):
                return f"{server.get('url')} ({name}={default})"
    return ""
