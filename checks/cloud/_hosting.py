"""Hosting and update facts of a component (`machaudit.io/hosting`, `machaudit.io/update-model`),
shared by the CLD checks."""

from __future__ import annotations

from machaudit.model import Entity

CLOUD_NATIVE = ("saas", "paas", "managed", "serverless")
NOT_CLOUD_NATIVE = ("self-hosted", "on-prem")
# Spellings seen in catalogs for the same two values.
_ALIASES = {
    "on-premise": "on-prem", "on-premises": "on-prem", "onprem": "on-prem", "on-premises-dc": "on-prem",
    "selfhosted": "self-hosted", "self-managed": "self-hosted", "iaas": "self-hosted",
    "faas": "serverless", "managed-service": "managed", "cloud-managed": "managed",
}


def hosting(entity: Entity) -> str:
    """Normalised hosting annotation, or "" when absent."""
    value = entity.annotation("hosting").strip().lower().replace("_", "-").replace(" ", "-")
    return _ALIASES.get(value, value)


def is_saas(entity: Entity) -> bool:
    return hosting(entity) == "saas" or entity.type == "saas"


def update_model(entity: Entity) -> str:
    value = entity.annotation("update-model").strip().lower().replace("_", "-").replace(" ", "-")
    return {"vendor": "vendor-managed", "automatic": "vendor-managed", "auto": "vendor-managed",
            "managed": "vendor-managed", "vendor-managed": "vendor-managed"}.get(value, value)


def auto_updating(entity: Entity) -> bool:
    return is_saas(entity) and update_model(entity) == "vendor-managed"


def judged(entity: Entity) -> bool:
    """Components the CLD checks judge: not channels, not libraries."""
    return entity.kind == "component" and not entity.is_channel and entity.type != "library"
