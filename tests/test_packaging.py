"""checks/ installs as machaudit_checks (never as a top-level `checks`), and is loaded loudly."""

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import machaudit_checks
from machaudit.registry import RegistryError, load_checks
from tests.conftest import REPO, run_cli


def test_every_builtin_module_is_listed_and_loads():
    on_disk = {
        "machaudit_checks." + ".".join(p.relative_to(REPO / "checks").with_suffix("").parts)
        for p in (REPO / "checks").rglob("*.py")
        if not p.name.startswith("_")
    }
    assert set(machaudit_checks.BUILTIN_MODULES) == on_disk
    checks = load_checks(include_plugins=False)
    assert len(checks) == len(on_disk)  # one check per module


def test_pyproject_lists_every_package_folder():
    listed = set(re.findall(r'"(machaudit(?:_checks)?(?:\.\w+)*)"', (REPO / "pyproject.toml").read_text()))
    folders = {"machaudit." + ".".join(p.parent.relative_to(REPO / "machaudit").parts)
               for p in (REPO / "machaudit").rglob("__init__.py") if p.parent != REPO / "machaudit"}
    folders |= {"machaudit_checks." + ".".join(p.parent.relative_to(REPO / "checks").parts)
                for p in (REPO / "checks").rglob("__init__.py") if p.parent != REPO / "checks"}
    assert folders <= listed


def test_no_checks_found_exits_2(monkeypatch):
    monkeypatch.setattr(machaudit_checks, "BUILTIN_MODULES", ())
    with pytest.raises(RegistryError, match="no checks found"):
        load_checks()
    run = run_cli("audit", str(REPO / "tests" / "fixtures" / "checks" / "ORC001" / "pass"))
    assert run.exit_code == 2
    assert "no checks found" in run.stderr


@pytest.mark.slow
def test_wheel_ships_checks_as_machaudit_checks(tmp_path):
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(REPO)],
        capture_output=True, text=True,
    )
    assert built.returncode == 0, built.stderr
    wheel = next(Path(tmp_path).glob("machaudit-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "machaudit_checks/__init__.py" in names
    assert "machaudit_checks/orchestration/orc001_dependency_cycle.py" in names
    assert not any(n.startswith("checks/") for n in names)
    assert {"machaudit/data/asyncapi/3.0.0.json.gz", "machaudit/data/asyncapi/LICENSE",
            "machaudit/data/asyncapi/NOTICE"} <= set(names)
    target = tmp_path / "site"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(target), str(wheel)],
        capture_output=True, text=True,
    )
    assert installed.returncode == 0, installed.stderr
    probe = subprocess.run(
        [sys.executable, "-c",
         "import machaudit_checks, machaudit.registry as r; print(machaudit_checks.__file__); print(len(r.load_checks()))"],
        capture_output=True, text=True, cwd=tmp_path, env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
    )
    assert probe.returncode == 0, probe.stderr
    file, count = probe.stdout.split()
    assert file.startswith(str(target)) and int(count) == len(machaudit_checks.BUILTIN_MODULES)
