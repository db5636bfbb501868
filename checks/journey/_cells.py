"""Shared by the journey checks: reading the touchpoint map."""

from machaudit.findings import Location
from machaudit.journey import INTERNAL_ONLY, MISSING, PHONE_ONLY, SELF_SERVICE, STAFF_ONLY


def customer_states(ctx, touchpoint) -> dict[str, str]:
    """State per customer channel (the call centre left out) for one touchpoint."""
    journey = ctx.journey
    return {c: journey.cell(touchpoint.name, c).state for c in journey.customer_channels(ctx.stack)}


def operation_location(match) -> Location | None:
    return Location(match.spec, match.pointer) if match else None


def required(ctx, touchpoint) -> bool:
    return touchpoint.required or touchpoint.name in ctx.policy.required_touchpoints


__all__ = ["customer_states", "operation_location", "required", "SELF_SERVICE", "PHONE_ONLY", "STAFF_ONLY", "INTERNAL_ONLY", "MISSING"]
