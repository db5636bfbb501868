"""Progress on stderr for long runs: a rich bar per stage, or nothing (not a TTY, or -q)."""

from __future__ import annotations

import sys


class NullProgress:
    def stage(self, name: str, total: int) -> None:
        pass

    def advance(self, count: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


class BarProgress(NullProgress):
    def __init__(self):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(TextColumn("{task.description:<12}"), BarColumn(), MofNCompleteColumn(),
                                  TimeElapsedColumn(), console=Console(file=sys.stderr), transient=True)
        self._progress.start()
        self._task = None

    def stage(self, name: str, total: int) -> None:
        if self._task is not None:
            self._progress.update(self._task, completed=self._progress.tasks[self._task].total)
        self._task = self._progress.add_task(name, total=total)

    def advance(self, count: int = 1) -> None:
        if self._task is not None:
            self._progress.advance(self._task, count)

    def close(self) -> None:
        self._progress.stop()


def progress_for(quiet: bool) -> NullProgress:
    return BarProgress() if not quiet and sys.stderr.isatty() else NullProgress()
