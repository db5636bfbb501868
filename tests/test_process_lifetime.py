"""No process outlives machaudit: every exit path of a real `machaudit` process, with one large
spec named (its validator process is forked before the configuration is read) and with a folder
of specs (a pool of validator processes), leaves no child behind and no temporary file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from machaudit.sources.validation_runs import MIN_BYTES_FOR_POOL

VALID = """\
openapi: 3.0.3
info: {title: Orders, version: 1.0.0}
paths:
"""


def _large_spec(folder: Path, error: bool) -> Path:
    paths = "".join(f"  /orders{i}:\n    get:\n      description: '{'x' * 900}'\n"
                    f"      responses: {{\"200\": {{description: ok}}}}\n" for i in range(1300))
    text = VALID + paths
    if error:
        text = text.replace("/orders7:\n    get:\n",  # a structural error: high, so exit 1
                            "/orders7:\n    get:\n      parameters: [{name: a, in: querie, schema: {type: string}}]\n", 1)
    path = folder / "large.yaml"
    path.write_text(text)
    assert path.stat().st_size >= MIN_BYTES_FOR_POOL
    return path


def _tagged(tag: bytes) -> dict[int, int]:
    """pid -> parent pid of every live process whose environment carries `tag`."""
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            environ = Path(f"/proc/{name}/environ").read_bytes()
            status = Path(f"/proc/{name}/status").read_text()
        except OSError:
            continue
        if tag in environ.split(b"\0") and "\nState:\tZ" not in status:
            parent = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("PPid:"))
            found[int(name)] = parent
    return found


def _start(args, tag: str, cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "LIFETIME_TEST_TAG": tag, "MACHAUDIT_CACHE_DIR": str(cwd / "cache")}
    return subprocess.Popen([sys.executable, "-m", "machaudit", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _assert_nothing_left(tag: str, folder: Path) -> None:
    deadline = time.monotonic() + 1.0  # the kernel may take a moment to reap a process that exited
    while _tagged(f"LIFETIME_TEST_TAG={tag}".encode()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _tagged(f"LIFETIME_TEST_TAG={tag}".encode()) == {}
    assert [p.name for p in folder.rglob(".*") if p.is_file()] == []  # no temporary report file


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lifetime")
    (folder / "bad").mkdir()
    _large_spec(folder / "bad", error=True)
    (folder / "good").mkdir()
    _large_spec(folder / "good", error=False)
    (folder / "many").mkdir()
    for i in range(6):
        (folder / "many" / f"api{i}.yaml").write_text(VALID + f"  /items{i}:\n    get:\n      responses: {{'200': {{description: ok}}}}\n")
    (folder / "out").mkdir()
    return folder


EXIT_PATHS = {
    # name: (arguments, expected exit status)
    "clean": (["audit", "good/large.yaml", "--no-cache", "--fail-on", "never", "-f", "json:out/r.json"], 0),
    "findings": (["validate", "bad/large.yaml", "--no-cache", "-f", "json:out/r.json"], 1),
    "usage error": (["audit", "good/large.yaml", "--select", "NOPE999"], 2),
    "config error": (["audit", "good/large.yaml", "--config", "missing.toml"], 2),
    "bad input": (["audit", "good/large.yaml", "--baseline", "missing-baseline.json"], 2),
    "broken output path": (["audit", "good/large.yaml", "--no-cache", "-f", "json:no/such/folder/r.json"], 2),
    "folder of specs": (["audit", "many", "--no-cache", "-f", "json:out/r.json", "--fail-on", "never"], 0),
}


@pytest.mark.parametrize("name", list(EXIT_PATHS))
def test_every_exit_path_leaves_no_process(work, name):
    args, status = EXIT_PATHS[name]
    tag = uuid.uuid4().hex
    done = _start(args, tag, work)
    out, err = done.communicate(timeout=120)
    assert done.returncode == status, err
    assert "Traceback" not in err
    _assert_nothing_left(tag, work)


@pytest.mark.parametrize("signum,status", [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)])
@pytest.mark.parametrize("target", ["bad/large.yaml", "many"])
def test_a_signal_stops_the_run_and_its_workers(work, signum, status, target):
    tag = uuid.uuid4().hex
    run = _start(["audit", target, "--no-cache", "-f", "json:out/signalled.json", "-f", "html:out/signalled.html"], tag, work)
    marker = f"LIFETIME_TEST_TAG={tag}".encode()
    deadline = time.monotonic() + 30
    while not any(parent == run.pid for parent in _tagged(marker).values()):  # a worker is running
        assert run.poll() is None and time.monotonic() < deadline, "no worker process was started"
        time.sleep(0.01)
    run.send_signal(signum)
    out, err = run.communicate(timeout=60)
    assert run.returncode == status, err
    assert "Traceback" not in err
    _assert_nothing_left(tag, work)
    assert not (work / "out" / "signalled.json").exists()


def _catches(pid: int, signum: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as status:
            caught = next(line for line in status if line.startswith("SigCgt:"))
    except (OSError, StopIteration):
        return False
    return bool(int(caught.split()[1], 16) >> (signum - 1) & 1)


def test_ctrl_c_while_the_arguments_are_read_exits_130(work):
    """As soon as machaudit handles SIGTERM (its handlers are in place) and before it has started
    any worker: click would have said "Aborted!" and exited 1."""
    tag = uuid.uuid4().hex
    run = _start(["audit", "good/large.yaml", "--no-cache", "-f", "json:out/early.json"], tag, work)
    deadline = time.monotonic() + 30
    while not _catches(run.pid, signal.SIGTERM):
        assert run.poll() is None and time.monotonic() < deadline
        time.sleep(0.001)
    run.send_signal(signal.SIGINT)
    out, err = run.communicate(timeout=60)
    assert run.returncode == 130, err
    assert "Traceback" not in err and "Aborted" not in err
    _assert_nothing_left(tag, work)
