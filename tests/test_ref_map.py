"""Remote `$ref`s: an evidence gap per URL while fetching is off; `[refs] map` and `--ref-map`
read them from a local folder, exactly as relative references to that folder would be read."""

from __future__ import annotations

import pytest

from tests.conftest import run_cli

BASE = "https://raw.githubusercontent.com/org/repo/main/docs/"

SPEC = """openapi: 3.0.3
info: {title: Orders, version: '1'}
paths:
  /orders:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                $ref: '%(base)scommon/order.yaml#/Order'
        '404':
          description: none
          content:
            application/json:
              schema:
                $ref: '%(base)scommon/order.yaml#/Problem'
"""
ORDER = """Order:
  type: object
  properties:
    id: {type: string}
    total:
      $ref: 'money.yaml#/Money'
Problem:
  type: object
  required: []
"""
MONEY = """Money:
  type: object
  properties:
    amount: {type: string, default: 5}
"""


@pytest.fixture
def shop(tmp_path, monkeypatch):
    """api/orders.yaml refers to BASE + common/…; docs/common holds those files (the repository's own)."""
    monkeypatch.chdir(tmp_path)  # the working folder is the repository: job paths stay inside it
    (tmp_path / "api").mkdir()
    (tmp_path / "docs" / "common").mkdir(parents=True)
    (tmp_path / "api" / "orders.yaml").write_text(SPEC % {"base": BASE})
    (tmp_path / "docs" / "common" / "order.yaml").write_text(ORDER)
    (tmp_path / "docs" / "common" / "money.yaml").write_text(MONEY)
    return tmp_path


def outcome(run):
    report = run.report
    return sorted((r["check"], r["state"] if "state" in r else "fail", r["severity"], r["location"]["file"],
                   r["location"]["line"], r["message"])
                  for r in report["findings"] + report["evidence_gaps"])


def test_an_unfetched_remote_document_is_one_evidence_gap_not_an_error(shop):
    run = run_cli("validate", "api", "-f", "json", "--no-cache")
    assert run.report["findings"] == []
    assert [(g["check"], g["severity"], g["location"]["file"], g["location"]["line"], g["message"])
            for g in run.report["evidence_gaps"]] == [
        ("SPC003", "info", "api/orders.yaml", 12,
         f"not checked: remote reference {BASE}common/order.yaml (2 $refs), fetching is off "
         "(--allow-remote fetches it; [refs] map or --ref-map PREFIX=DIR reads it from a folder)"),
    ]


def test_a_mapped_remote_ref_is_read_as_the_local_file(shop):
    run = run_cli("validate", "api", "-f", "json", "--no-cache", "--ref-map", f"{BASE}=docs/")
    assert run.report["evidence_gaps"] == []
    assert [(f["check"], f["severity"], f["location"]["file"], f["location"]["line"], f["message"])
            for f in run.report["findings"]] == [
        ("SPC001", "medium", "docs/common/money.yaml", 4,
         "5 is not of type 'string' at /Money/properties/amount/default (schema slip in `default`: "
         "a client generator produces other types or code from it)"),
        ("SPC001", "low", "docs/common/order.yaml", 9,
         "the list should be non-empty at /Problem/required (schema slip in `required`: generated code does not change)"),
    ]
    # the same as references written as relative paths to the folder
    (shop / "api" / "orders.yaml").write_text(SPEC % {"base": "../docs/"})
    relative = run_cli("validate", "api", "docs", "-f", "json", "--no-cache", "--select", "SPC001")
    assert [f for f in outcome(relative)] == [f for f in outcome(run)]


def test_a_job_config_maps_like_the_command_line(shop):
    (shop / "job.toml").write_text(f'[refs.map]\n"{BASE}" = "docs/"\n')
    run = run_cli("validate", "api", "-f", "json", "--no-cache", "--config", "job.toml")
    assert [(f["location"]["file"], f["location"]["line"]) for f in run.report["findings"]] == [
        ("docs/common/money.yaml", 4), ("docs/common/order.yaml", 9)]


def test_a_tree_config_may_map_only_inside_the_audited_folders(shop):
    (shop / "api" / "machaudit.toml").write_text(
        f'[refs.map]\n"{BASE}" = "/etc/"\n"https://example.com/shared/" = "api/shared/"\n')
    run = run_cli("validate", "api", "-f", "json", "--no-cache")
    settings = {s["key"]: (s["value"], s["applied"], s["reason"]) for s in run.report["configuration"]["tree_settings"]}
    assert settings == {
        f"refs.map.{BASE}": ("/etc/", False, "it maps to a folder outside the audited folders; "
                                            "only the command line, the environment or --config FILE may set it"),
        "refs.map.https://example.com/shared/": ("api/shared/", True, ""),
    }
    assert f"sets refs.map.{BASE} = /etc/: not applied: it maps to a folder outside the audited folders" in run.stderr
    # not mapped: the reference stays an evidence gap
    assert [g["message"].split(" (")[0] for g in run.report["evidence_gaps"]] == [
        f"not checked: remote reference {BASE}common/order.yaml"]
    assert run.report["findings"] == []


def test_the_command_line_may_not_map_outside_the_repository(shop):
    run = run_cli("validate", "api", "--ref-map", f"{BASE}=/etc/")
    assert run.exit_code == 2
    assert "--ref-map: refs.map maps" in run.stderr and "outside the repository" in run.stderr
    run = run_cli("validate", "api", "--ref-map", "docs/")
    assert run.exit_code == 2 and "use PREFIX=DIR" in run.stderr


@pytest.mark.parametrize("toml, message", [
    ('[refs]\nmaps = {}\n', "[refs] must be a table with one setting, map"),
    ('[refs.map]\n"docs/" = "docs/"\n', "is not a URL prefix with a host and a path"),
    (f'[refs.map]\n"{BASE}" = 3\n', "must map to a folder name"),
])
def test_a_wrong_ref_map_is_a_clear_error(shop, toml, message):
    (shop / "job.toml").write_text(toml)
    run = run_cli("validate", "api", "--config", "job.toml")
    assert run.exit_code == 2 and message in run.stderr and "Traceback" not in run.stderr
