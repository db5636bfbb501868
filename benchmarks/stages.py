#!/usr/bin/env python3
"""Where a machaudit run spends its time, stage by stage (a diagnostic for benchmarks/run.py).

    python benchmarks/stages.py validate --fail-on never -q -f json --no-cache FOLDER > /dev/null

Runs the machaudit CLI in this process with its progress hook replaced by one that prints, on
stderr, the wall and CPU seconds of every stage and the memory at its end (discovery before the first stage, parsing,
validating, checks…, and reporting after the last). Use the Python that has machaudit installed.
"""

from __future__ import annotations

import atexit
import os
import sys
import time

import machaudit.progress as progress_module


def _memory() -> str:
    """Resident and peak resident MB of this process (Linux /proc; blank elsewhere)."""
    try:
        with open("/proc/self/status") as status:
            fields = dict(line.split(":", 1) for line in status if line.startswith(("VmRSS", "VmHWM")))
    except OSError:
        return ""
    rss, peak = (int(fields[k].split()[0]) // 1024 for k in ("VmRSS", "VmHWM"))
    return f"  rss {rss:6d} MB  peak {peak:6d} MB"


def _cpu() -> float:
    t = os.times()  # children: the validator worker processes, once reaped
    return t.user + t.system + t.children_user + t.children_system


class StageTimer(progress_module.NullProgress):
    def __init__(self) -> None:
        self.name, self.total = "startup+discovery", 0
        self.t0 = self.wall = time.perf_counter()
        self.cpu = _cpu()
        atexit.register(self.report_end)

    def _flush(self, next_name: str, next_total: int) -> None:
        now, cpu = time.perf_counter(), _cpu()
        print(f"stage {self.name:<20} {self.total:>6} items  wall {now - self.wall:8.2f}s  "
              f"cpu {cpu - self.cpu:8.2f}s{_memory()}", file=sys.stderr, flush=True)
        self.name, self.total, self.wall, self.cpu = next_name, next_total, now, cpu

    def stage(self, name: str, total: int) -> None:
        self._flush(name, total)

    def close(self) -> None:
        self._flush("reporting", 0)

    def report_end(self) -> None:
        self._flush("-", 0)
        print(f"total wall {time.perf_counter() - self.t0:.2f}s", file=sys.stderr, flush=True)


_timer = StageTimer()
progress_module.progress_for = lambda quiet: _timer  # the CLI looks it up at call time

if __name__ == "__main__":
    from machaudit.cli import main

    sys.argv[0] = "machaudit"
    main()
