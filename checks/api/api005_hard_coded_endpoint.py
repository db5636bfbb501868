import ipaddress
import re

from machaudit.registry import check
from machaudit_checks.api._common import definition_gaps, openapi_specs

LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


@check("API005", "hard-coded-endpoint", severity="medium")
def hard_coded_endpoint(ctx):
    """What: a spec whose servers (or Swagger 2.0 `host`) point at an IP literal or at localhost,
    server variables' defaults included; the offending URLs are named.

    Why it matters for MACH: a contract is shared by every consumer and every environment.
    An endpoint bound to one machine's address breaks on the next re-deployment, failover or
    move to a managed service, sends generated clients and API portals to a developer's laptop,
    and shows that the service is addressed by hand rather than through DNS, a gateway or
    service discovery.

    Example: `servers: [{url: http://10.20.4.17:8080/erp-adapter}]`, or `http://localhost:9000`
    as the first server.

    Fix: publish the stable DNS names of the gateway or service (`https://api.example.com/v1`),
    one per environment, or a server variable for the host; keep local development URLs out of
    the published spec.
    """
    yield from definition_gaps(ctx, "whether its endpoints are hard-coded")
    for spec in openapi_specs(ctx):
        offending = []  # (url, what, pointer)
        for url, pointer in _server_urls(spec):
            what = _hard_coded(url)
            if what:
                offending.append((url, what, pointer))
        if not offending:
            yield ctx.passed(spec.display, "servers: " + (", ".join(spec.servers) or "none declared"))
            continue
        yield ctx.fail(
            spec.display,
            f"API {spec.title or spec.display} names hard-coded endpoints: "
            + "; ".join(f"{url} ({what})" for url, what, _ in offending),
            spec.location(offending[0][2]),
            evidence={"servers": [url for url, _, _ in offending]},
        )


def _server_urls(spec):
    """(URL with variable defaults filled in, JSON pointer) for every server the spec declares."""
    data = spec.data or {}
    if data.get("swagger"):
        host = data.get("host")
        if isinstance(host, str) and host.strip():
            yield host.strip() + str(data.get("basePath") or ""), "/host"
        return
    servers = data.get("servers")
    for index, server in enumerate(servers if isinstance(servers, list) else []):
        if not isinstance(server, dict) or not isinstance(server.get("url"), str):
            continue
        url = server["url"]
        variables = server.get("variables") if isinstance(server.get("variables"), dict) else {}
        for name, variable in variables.items():
            if isinstance(variable, dict) and "default" in variable:
                url = url.replace("{" + str(name) + "}", str(variable["default"]))
        yield url, f"/servers/{index}/url"


def _hard_coded(url: str) -> str:
    """"localhost", "IP address 10.0.0.5" … or "" for a URL with a host name."""
    rest = re.sub(r"^[a-z][a-z0-9+.-]*://", "", url.strip(), flags=re.IGNORECASE)
    authority = rest.split("/", 1)[0].rsplit("@", 1)[-1]
    if authority.startswith("["):
        host = authority[1:].split("]", 1)[0]
    else:
        host = authority.rsplit(":", 1)[0] if authority.count(":") == 1 else authority
    host = host.lower().rstrip(".")
    if host in LOCAL_NAMES or host.endswith(".localhost"):
        return "localhost"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return ""
    if address.is_loopback:
        return f"loopback address {host}"
    if address.is_unspecified:
        return f"unspecified address {host}"
    return f"{'private ' if address.is_private else ''}IP address {host}"
