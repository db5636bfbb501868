"""Check metadata, the `@check` decorator, loading (built-ins and plugins alike) and selection."""

from __future__ import annotations

import importlib
import inspect
import re
from dataclasses import dataclass, field, replace
from importlib import metadata
from types import ModuleType
from typing import Any, Callable, Iterable, Mapping

from machaudit.findings import Severity

ENTRY_POINT_GROUP = "machaudit.checks"

# id prefix -> (family name, readiness area)
FAMILIES: Mapping[str, tuple[str, str]] = {
    "SPC": ("spec", "api-first"),
    "INV": ("inventory", "microservices"),
    "ORC": ("orchestration", "microservices"),
    "API": ("api-first", "api-first"),
    "CLD": ("cloud-native", "cloud-native"),
    "DAT": ("data-location", "data-location"),
    "HDL": ("headless", "headless"),
    "JRN": ("journey", "journey"),
    "BLR": ("blast-radius", "resilience"),
}


class RegistryError(Exception):
    """Checks could not be loaded or selected (exit code 2)."""


# A check option with a string default and a name ending so is a regular expression: checked when
# the configuration is read, and taken only from the job (a pattern can make a run arbitrarily slow).
PATTERN_SUFFIXES = ("_pattern", "_words", "_fields", "_segments")


@dataclass(frozen=True)
class Option:
    """One option of a check: its default (which also gives its type), what it means, its bounds.
    A check declares `options={"max_chain": Option(4, "longest chain allowed", minimum=1)}`; a bare
    default (`{"max_chain": 4}`) is an option without help or bounds."""

    default: Any
    help: str = ""
    minimum: float | None = None
    maximum: float | None = None
    pattern: bool = False  # a regular expression (see PATTERN_SUFFIXES for bare defaults)

    @property
    def kind(self) -> str:
        value = self.default
        if isinstance(value, bool):
            return "true or false"
        if isinstance(value, (int, float)):
            return "a number"
        if isinstance(value, (list, tuple)):
            return "a list"
        if isinstance(value, dict):
            return "a table"
        return "a string"

    def problem(self, value: Any) -> str:
        """Why `value` cannot be this option's value ("" when it can)."""
        default = self.default
        if isinstance(default, bool) or isinstance(value, bool):
            same = isinstance(default, bool) and isinstance(value, bool)
        elif isinstance(default, (int, float)):
            same = isinstance(value, (int, float))
        elif isinstance(default, (list, tuple)):
            same = isinstance(value, (list, tuple))
        else:
            same = isinstance(value, type(default))
        if not same:
            return f"must be {self.kind} like the default {default!r}"
        if self.pattern:
            try:
                re.compile(value)
            except re.error as exc:
                return f"is not a valid regular expression ({exc})"
        if self.minimum is not None and value < self.minimum:
            return f"must be at least {self.minimum:g}"
        if self.maximum is not None and value > self.maximum:
            return f"must be at most {self.maximum:g}"
        return ""

    def describe(self) -> str:
        bounds = ""
        if self.minimum is not None or self.maximum is not None:
            low = "" if self.minimum is None else f"{self.minimum:g}"
            high = "" if self.maximum is None else f"{self.maximum:g}"
            bounds = f", {low}..{high}"
        return f"{self.kind}{bounds}, default {self.default!r}" + (f": {self.help}" if self.help else "")

    def schema(self) -> dict[str, Any]:
        """The option as JSON Schema (for `machaudit rules -f json`)."""
        kinds = {"true or false": "boolean", "a number": "number", "a list": "array", "a table": "object",
                 "a string": "string"}
        out: dict[str, Any] = {"type": kinds[self.kind], "default": self.default}
        if self.help:
            out["description"] = self.help
        if self.minimum is not None:
            out["minimum"] = self.minimum
        if self.maximum is not None:
            out["maximum"] = self.maximum
        return out


@dataclass(frozen=True)
class CheckInfo:
    id: str
    name: str
    severity: Severity
    run: Callable[..., Iterable[Any]] = field(compare=False, repr=False)
    doc: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)  # option name -> default
    option_specs: Mapping[str, Option] = field(default_factory=dict, compare=False, repr=False)
    origin: str = "machaudit"  # distribution that ships the check
    # Reads the validator's issues (problems of kind "invalid"): runs once validation has finished,
    # after the other checks, which run while the validator processes are still at work.
    needs_validation: bool = False

    @property
    def prefix(self) -> str:
        return self.id[:3]

    @property
    def family(self) -> str:
        return FAMILIES.get(self.prefix, ("other", "other"))[0]

    @property
    def area(self) -> str:
        return FAMILIES.get(self.prefix, ("other", "other"))[1]

    @property
    def summary(self) -> str:
        """The docstring's first paragraph (its What: part), as one line."""
        paragraph = self.doc.strip().split("\n\n", 1)[0]
        return " ".join(paragraph.split()).removeprefix("What:").strip() or self.name

    @property
    def help_uri(self) -> str:
        return f"https://machaudit.dev/rules/{self.id}"


def check(id: str, name: str, severity: str, options: Mapping[str, Any] | None = None,
          needs_validation: bool = False):
    """Declare a check. The function takes a `CheckContext` and yields results through it.
    A check that reads the validator's issues (`SpecProblem.kind == "invalid"`) says so with
    `needs_validation=True`; the others see specs before validation has finished."""

    specs = {name: value if isinstance(value, Option) else
             Option(value, pattern=isinstance(value, str) and name.endswith(PATTERN_SUFFIXES))
             for name, value in (options or {}).items()}

    def decorate(func):
        func.__machaudit_check__ = CheckInfo(
            id=id,
            name=name,
            severity=Severity.parse(severity),
            run=func,
            doc=inspect.cleandoc(func.__doc__ or ""),
            options={name: spec.default for name, spec in specs.items()},
            option_specs=specs,
            needs_validation=needs_validation,
        )
        return func

    return decorate


def checks_in(module: ModuleType) -> list[CheckInfo]:
    return [obj.__machaudit_check__ for obj in vars(module).values() if hasattr(obj, "__machaudit_check__")]


def load_checks(include_plugins: bool = True) -> dict[str, CheckInfo]:
    """Built-ins from their explicit list, then plugins from the `machaudit.checks` entry points."""
    try:
        from machaudit_checks import BUILTIN_MODULES
    except ImportError as exc:
        raise RegistryError(f"the built-in checks are not installed ({exc}); reinstall machaudit") from None
    found: dict[str, CheckInfo] = {}
    for name in BUILTIN_MODULES:
        try:
            module = importlib.import_module(name)
        except Exception as exc:  # a broken install must be loud, never a silent pass
            raise RegistryError(f"built-in check module {name} failed to load: {exc}") from None
        for info in checks_in(module):
            _add(found, info)
    if not found:
        raise RegistryError("no checks found; the installation is incomplete")
    if include_plugins:
        for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
            dist = entry_point.dist
            origin = f"{dist.name} {dist.version}" if dist else entry_point.value
            try:
                loaded = entry_point.load()
            except Exception as exc:
                raise RegistryError(f"check plugin {entry_point.name!r} from {origin} failed to load: {exc}") from None
            infos = checks_in(loaded) if isinstance(loaded, ModuleType) else [getattr(loaded, "__machaudit_check__", None)]
            if not infos or None in infos:
                raise RegistryError(f"check plugin {entry_point.name!r} from {origin} defines no @check")
            for info in infos:
                _add(found, replace(info, origin=origin))
    return dict(sorted(found.items()))


def _add(found: dict[str, CheckInfo], info: CheckInfo) -> None:
    if info.id in found:
        raise RegistryError(f"check id {info.id} is defined twice ({found[info.id].origin} and {info.origin})")
    found[info.id] = info


def select(checks: Mapping[str, CheckInfo], select: Iterable[str] = (), ignore: Iterable[str] = ()) -> list[CheckInfo]:
    """Checks chosen by id, name, id prefix (ORC) or family name (orchestration)."""
    selected = [c for c in checks.values() if _matches_any(c, select, checks)] if _nonempty(select) else list(checks.values())
    return [c for c in selected if not (_nonempty(ignore) and _matches_any(c, ignore, checks))]


def _nonempty(items: Iterable[str]) -> bool:
    return any(True for _ in items)


def _matches_any(info: CheckInfo, selectors: Iterable[str], checks: Mapping[str, CheckInfo]) -> bool:
    return any(_matches(info, s, checks) for s in selectors)


def _matches(info: CheckInfo, selector: str, checks: Mapping[str, CheckInfo]) -> bool:
    s = selector.strip()
    if s.upper() == info.id or s.lower() == info.name:
        return True
    if s.upper() == info.prefix or s.lower() == info.family:
        return True
    return False


def validate_selectors(checks: Mapping[str, CheckInfo], selectors: Iterable[str]) -> None:
    known = set()
    for c in checks.values():
        known |= {c.id, c.name, c.prefix, c.family}
    for s in selectors:
        token = s.strip()
        if token.upper() not in known and token.lower() not in known:
            families = sorted({c.prefix for c in checks.values()} | {c.family for c in checks.values()})
            raise RegistryError(
                f"unknown check {s!r}; use a check id (e.g. ORC001), a name (dependency-cycle) "
                f"or a family: {', '.join(families)} (see `machaudit rules`)"
            )
