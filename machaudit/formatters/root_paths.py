"""File names in the reports a person reads, relative to the audited folder, not to where
machaudit ran: `specs/orders.yaml`, never `../../ms2/specs/orders.yaml`.

Findings keep the names the store made (relative to the working directory): the JSON, SARIF and
GitHub formats and baselines use them as they are (a fingerprint holds the subject, which may
name a file, so these names must not change). Human formats (terminal, Markdown, HTML) render
`in_root(report)`: a copy whose locations are relative to the audited folder, and whose subjects
and messages have the audited folder's prefix taken out of the files they name.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace

from machaudit.findings import State


class RootPaths:
    def __init__(self, root: str):
        self.root = root
        prefix = os.path.relpath(root) if root else "."
        # The audited folder as the store names it from here; "." when machaudit ran in it.
        self._prefix = None if prefix in (".", "") else re.compile(
            r"(?<![\w./\\-])" + re.escape(prefix + os.sep))

    @property
    def unchanged(self) -> bool:
        """machaudit ran in the audited folder (or there is none): names are already relative to it."""
        return not self.root or (self._prefix is None and os.path.abspath(".") == self.root)

    def path(self, shown: str) -> str:
        """A store display name (a location's file) relative to the audited folder; URLs and
        files outside it unchanged."""
        if not self.root or not shown or "://" in shown:
            return shown
        relative = os.path.relpath(os.path.abspath(shown), self.root)
        return shown if relative == ".." or relative.startswith(".." + os.sep) else relative

    def text(self, text: str) -> str:
        """A subject or a message with the audited folder's prefix taken out of the files it names."""
        return self._prefix.sub("", text) if self._prefix is not None and text else text


def in_root(report):
    """The report as a person reads it: file names relative to the audited folder (see above).
    Passes and not-applicable results, which no human format lists one by one, are kept as they are."""
    paths = RootPaths(report.root)
    if paths.unchanged:
        return report

    def shown(result):
        if result.state in (State.PASS, State.NOT_APPLICABLE):
            return result
        location = result.location
        if location is not None:
            location = replace(location, file=paths.path(location.file))
        return replace(result, subject=paths.text(result.subject), message=paths.text(result.message),
                       location=location)

    inventory = dict(report.inventory or {})
    if inventory.get("catalog_files"):
        inventory["catalog_files"] = [paths.path(f) for f in inventory["catalog_files"]]
    return replace(
        report,
        results=tuple(shown(r) for r in report.results),
        suppressions=tuple(replace(s, location=replace(s.location, file=paths.path(s.location.file)))
                           for s in report.suppressions),
        specs=tuple({**s, "file": paths.path(str(s.get("file", "")))} for s in report.specs),
        inventory=inventory,
    )
