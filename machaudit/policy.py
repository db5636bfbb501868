"""The company's policy the data-location and journey checks judge against, and region knowledge.

Regions are matched by glob patterns (`eu-*`, `europe-*`, `westeurope`); a data class with no entry
in `allowed_regions` falls back to `default`, and `None` there means any region is allowed.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Mapping

# Regions inside the EU/EEA for the big clouds, plus the usual spellings in catalogs.
EU_REGIONS: tuple[str, ...] = (
    "eu", "eu-*", "europe-*", "*europe*", "germany*", "france*", "sweden*", "norway*", "italy*",
    "poland*", "spain*", "switzerland*", "de-*", "de", "fr-*", "nl-*", "at-*", "ie-*", "fra*", "ams*",
)
PERSONAL_DATA_CLASSES = ("customer-pii", "payment", "order", "invoice", "ticket", "shipment")
CORE_ENTITIES = ("customer", "order", "product", "price", "stock", "invoice", "shipment")


@dataclass(frozen=True)
class Policy:
    allowed_regions: Mapping[str, tuple[str, ...] | None] = field(
        default_factory=lambda: {
            **{data_class: EU_REGIONS for data_class in PERSONAL_DATA_CLASSES},
            "default": None,
        }
    )
    core_entities: tuple[str, ...] = CORE_ENTITIES
    required_touchpoints: tuple[str, ...] = (
        "product-search", "price-check", "availability-check", "place-order", "payment",
        "order-tracking", "cancel-order", "returns", "ticket-status",
    )

    def allowed_for(self, data_class: str) -> tuple[str, ...] | None:
        if data_class in self.allowed_regions:
            return self.allowed_regions[data_class]
        return self.allowed_regions.get("default")

    def region_allowed(self, data_class: str, region: str) -> bool | None:
        """True/False against the policy; None when the policy says nothing about that class."""
        allowed = self.allowed_for(data_class)
        if allowed is None:
            return None
        region = region.strip().lower()
        return any(fnmatch.fnmatchcase(region, pattern.lower()) for pattern in allowed)


# Region hints in server hosts: "api.eu-central-1.vendor.com", "europe-west3-run.app",
# "shop.eu.vendor.com", "api-us.vendor.com".
_HOST_REGION = [
    (re.compile(r"(?<![a-z])((?:eu|us|ap|ca|sa|me|af|il)-(?:central|west|east|north|south|northeast|southeast|northwest|southwest)-\d)(?![a-z0-9])"), None),
    (re.compile(r"(?<![a-z])((?:europe|us|asia|australia|northamerica|southamerica|me|africa)-(?:west|east|north|south|central|northeast|southeast|southwest|northwest)\d+)(?![a-z0-9])"), None),
    (re.compile(r"(?<![a-z])(westeurope|northeurope|germanywestcentral|francecentral|swedencentral|eastus2?|westus[23]?|centralus|uksouth|ukwest)(?![a-z0-9])"), None),
    (re.compile(r"(?:^|[.\-])(eu)(?:[.\-])"), "eu"),
    (re.compile(r"(?:^|[.\-])(us)(?:[.\-])"), "us"),
    (re.compile(r"(?:^|[.\-])(de)(?:[.\-])"), "de"),
]


def region_from_url(url: str) -> str:
    """A region named in a server URL's host, or "" (callers must mark the result as inferred)."""
    host = re.sub(r"^[a-z]+://", "", url.strip().lower()).split("/", 1)[0].split(":", 1)[0]
    for pattern, fixed in _HOST_REGION:
        match = pattern.search(host)
        if match:
            return fixed or match.group(1)
    return ""
