import re

from machaudit.registry import check
from machaudit_checks.spec._validator_classes import classify

_DUPLICATE_ID = re.compile(r"Operation ID '.*' for '.*' in '.*' is not unique")


@check("SPC001", "invalid-openapi", severity="high", needs_validation=True)
def invalid_openapi(ctx):
    """What: the spec breaks the OpenAPI/Swagger schema or its rules (openapi-spec-validator), or an
    AsyncAPI document breaks the official AsyncAPI JSON Schema of its version.

    Why it matters for MACH: an invalid contract cannot drive code generation, gateways, mocks or
    contract tests, so the API is API-first in name only.

    Severity by consequence (checks/spec/_validator_classes.py, README "SPC001: structural
    errors and schema slips"): a structural error (the document cannot be used as a contract) is
    high; a slip inside a JSON Schema is medium where a client generator produces other code from
    it (type, format, pattern, default, …), low where it does not (`required: []`,
    `exclusiveMaximum: false` without `maximum`, an unknown keyword).

    Example: a parameter with `in: querie`, a path parameter that is not declared, a response
    without `description`; an AsyncAPI operation whose `action` is `emit`.

    Fix: correct the document at the reported line; `machaudit validate FILE` checks it alone.
    """
    for spec in ctx.stack.specs.values():
        if not spec.parsed or spec.style not in ("openapi", "asyncapi"):
            continue  # SPC002 reports unreadable documents, and problems of GraphQL and protobuf
        # Duplicate operationIds, which the validator also reports, are SPC004's finding.
        invalid = [p for p in spec.problems if p.kind == "invalid" and not _DUPLICATE_ID.match(p.message)]
        for problem in invalid:
            where = f" at {problem.location.pointer}" if problem.location.pointer else ""
            kind = classify(problem.pointer, problem.keyword, problem.message, spec.version)
            yield ctx.fail(spec.display, f"{problem.message}{where} ({kind.describe()})", problem.location,
                           severity=kind.severity)
        if not invalid:
            yield ctx.passed(spec.display)
