import re

from machaudit.registry import check
from machaudit_checks.api._common import definition_gaps, openapi_specs

ERROR_CODE = re.compile(r"^(?:[45](?:\d\d|XX)|default)$", re.IGNORECASE)


@check("API004", "no-error-contract", severity="low")
def no_error_contract(ctx):
    """What: an operation that declares only success responses (2xx, maybe 3xx): no 4xx, no 5xx,
    no `default`, so the contract says nothing about how it fails.

    Why it matters for MACH: in a composed stack every consumer must tell a rejected request
    (fix and do not retry) from an outage (retry later) from a business refusal (credit limit
    exceeded, out of stock). Without declared errors each consumer guesses from status codes and
    free text, and a provider's change in error format breaks them silently.

    Example: `GET /preislisten/{kundennummer}` with only `200` declared, although it answers 404
    for an unknown customer.

    Fix: declare the errors each operation can return (400, 401/403, 404, 409/422, 429, 5xx or
    `default`) with one shared error schema, ideally RFC 9457 `application/problem+json`.
    """
    yield from definition_gaps(ctx, "whether its operations declare errors")
    for spec in openapi_specs(ctx):
        if not spec.operations:
            yield ctx.not_applicable(spec.display, "the spec declares no operations")
            continue
        for op in spec.operations:
            subject = f"{spec.display} {op.label}"
            if any(ERROR_CODE.match(code.strip()) for code in op.responses):
                yield ctx.passed(subject)
            elif not op.responses:
                yield ctx.fail(subject, f"{op.label} declares no responses at all, so no error either",
                               spec.location(op.pointer))
            else:
                yield ctx.fail(
                    subject,
                    # The codes go to the evidence: the sentence is the same for every operation of
                    # a spec that shares the practice, so they are reported as one fact per spec.
                    f"{op.label} declares only success responses: no 4xx, 5xx or default",
                    spec.location(op.pointer + "/responses"),
                    evidence={"responses": list(op.responses)},
                )
