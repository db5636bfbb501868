"""Bounds on untrusted input and on memory, one value per run (config `[limits]`).

Every reader of specs, catalogs and fetched documents takes its bounds from here; a config file of
the audited tree may only lower them (config.py).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Bounds on untrusted documents. A document over a bound is refused, not half-read."""

    max_bytes: int = 64 * 1024 * 1024
    max_depth: int = 200
    # Values reachable once YAML aliases are expanded: a "billion laughs" document is tiny on disk
    # but explodes here, so it is refused before any consumer walks it.
    max_nodes: int = 20_000_000
    # Parsed documents held at once, in MB of their marshalled form (x5-6 as Python objects);
    # beyond it, the documents of specs not being read are kept compressed until read again.
    parsed_documents_mb: int = 4
    # Work openapi-spec-validator may do on one spec (keyword validators called, schemas walked,
    # JSON Schema keywords applied to defaults): a spec that needs more gets one SPC001 finding
    # saying so instead of hours of validation. Counted in steps, not seconds, so findings do not
    # depend on the machine; the largest specs of the corpus need ~25,000, 500,000 is about ten seconds on a 2-core machine.
    validation_steps: int = 500_000
