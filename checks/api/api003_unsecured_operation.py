import re
from dataclasses import dataclass

from machaudit import capabilities
from machaudit.capabilities import evidence as ev
from machaudit.capabilities import vocabulary as vocab
from machaudit.findings import Severity, escape_pointer_token
from machaudit.registry import check
from machaudit.spec_analysis import operation_node, pii_properties, resolve, response_schemas
from machaudit_checks.api import _auth
from machaudit_checks.api._common import apis_of, definition_gaps, openapi_specs, short_list

UNSECURED, NOT_DECLARED, CONTRACT = "unsecured", "security-not-declared", "implemented-contract"


@check("API003", "unsecured-operation", severity="high", options={
    # Operations open on purpose are read by machaudit.capabilities (probes, sign-in, sign-up,
    # password resets, catalogue reads). More of your own, as regexes on the path:
    "public_paths": [],  # open whatever the method
    "public_read_paths": [],  # open for GET/HEAD while the response carries no personal data
    "sign_up_paths": [],  # a POST creating a customer account on a customer-facing API
})
def unsecured_operation(ctx):
    """What: an operation no caller has to authenticate for, or whose contract does not say how
    they do. Three verdicts, each naming the evidence weighed:
    - unsecured (high; critical when the response carries personal data, named in the evidence): the
      operation applies an empty requirement (`security: []`, or `{}` beside others), or
      `x-amazon-apigateway-auth: NONE`, or nothing anywhere says it is secured;
    - security not declared in the contract (low; medium with personal data): no `security`
      applies, but the spec or catalog shows the API is secured: descriptions speak of session
      cookies, bearer tokens, API keys or OAuth; an API-gateway extension
      (`x-amazon-apigateway-auth`, `-authorizer`, `-authtype`) secures it; security schemes are
      defined but not applied; or the catalog exposes the API only through an api-gateway with a
      `machaudit.io/auth` annotation;
    - a contract you implement (low): webhooks, callbacks and endpoints the platform calls on your
      server ("you implement this endpoint") are judged on whether they say how the receiver tells
      the caller is genuine (security, signature, HMAC), not as exposed operations.
    Exempt, as the capability layer reads each operation: health probes and discovery documents,
    sign-in and sign-out (authentication), sign-up (a POST creating a customer account on a store
    API, or a registration), password resets, and catalogue reads without personal data (products,
    categories, the shop's reference data, shipping and payment options) that are not an
    admin's or a partner's; options public_paths, public_read_paths, sign_up_paths add your own.

    Why it matters for MACH: in a composable stack every API is reachable by many consumers,
    gateways and partners; a contract that does not say how callers authenticate gets generated
    clients, gateway routes and partner integrations that send no credentials, and an anonymous
    endpoint that returns customers' addresses is a data breach waiting for a crawler.

    Example: `GET /customers/{id}/addresses` with no `security` anywhere in the spec and no word
    of authentication, returning `street`, `postcode` and `email`.

    Fix: declare the scheme under `components.securitySchemes` and apply it, once at the root
    (`security: [{oauth2: [orders.read]}]`) or per operation; keep `security: []` for the
    endpoints that are public on purpose.
    """
    yield from definition_gaps(ctx, "whether its operations are secured")
    public = [re.compile(p, re.IGNORECASE) for p in ctx.options["public_paths"]]
    public_reads = [re.compile(p, re.IGNORECASE) for p in ctx.options["public_read_paths"]]
    sign_up = [re.compile(p, re.IGNORECASE) for p in ctx.options["sign_up_paths"]]
    for spec in openapi_specs(ctx):
        contracts = list(_webhooks_and_callbacks(spec))
        if not spec.operations and not contracts:
            yield ctx.not_applicable(spec.display, "the spec declares no operations")
            continue
        facts = _facts(ctx, spec)
        offered = {f.operation.pointer: f for f in capabilities.of_spec(spec)}
        for op in spec.operations:
            subject = f"{spec.display} {op.label}"
            if _secured(op.security):
                yield ctx.passed(subject, "security: " + _describe(op.security))
                continue
            wording = f"{op.summary} {op.description}"
            receiver = _auth.phrase(_auth.RECEIVER_WORDS, wording) or facts.receiver
            if receiver:
                yield _judge_contract(ctx, spec, subject, op.label, op.pointer, op.security, wording, facts,
                                      f"its description says {receiver!r}")
                continue
            pii = _personal_data(spec, op)
            exempt = _open_on_purpose(op, offered.get(op.pointer), facts, bool(pii))
            if not exempt and any(p.search(op.path) for p in public):
                exempt = "is public by design (options public_paths)"
            if not exempt and op.method == "POST" and facts.customer_facing and any(p.search(op.path) for p in sign_up):
                exempt = "is sign-up on a store API (options sign_up_paths)"
            if not exempt and op.method in ("GET", "HEAD") and not pii and any(p.search(op.path) for p in public_reads):
                exempt = "is a public catalogue read (options public_read_paths)"
            if exempt:
                yield ctx.not_applicable(subject, f"{op.label} {exempt}")
                continue
            verdict, why, evidence = _weigh(spec, op, wording, facts, pii)
            if verdict is None:
                yield ctx.not_applicable(subject, f"{op.label} {why}")
                continue
            severity = (Severity.CRITICAL if pii else None) if verdict == UNSECURED else \
                (Severity.MEDIUM if pii else Severity.LOW)
            yield ctx.fail(
                subject,
                # Which personal data, field by field, is evidence: the message states the fact, so
                # the same fact of several operations of a spec is one finding (machaudit/spec_wide.py).
                f"{op.label} {why}" + ("; its response carries personal data" if pii else ""),
                spec.location(op.pointer + ("/security" if _declared_on_operation(spec, op) else "")),
                evidence={"verdict": verdict, "security": op.security, "schemes": facts.schemes,
                          "weighed": evidence, "pii": [p for p, _ in pii],
                          "pii_kinds": sorted({k for _, k in pii}), "pii_examples": _examples(pii)},
                severity=severity,
            )
        for label, pointer, security, wording in contracts:
            subject = f"{spec.display} {label}"
            if _secured(security):
                yield ctx.passed(subject, f"a contract you implement; the caller authenticates with {_describe(security)}")
                continue
            yield _judge_contract(ctx, spec, subject, label, pointer, security, wording, facts,
                                  "it is an OpenAPI webhook or callback")


def _open_on_purpose(op, found, facts, pii: bool) -> str:
    """Why an operation is open on purpose, as the capability layer reads it, or ""."""
    literal = [s for s in op.path.split("?")[0].split("/") if s and not ev.is_param(s)]
    last = ev.words(literal[-1]) if literal else ()
    meaningful = [seg.words for seg in ev.segments(op.path)]
    if last and all(w in vocab.PROBE_WORDS for w in last) or meaningful and \
            all(w in vocab.WHOLE_PATH_PROBE_WORDS for ws in meaningful for w in ws):
        return "is a health or status probe"
    if any(w in vocab.DISCOVERY_WORDS for s in literal for w in ev.words(s)):
        return "is a discovery document"
    if meaningful and all(w in vocab.OAUTH_WORDS for ws in meaningful for w in ws):
        return "is an OAuth endpoint where callers get their credentials"
    if found is None:
        return ""
    if "authenticate" in found.actions and (found.audience in ("shopper", "b2b-buyer") or meaningful and any(
            vocab.VERBS.get(w) == "authenticate" for w in meaningful[0])):
        # the caller's own sign-in (`/auth/...`, `/login`, a shopper's token), not an API that
        # authenticates someone else for the merchant (`/ideal/profile/authenticate`)
        return "is sign-in or sign-out (authentication)"
    words = {w for s in literal for w in ev.words(s)}
    if words & vocab.PASSWORD_WORDS and words & vocab.RESET_WORDS and op.method in ("POST", "PUT", "PATCH"):
        return "is a password reset"
    if op.method == "POST" and found.offers("customer", "create") and literal \
            and (facts.customer_facing or any("'register'" in e for c in found.capabilities for e in c.evidence)):
        return "is sign-up: it creates a customer account"
    if op.method in ("GET", "HEAD") and not pii and _public_read(found, {w for ws in meaningful for w in ws}):
        return "is a public catalogue read"
    return ""


def _public_read(found, words: set[str]) -> bool:
    """A read of the catalogue or the shop's reference data that no admin or partner audience is
    named for (a guessed audience does not count against it)."""
    if found.audience_named and found.audience not in ("shopper", "b2b-buyer", "internal"):
        return False
    if not found.capabilities or not found.actions <= {"read", "search", "configure"}:
        return False
    return all(c.entity in vocab.CATALOGUE_ENTITIES and c.action in ("read", "search")
               or c.term in vocab.PUBLIC_OPTION_TERMS
               or (not c.entity or c.action == "configure") and bool(words & vocab.PUBLIC_REFERENCE_WORDS)
               for c in found.capabilities)


@dataclass(frozen=True)
class _Facts:
    """What one spec (and the catalog around it) says about authentication, read once per spec."""

    schemes: list[str]
    applied: int  # operations that apply a scheme
    total: int
    info_auth: str  # a phrase of info.description that speaks of authentication
    info_open: str  # … or says none is needed
    scheme_gateway: list[str]  # schemes carrying API-gateway extensions
    gateways: list[str]  # authenticating gateways in front (catalog)
    customer_facing: bool
    receiver: str  # info.description says the reader implements this API


def _facts(ctx, spec) -> _Facts:
    data = spec.data if isinstance(spec.data, dict) else {}
    info = data.get("info") if isinstance(data.get("info"), dict) else {}
    description = str(info.get("description") or "")
    components = data.get("components") if isinstance(data.get("components"), dict) else {}
    schemes = components.get("securitySchemes") or data.get("securityDefinitions")  # 3.x, Swagger 2.0
    title = str(info.get("title") or "")
    return _Facts(
        schemes=sorted(str(k) for k in schemes) if isinstance(schemes, dict) else [],
        applied=sum(1 for op in spec.operations if _secured(op.security)),
        total=len(spec.operations),
        info_auth=_auth.auth_phrase(description),
        info_open=_auth.phrase(_auth.NO_AUTH_WORDS, description),
        scheme_gateway=_auth.scheme_gateway_extensions(schemes),
        gateways=_auth.gateways_in_front(ctx.stack, [a.ref for a in apis_of(ctx, spec)]),
        customer_facing=bool(CUSTOMER_FACING.search(title)
                             or any(CUSTOMER_FACING_PATH.search(op.path) for op in spec.operations[:50])),
        receiver=_auth.phrase(_auth.RECEIVER_WORDS, description),
    )


CUSTOMER_FACING = re.compile(r"\b(store|storefront|shop|webshop|shopper)\b", re.IGNORECASE)
CUSTOMER_FACING_PATH = re.compile(r"(^|/)(store|storefront|shop|shopper)(/|$)", re.IGNORECASE)


def _weigh(spec, op, wording: str, facts: _Facts, pii) -> tuple[str | None, str, list[str]]:
    """(verdict, why, evidence weighed) for an operation without effective security; verdict None:
    public on purpose, by its own words."""
    gateway_kind, gateway_shown = _auth.gateway_auth(op.extensions)
    stated = [f"{gateway_shown} on the operation"] if gateway_kind == "secured" else []
    op_auth = _auth.auth_phrase(wording)
    if op_auth:
        stated.append(f"its description speaks of {op_auth!r}")
    if facts.info_auth:
        stated.append(f"info.description speaks of {facts.info_auth!r}")
    if facts.schemes:
        used = f", applied to {facts.applied} of its {facts.total} operations" if facts.applied else ", applied nowhere"
        stated.append(f"the spec defines {', '.join(facts.schemes)}{used}")
    if facts.scheme_gateway:
        stated.append(f"API-gateway authorizers on {', '.join(facts.scheme_gateway)}")
    if facts.gateways:
        stated.append(f"the catalog exposes it only through {', '.join(facts.gateways)}")
    if op.security is not None and gateway_kind != "secured":  # `security: []` or `{}`: open on purpose
        return UNSECURED, _explicitly_open(op), [_explicitly_open(op)]
    if gateway_kind == "open":
        return UNSECURED, f"is explicitly unsecured at the gateway (`{gateway_shown}`)", [gateway_shown]
    said_open = _auth.phrase(_auth.NO_AUTH_WORDS, wording) or (facts.info_open if not facts.info_auth else "")
    if said_open and not op_auth:
        if not pii:
            return None, f"is public by its own description ({said_open!r})", [said_open]
        return UNSECURED, f"is public by its own description ({said_open!r})", [said_open]
    if stated:
        return (NOT_DECLARED, "declares no security in its contract (no `security` applies), but the spec or "
                "catalog speaks of authentication: " + "; ".join(stated), stated)
    return UNSECURED, ("has no security at all: no `security` applies, the spec defines no security scheme, "
                       "and neither its descriptions, gateway extensions nor the catalog speak of authentication"), []


def _explicitly_open(op) -> str:
    if op.security == ():
        return "is explicitly unsecured (`security: []`)"
    named = [" + ".join(r) for r in op.security if r]
    return ("lets anonymous callers in: its security includes an empty requirement `{}`"
            + (f" beside {' or '.join(named)}" if named else ""))


def _judge_contract(ctx, spec, subject: str, label: str, pointer: str, security, wording: str, facts: _Facts,
                    because: str):
    """A webhook, callback or endpoint the reader implements: does the contract say how the
    receiver knows the call is genuine?"""
    proof = (_auth.phrase(_auth.CALLER_PROOF_WORDS, wording) or _auth.auth_phrase(wording)
             or facts.info_auth)
    if proof:
        return ctx.passed(subject, f"a contract you implement ({because}); the caller proves itself: {proof!r}")
    return ctx.fail(
        subject,
        f"{label} is a contract you implement ({because}), and it does not say how you can tell the caller "
        "is genuine: no security requirement, signature, HMAC or credentials described",
        spec.location(pointer),
        evidence={"verdict": CONTRACT, "security": security, "schemes": facts.schemes, "weighed": [because]},
        severity=Severity.LOW,
    )


def _webhooks_and_callbacks(spec):
    """(label, pointer, effective security, wording) of each OpenAPI 3.1 webhook and each callback."""
    data = spec.data if isinstance(spec.data, dict) else {}
    root_security = data.get("security")
    webhooks = data.get("webhooks") if isinstance(data.get("webhooks"), dict) else {}
    for name, raw in webhooks.items():
        _, item = resolve(spec, raw)
        for method, node in _methods(item):
            yield (f"webhook {name} {method.upper()}", f"/webhooks/{escape_pointer_token(str(name))}/{method}",
                   _security_of(node, root_security), _words(node))
    for op in spec.operations:
        key, node = operation_node(spec, op)
        callbacks = node.get("callbacks") if isinstance(node.get("callbacks"), dict) else {}
        for name, raw in callbacks.items():
            _, callback = resolve(spec, raw, key)
            for expression, raw_item in (callback.items() if isinstance(callback, dict) else ()):
                _, item = resolve(spec, raw_item, key)
                for method, cb in _methods(item):
                    yield (f"{op.label} callback {name} {method.upper()} {expression}",
                           f"{op.pointer}/callbacks/{escape_pointer_token(str(name))}/"
                           f"{escape_pointer_token(str(expression))}/{method}",
                           _security_of(cb, root_security), _words(cb))


def _methods(item):
    if isinstance(item, dict):
        for method in ("get", "put", "post", "delete", "patch", "head", "options"):
            if isinstance(item.get(method), dict):
                yield method, item[method]


def _security_of(node: dict, root):
    value = node.get("security", root)
    if not isinstance(value, list):
        return None
    return tuple(tuple(str(k) for k in req) if isinstance(req, dict) else () for req in value)


def _words(node: dict) -> str:
    return f"{node.get('summary') or ''} {node.get('description') or ''}"


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


def _declared_on_operation(spec, op) -> bool:
    return "security" in operation_node(spec, op)[1]
