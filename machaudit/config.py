"""Configuration: discovery, parsing, validation and precedence.

built-in defaults < config file < MACHAUDIT_* environment < command-line flags.
The file is the closest of `machaudit.toml`, `.machaudit.toml` or a `pyproject.toml` with a
`[tool.machaudit]` table, looking from the audited folder up to the repository root; `--config`
names one explicitly. Unknown keys, unknown check ids and wrong types are errors that name the valid
choices.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping

from machaudit.findings import Severity
from machaudit.policy import Policy
from machaudit.registry import CheckInfo
from machaudit.sources.documents import Limits

CONFIG_FILES = ("machaudit.toml", ".machaudit.toml", "pyproject.toml")
FAIL_ON = ("info", "low", "medium", "high", "critical", "never")
ENV_PREFIX = "MACHAUDIT_"


class ConfigError(ValueError):
    """A configuration mistake; the message names the file, the key and the valid choices."""


@dataclass(frozen=True)
class CheckConfig:
    enabled: bool = True
    severity: Severity | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Config:
    fail_on: str = "high"
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    catalogs: tuple[str, ...] = ()
    allow_remote: bool = False
    checks: Mapping[str, CheckConfig] = field(default_factory=dict)  # by check id
    policy: Policy = field(default_factory=Policy)
    limits: Limits = field(default_factory=Limits)
    source: str = ""  # the file read, for messages

    def options_for(self, check_id: str) -> Mapping[str, Any]:
        return self.checks[check_id].options if check_id in self.checks else {}


# key in the file -> (Config field, expected type description)
_TOP_LEVEL = {
    "fail-on": "fail_on",
    "select": "select",
    "ignore": "ignore",
    "format": "formats",
    "catalog": "catalogs",
    "allow-remote": "allow_remote",
    "checks": None,
    "policy": None,
    "limits": None,
}
_ENV = {
    "FAIL_ON": "fail-on",
    "SELECT": "select",
    "IGNORE": "ignore",
    "FORMAT": "format",
    "CATALOG": "catalog",
    "ALLOW_REMOTE": "allow-remote",
}
_ENV_OTHER = {"CONFIG", "DEBUG", "CACHE_DIR", "VALIDATOR_SPEEDUPS"}  # read elsewhere


def find_config(start: Path) -> Path | None:
    """The closest config file from `start` upwards, stopping at the repository root."""
    here = start.resolve()
    if here.is_file():
        here = here.parent
    for folder in [here, *here.parents]:
        for name in CONFIG_FILES:
            candidate = folder / name
            if candidate.is_file() and (name != "pyproject.toml" or _has_tool_table(candidate)):
                return candidate
        if (folder / ".git").exists():
            return None
    return None


def _has_tool_table(path: Path) -> bool:
    try:
        return "machaudit" in tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {})
    except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError):
        return False  # a broken pyproject of another tool is not ours to report


def read_config_file(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("machaudit", {})
    return data


def env_settings(environ: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        key = name[len(ENV_PREFIX):]
        if key in _ENV_OTHER:
            continue
        if key not in _ENV:
            valid = ", ".join(ENV_PREFIX + k for k in sorted(_ENV) + sorted(_ENV_OTHER))
            raise ConfigError(f"unknown environment variable {name}; valid: {valid}")
        setting = _ENV[key]
        if setting == "allow-remote":
            if value.strip().lower() not in ("1", "true", "yes", "0", "false", "no", ""):
                raise ConfigError(f"{name}={value!r}: use true or false")
            out[setting] = value.strip().lower() in ("1", "true", "yes")
        elif setting in ("select", "ignore", "format", "catalog"):
            out[setting] = [v.strip() for v in value.split(",") if v.strip()]
        else:
            out[setting] = value.strip()
    return out


def build_config(
    checks: Mapping[str, CheckInfo],
    file_settings: Mapping[str, Any],
    env: Mapping[str, Any],
    flags: Mapping[str, Any],
    source: str = "",
) -> Config:
    """Merge the layers (later wins) and validate everything against the known checks."""
    where = source or "configuration"
    for layer_name, layer in (("file", file_settings), ("environment", env), ("flags", flags)):
        for key in layer:
            if key not in _TOP_LEVEL:
                raise ConfigError(f"{where if layer_name == 'file' else layer_name}: unknown key {key!r}; valid keys: {', '.join(sorted(_TOP_LEVEL))}")
    merged: dict[str, Any] = {}
    for layer in (file_settings, env, flags):
        merged.update({k: v for k, v in layer.items() if v is not None and v != () and v != []})

    values: dict[str, Any] = {"source": source}
    if "fail-on" in merged:
        fail_on = merged["fail-on"]
        if not isinstance(fail_on, str) or fail_on.lower() not in FAIL_ON:
            raise ConfigError(f"{where}: fail-on = {fail_on!r}; choose one of: {', '.join(FAIL_ON)}")
        values["fail_on"] = fail_on.lower()
    for key in ("select", "ignore", "format", "catalog"):
        if key in merged:
            values[_TOP_LEVEL[key]] = tuple(_string_list(merged[key], f"{where}: {key}"))
    if "allow-remote" in merged:
        if not isinstance(merged["allow-remote"], bool):
            raise ConfigError(f"{where}: allow-remote must be true or false")
        values["allow_remote"] = merged["allow-remote"]
    values["checks"] = _checks(checks, file_settings.get("checks", {}), where)
    values["policy"] = _policy(file_settings.get("policy", {}), where)
    values["limits"] = _limits(file_settings.get("limits", {}), where)
    return Config(**values)


def _string_list(value: Any, what: str) -> list[str]:
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{what} must be a list of strings")
    return list(value)


def _checks(checks: Mapping[str, CheckInfo], table: Any, where: str) -> dict[str, CheckConfig]:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [checks] must be a table of check ids")
    by_name = {c.name: c for c in checks.values()}
    out: dict[str, CheckConfig] = {}
    for key, settings in table.items():
        info = checks.get(key.upper()) or by_name.get(key.lower())
        if info is None:
            raise ConfigError(
                f"{where}: [checks.{key}] is not a known check; valid ids: {', '.join(sorted(checks))} (see `machaudit rules`)"
            )
        if not isinstance(settings, dict):
            raise ConfigError(f"{where}: [checks.{key}] must be a table (enabled, severity, options)")
        enabled, severity, options = True, None, {}
        for name, value in settings.items():
            option = name.replace("-", "_")
            if name == "enabled":
                if not isinstance(value, bool):
                    raise ConfigError(f"{where}: checks.{key}.enabled must be true or false")
                enabled = value
            elif name == "severity":
                try:
                    severity = Severity.parse(value) if isinstance(value, str) else Severity.parse(repr(value))
                except ValueError as exc:
                    raise ConfigError(f"{where}: checks.{key}.severity: {exc}") from None
            elif option in info.options:
                default = info.options[option]
                if not _same_type(default, value):
                    raise ConfigError(
                        f"{where}: checks.{key}.{name} = {value!r} must be {_type_name(default)} like the default {default!r}"
                    )
                options[option] = value
            else:
                valid = ["enabled", "severity"] + [o.replace("_", "-") for o in info.options]
                raise ConfigError(f"{where}: checks.{key} has no setting {name!r}; valid: {', '.join(valid)}")
        out[info.id] = CheckConfig(enabled, severity, options)
    return out


def _same_type(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float))
    if isinstance(default, (list, tuple)):
        return isinstance(value, (list, tuple))
    return isinstance(value, type(default))


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return "a string"


def _policy(table: Any, where: str) -> Policy:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [policy] must be a table")
    valid = {"allowed-regions", "core-entities", "required-touchpoints"}
    for key in table:
        if key not in valid:
            raise ConfigError(f"{where}: policy has no setting {key!r}; valid: {', '.join(sorted(valid))}")
    default = Policy()
    regions = dict(default.allowed_regions)
    raw_regions = table.get("allowed-regions", {})
    if not isinstance(raw_regions, dict):
        raise ConfigError(f"{where}: [policy.allowed-regions] must map data classes to lists of region patterns")
    for data_class, patterns in raw_regions.items():
        if patterns == "any":
            regions[data_class] = None
        else:
            regions[data_class] = tuple(_string_list(patterns, f"{where}: policy.allowed-regions.{data_class}"))
    core = tuple(_string_list(table["core-entities"], f"{where}: policy.core-entities")) if "core-entities" in table else default.core_entities
    touchpoints = (
        tuple(_string_list(table["required-touchpoints"], f"{where}: policy.required-touchpoints"))
        if "required-touchpoints" in table else default.required_touchpoints
    )
    return Policy(allowed_regions=regions, core_entities=core, required_touchpoints=touchpoints)


def _limits(table: Any, where: str) -> Limits:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [limits] must be a table")
    names = {f.name.replace("_", "-"): f.name for f in fields(Limits)}
    values = {}
    for key, value in table.items():
        if key not in names:
            raise ConfigError(f"{where}: limits has no setting {key!r}; valid: {', '.join(sorted(names))}")
        least = 0 if key == "parsed-documents-mb" else 1  # 0: only the spec being read stays parsed
        if not isinstance(value, int) or isinstance(value, bool) or value < least:
            raise ConfigError(f"{where}: limits.{key} must be {'0 or a positive integer' if least == 0 else 'a positive integer'}")
        values[names[key]] = value
    return Limits(**values)
