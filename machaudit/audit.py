"""The library API: one audit, from paths and a configuration to an `AuditReport`.

    from machaudit import run_audit
    report = run_audit(["specs/", "catalog-info.yaml"])
    for finding in report.findings:
        print(finding.severity.label, finding.check_id, finding.message)

The `machaudit audit` and `validate` commands are a shell around `run_audit`: they read the
configuration (flags, environment, config file), run it, and write the reports.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from machaudit.config import Config
    from machaudit.report import AuditReport


def run_audit(
    paths: Sequence[str],
    config: "Config | None" = None,
    *,
    journey_file: str = "",
    previous: Sequence[str] = (),
    baseline: str | None = None,
    specs_only: bool = False,
    jobs: int | None = None,
    cache: bool = True,
    progress=None,
    files_read: list[str] | None = None,
    title: str | None = None,
) -> "AuditReport":
    """Audit the specs and catalogs under `paths` (folders, files, globs or URLs; default ".").

    `config`: a `machaudit.config.Config` (default: the built-in defaults; `machaudit.cli.load_config`
    builds one as the command does). `journey_file`: a Journey document. `previous`: earlier versions
    of the specs (breaking-change checks). `baseline`: a baseline file; findings it knows are marked
    known. `specs_only`: every file is a spec and no catalog or journey is read (`machaudit validate`).
    `jobs`: validator processes (default and most: the cores). `cache`: reuse validation results of
    unchanged files. `files_read`: if given, the local files the audit read are appended to it.
    `title`: what the reports call the audited stack (default: the catalog's Domain or System
    names, else the audited folder's name).
    Raises ValueError (with a one-line message) for a mistake in what was asked; every worker
    process it starts has ended when it returns or raises.
    """
    from machaudit.baseline import read_baseline
    from machaudit.config import Config
    from machaudit.progress import NullProgress
    from machaudit.registry import load_checks, select, validate_selectors
    from machaudit.report import with_inputs
    from machaudit.sources import LoadOptions
    from machaudit.sources.validation_runs import start_early
    from machaudit.workers import job_count, worker_processes

    paths = list(paths) or ["."]
    config = config or Config()
    jobs = job_count(jobs)
    with worker_processes():
        start_early(paths, jobs, hand_back=not specs_only)  # the command started it already, before reading its configuration
        checks = load_checks()
        validate_selectors(checks, list(config.select) + list(config.ignore))
        disabled = [cid for cid, c in config.checks.items() if not c.enabled]
        chosen = select(checks, config.select, list(config.ignore) + disabled)
        if not chosen:
            raise ValueError("the selection leaves no check to run")
        known = read_baseline(baseline) if baseline else None
        options = LoadOptions(catalogs=list(config.catalogs), allow_remote=config.allow_remote,
                              read_catalog=not specs_only, limits=config.limits, journey_file=journey_file,
                              previous=list(previous), jobs=jobs, cache=cache,
                              remote_allow_hosts=config.remote_allow_hosts, ref_map=config.ref_map,
                              after_reading=None if specs_only else _read_capabilities)
        read = files_read if files_read is not None else []
        try:
            report = _audit_report(paths, options, chosen, config, known, progress or NullProgress(), read)
        finally:
            gc.unfreeze()  # what this audit froze (see _without_cyclic_gc) is collectable again
    return dataclasses.replace(with_inputs(report, paths, title), configuration={
        "file": config.source or None,
        "from_audited_tree": config.from_tree,
        "tree_settings": [setting.to_dict() for setting in config.tree_settings],
    })


def _audit_report(paths, options, chosen, config, known, progress, read):
    from machaudit.engine import run_checks
    from machaudit.graph import build_graphs
    from machaudit.journey import build_journey_map, journey_for
    from machaudit.sources import start_loading
    from machaudit.sources.refs import locate_location

    loaded = None
    try:
        # Validation goes on in worker processes while the graph, the journey and the checks are built.
        loaded = _without_cyclic_gc(lambda: start_loading(paths, options, progress))
        graphs = build_graphs(loaded.stack)
        journey_map = build_journey_map(loaded.stack, graphs, journey_for(loaded.stack)) if options.read_catalog else None
        return run_checks(
            loaded.stack, graphs, chosen,
            validated=lambda: loaded.validated(progress),
            options={cid: c.options for cid, c in config.checks.items()},
            locate=functools.partial(locate_location, loaded.store),
            policy=config.policy,
            severities={cid: c.severity for cid, c in config.checks.items() if c.severity is not None},
            baseline=known,
            journey=journey_map,
            progress=progress,
        )
    finally:
        if loaded is not None:
            read.extend(loaded.store.files_read())
            loaded.close()


def _read_capabilities(spec) -> None:
    """What every operation of a spec offers, read while the spec is in memory: the journey and
    the checks ask for it later (capabilities.of_spec keeps it)."""
    from machaudit import capabilities

    capabilities.of_spec(spec)


def _without_cyclic_gc(load):
    """Parsed specs are millions of acyclic dicts and lists. The cyclic garbage collector would walk
    them again at every full collection while they are read (a quarter of the time of a 5,000-spec
    audit) and throughout the checks; so it pauses while they are read, and then leaves them out of
    its walks for good (gc.freeze). Validator workers turn it back on for themselves."""
    gc.disable()
    try:
        return load()
    finally:
        gc.freeze()
        gc.enable()
