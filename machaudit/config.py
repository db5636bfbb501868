"""Configuration: discovery, parsing, validation, precedence and trust.

built-in defaults < config file < MACHAUDIT_* environment < command-line flags.
The file is the closest of `machaudit.toml`, `.machaudit.toml` or a `pyproject.toml` with a
`[tool.machaudit]` table, looking from the audited folder up to the repository root; `--config`
(or MACHAUDIT_CONFIG) names one explicitly. Unknown keys, unknown check ids and wrong types are
errors that name the valid choices.

Trust. A file named by the job (`--config`, MACHAUDIT_CONFIG), the environment and the flags are
the job's own word. A file *found* in or above the audited folders belongs to the audited tree,
which on a pull request is written by whoever opened it: it may only narrow or annotate the run
(check options, policy, stricter severities and fail-on, tighter limits, catalogs inside the
audited folders). What it asks beyond that (other roots or catalogs, the network, output paths,
fewer checks, a lower gate, higher limits) is not applied, and every setting it made or asked for is
listed with its outcome (`Config.tree_settings`, shown in every report). Paths in any config file
(catalogs, report files) stay inside the repository root.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping, Sequence

from machaudit.findings import Severity
from machaudit.formatters.safe_text import plain
from machaudit.policy import Policy
from machaudit.registry import CheckInfo, Option
from machaudit.limits import Limits

CONFIG_FILES = ("machaudit.toml", ".machaudit.toml", "pyproject.toml")
FAIL_ON = ("info", "low", "medium", "high", "critical", "never")
ENV_PREFIX = "MACHAUDIT_"


class ConfigError(ValueError):
    """A configuration mistake; the message names the file, the key and the valid choices.

    Keys and values quoted in it come from a file that may belong to the audited tree (a stranger's
    pull request): the message is made one inert line (safe_text.plain), so no key can bring an
    escape sequence, a bidi override or a `::` workflow command into the log."""

    def __init__(self, message: str):
        super().__init__(plain(message))


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
    remote_allow_hosts: tuple[str, ...] = ()  # hosts or networks remote fetching may reach inside
    ref_map: tuple[tuple[str, str], ...] = ()  # [refs] map / --ref-map: URL prefix -> local folder
    source: str = ""  # the file read, for messages
    from_tree: bool = False  # the file was found in the audited tree (not named by the job)
    tree_settings: tuple["TreeSetting", ...] = ()

    def options_for(self, check_id: str) -> Mapping[str, Any]:
        return self.checks[check_id].options if check_id in self.checks else {}


@dataclass(frozen=True)
class TreeSetting:
    """One setting of a config file from the audited tree, and whether it was applied."""

    key: str
    value: str
    applied: bool
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "value": self.value, "applied": self.applied, "reason": self.reason}


# key in the file -> (Config field, expected type description)
_TOP_LEVEL = {
    "fail-on": "fail_on",
    "select": "select",
    "ignore": "ignore",
    "format": "formats",
    "catalog": "catalogs",
    "allow-remote": "allow_remote",
    "remote-allow-hosts": "remote_allow_hosts",
    "checks": None,
    "policy": None,
    "limits": None,
    "refs": None,
}
_ENV = {
    "FAIL_ON": "fail-on",
    "SELECT": "select",
    "IGNORE": "ignore",
    "FORMAT": "format",
    "CATALOG": "catalog",
    "ALLOW_REMOTE": "allow-remote",
    "REMOTE_ALLOW_HOSTS": "remote-allow-hosts",
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
        elif setting in ("select", "ignore", "format", "catalog", "remote-allow-hosts"):
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
    from_tree: bool = False,
    tree: Sequence[Path] = (),
    repo_root: Path | None = None,
) -> Config:
    """Merge the layers (later wins) and validate everything against the known checks.

    `from_tree`: the file was found in the audited tree, whose folders are `tree`: it may only
    narrow or annotate (see the module's docstring). Paths the file names must resolve inside
    `repo_root` (default: the working folder's repository)."""
    repo_root = repo_root or repository_root(Path.cwd())
    if flags.get("refs") is not None:  # --ref-map: the job's own paths, inside the repository
        _paths_inside_repository({"refs": flags["refs"]}, "--ref-map", repo_root)
    if from_tree:  # its paths are kept to the audited folders, or not applied
        return _narrowed(checks, file_settings, env, flags, source, tree)
    _paths_inside_repository(file_settings, source, repo_root)
    return _merged(checks, file_settings, env, flags, source)


def _merged(checks, file_settings, env, flags, source) -> Config:
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
    for key in ("select", "ignore", "format", "catalog", "remote-allow-hosts"):
        if key in merged:
            values[_TOP_LEVEL[key]] = tuple(_string_list(merged[key], f"{where}: {key}"))
    if "remote_allow_hosts" in values:
        from machaudit.sources.remote import parse_allow_hosts

        try:
            parse_allow_hosts(values["remote_allow_hosts"])
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    if "allow-remote" in merged:
        if not isinstance(merged["allow-remote"], bool):
            raise ConfigError(f"{where}: allow-remote must be true or false")
        values["allow_remote"] = merged["allow-remote"]
    ref_map: dict[str, str] = {}
    for layer_name, layer in (("file", file_settings), ("environment", env), ("flags", flags)):
        if layer.get("refs") is not None:
            ref_map.update(_ref_map(layer["refs"], where if layer_name == "file" else layer_name))
    values["ref_map"] = tuple(ref_map.items())
    values["checks"] = _checks(checks, file_settings.get("checks", {}), where)
    values["policy"] = _policy(file_settings.get("policy", {}), where)
    values["limits"] = _limits(file_settings.get("limits", {}), where)
    return Config(**values)


# Gates from the loosest to the strictest.
_GATES = ("never", "critical", "high", "medium", "low", "info")
# What only the job (flags, environment, --config) may set, and why a tree's file may not.
_JOB_ONLY = {
    "select": "it would leave checks out",
    "ignore": "it would leave checks out",
    "format": "it would choose where reports are written",
    "allow-remote": "it would turn network access on",
    "remote-allow-hosts": "it would let remote fetching reach inside the network",
}
_JOB_SAYS = "only the command line, the environment or --config FILE may set it"


def _narrowed(checks, file_settings, env, flags, source, tree: Sequence[Path]) -> Config:
    """A config file of the audited tree applied as far as it narrows or annotates the run."""
    full = _merged(checks, file_settings, env, flags, source)  # the file is checked for mistakes as always
    job = _merged(checks, {}, env, flags, "")
    job_set = {**env, **{k: v for k, v in flags.items() if v is not None and v != () and v != []}}
    notes: list[TreeSetting] = []

    def note(key: str, value: Any, applied: bool, reason: str = "") -> None:
        notes.append(TreeSetting(key, _shown(value), applied, reason))

    values: dict[str, Any] = {}
    for key, reason in _JOB_ONLY.items():
        if key in file_settings:
            note(key, file_settings[key], False, f"{reason}; {_JOB_SAYS}")
    if "fail-on" in file_settings:
        if "fail-on" in job_set:
            note("fail-on", file_settings["fail-on"], False, "the command line or the environment sets fail-on")
        elif _GATES.index(full.fail_on) >= _GATES.index(job.fail_on):
            values["fail_on"] = full.fail_on
            note("fail-on", full.fail_on, True)
        else:
            note("fail-on", full.fail_on, False, f"it would lower the gate below {job.fail_on}; {_JOB_SAYS}")
    if "catalog" in file_settings:
        if "catalog" in job_set:
            note("catalog", file_settings["catalog"], False, "the command line or the environment names the catalogs")
        else:
            kept = []
            for path in full.catalogs:
                inside = _inside(path, tree)
                note("catalog", path, inside, "" if inside else "outside the audited folders")
                if inside:
                    kept.append(path)
            values["catalogs"] = tuple(kept)
    values["checks"] = {}
    for check_id, settings in full.checks.items():
        severity = settings.severity
        if not settings.enabled:
            note(f"checks.{check_id}.enabled", False, False, f"it would turn the check off; {_JOB_SAYS}")
        if severity is not None:
            default = checks[check_id].severity
            if severity < default:
                note(f"checks.{check_id}.severity", severity.label, False,
                     f"it would lower the severity below the default {default.label}; {_JOB_SAYS}")
                severity = None
            else:
                note(f"checks.{check_id}.severity", severity.label, True)
        options = {}
        for option, value in settings.options.items():
            spec = checks[check_id].option_specs.get(option)
            if spec is not None and spec.pattern:
                note(f"checks.{check_id}.{option.replace('_', '-')}", value, False,
                     f"a regular expression can make the run arbitrarily slow; {_JOB_SAYS}")
                continue
            options[option] = value
            note(f"checks.{check_id}.{option.replace('_', '-')}", value, True)
        values["checks"][check_id] = CheckConfig(True, severity, options)
    if "policy" in file_settings:
        values["policy"] = full.policy
        for key, value in file_settings["policy"].items():
            note(f"policy.{key}", value, True)
    tree_map: dict[str, str] = {}
    for prefix, folder in _ref_map(file_settings.get("refs") or {}, source or "configuration").items():
        inside = _inside(folder, tree)  # a map of the tree's own may only read the audited folders
        note(f"refs.map.{prefix}", folder, inside,
             "" if inside else f"it maps to a folder outside the audited folders; {_JOB_SAYS}")
        if inside:
            tree_map[prefix] = folder
    values["ref_map"] = tuple({**tree_map, **dict(job.ref_map)}.items())
    limits = {}
    for key, value in (file_settings.get("limits") or {}).items():
        name = key.replace("-", "_")
        current = getattr(job.limits, name)
        if value <= current:
            limits[name] = value
            note(f"limits.{key}", value, True)
        else:
            note(f"limits.{key}", value, False, f"it would raise the limit of {current}; {_JOB_SAYS}")
    values["limits"] = replace(job.limits, **limits)
    return replace(job, **values, source=source, from_tree=True, tree_settings=tuple(notes))


def _shown(value: Any) -> str:
    """A setting's value as TOML would write it (a string as it is), cut short, made inert: it is
    shown on stderr and in every report, and comes from the audited tree (safe_text.plain)."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return plain(text if len(text) <= 120 else text[:119] + "…")


def repository_root(start: Path) -> Path:
    """The closest folder from `start` upwards with a `.git`; `start` itself when there is none."""
    here = start.resolve()
    for folder in [here, *here.parents]:
        if (folder / ".git").exists():
            return folder
    return here


def _inside(path: str, folders: Sequence[Path]) -> bool:
    """Whether `path` (relative to the working folder), with its links resolved, is in one of
    `folders`."""
    try:
        resolved = Path(path).resolve()
    except (OSError, RuntimeError, ValueError):  # a link loop, a NUL byte
        return False
    return any(resolved == folder or folder in resolved.parents for folder in folders)


def _paths_inside_repository(file_settings: Mapping[str, Any], source: str, repo_root: Path) -> None:
    """Catalogs, report files and ref-map folders named in a config file must stay inside the
    repository."""
    where = source or "configuration"
    for prefix, folder in _ref_map(file_settings.get("refs") or {}, where).items():
        if not _inside(folder, [repo_root]):
            raise ConfigError(f"{where}: refs.map maps {prefix!r} to {folder!r}, outside the repository "
                              f"{repo_root}; a ref map's folders must stay inside it")
    for key in ("catalog", "format"):
        for item in _string_list(file_settings.get(key, []), f"{where}: {key}"):
            path = (item.partition(":")[2] if key == "format" else item).strip()
            if path and not _inside(path, [repo_root]):
                raise ConfigError(f"{where}: {key} names {path!r}, outside the repository "
                                  f"{repo_root}; a config file's paths must stay inside it")


def _ref_map(table: Any, where: str) -> dict[str, str]:
    """`[refs] map = {"https://host/prefix/" = "folder/"}`: remote `$ref`s whose URL starts with a
    prefix are read from the folder (relative to the working folder, as catalogs are) instead."""
    if not isinstance(table, dict) or set(table) - {"map"}:
        raise ConfigError(f"{where}: [refs] must be a table with one setting, map")
    mapping = table.get("map", {})
    if not isinstance(mapping, dict):
        raise ConfigError(f"{where}: refs.map must map URL prefixes to folders")
    for prefix, folder in mapping.items():
        if not prefix.startswith(("http://", "https://")) or "://" not in prefix[:8] or len(prefix.split("/")) < 4:
            raise ConfigError(f"{where}: refs.map: {prefix!r} is not a URL prefix with a host and a path "
                              f"(like 'https://raw.githubusercontent.com/org/repo/main/docs/')")
        if not isinstance(folder, str) or not folder.strip():
            raise ConfigError(f"{where}: refs.map: {prefix!r} must map to a folder name")
    return {prefix: folder for prefix, folder in mapping.items()}


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
                spec = info.option_specs.get(option) or Option(info.options[option])
                problem = spec.problem(value)
                if problem:
                    raise ConfigError(f"{where}: checks.{key}.{name} = {value!r} {problem}")
                options[option] = value
            else:
                valid = ["enabled", "severity"] + [o.replace("_", "-") for o in info.options]
                raise ConfigError(f"{where}: checks.{key} has no setting {name!r}; valid: {', '.join(valid)}")
        out[info.id] = CheckConfig(enabled, severity, options)
    return out


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
