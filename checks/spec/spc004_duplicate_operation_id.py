from machaudit.registry import check


@check("SPC004", "duplicate-operation-id", severity="medium")
def duplicate_operation_id(ctx):
    """What: the same operationId on two operations of one API.

    Why it matters for MACH: generated clients, gateways and the touchpoint map identify operations
    by operationId; duplicates make them collide or silently drop one.

    Example: `getOrder` on both `GET /orders/{id}` and `GET /v2/orders/{id}`.

    Fix: give each operation a unique operationId.
    """
    for spec in ctx.stack.specs.values():
        if not spec.parsed or not spec.is_openapi:
            continue  # an OpenAPI rule: other styles name operations by document keys
        seen = {}
        duplicates = 0
        for op in spec.operations:
            if not op.operation_id:
                continue
            first = seen.setdefault(op.operation_id, op)
            if first is not op:
                duplicates += 1
                yield ctx.fail(
                    f"{spec.display} {op.label}",
                    f"operationId {op.operation_id!r} of {op.label} is already used by {first.label}",
                    spec.location(op.pointer + "/operationId"),
                )
        if not duplicates:
            yield ctx.passed(spec.display)
