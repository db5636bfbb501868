"""What a check says about one subject: severity, state, location, fingerprint."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Mapping


class Severity(enum.IntEnum):
    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.strip().upper()]
        except KeyError:
            choices = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {text!r}; choose one of: {choices}") from None

    @property
    def label(self) -> str:
        return self.name.lower()


class State(str, enum.Enum):
    """Result of one check on one subject. UNKNOWN is an evidence gap, never a pass."""

    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not-applicable"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)  # slots: a large portfolio has a hundred thousand results
class Location:
    """Where the evidence is: a file, optionally a JSON pointer inside it, and its line/column."""

    file: str
    pointer: str = ""
    line: int | None = None
    column: int | None = None
    # The document's key in the sources (absolute path or URL), by which its line is found; not
    # part of what reports show or compare (`Spec.location` fills it in).
    key: str = field(default="", compare=False, repr=False)

    def __str__(self) -> str:
        text = self.file
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text


NO_EVIDENCE: Mapping[str, Any] = MappingProxyType({})  # shared by the many results without any


@dataclass(frozen=True, slots=True)
class Result:
    check_id: str
    check_name: str
    state: State
    subject: str
    message: str = ""
    severity: Severity = Severity.INFO
    location: Location | None = None
    evidence: Mapping[str, Any] = field(default_factory=lambda: NO_EVIDENCE)
    suppressed: str | None = None  # the reason, when a suppression covers this finding
    known: bool = False  # in the baseline: reported, but not new
    # The findings this one stands for when several were one fact (the same fact of many operations
    # of a spec, or what a broken file kept from being checked): (fingerprint, subject) of each.
    # A baseline matches it when it knows every one of them (see machaudit.baseline).
    covers: tuple[tuple[str, str], ...] = ()

    @property
    def blocking(self) -> bool:
        """A failure that counts for the exit code: not suppressed, not in the baseline."""
        return self.state is State.FAIL and self.suppressed is None and not self.known

    @property
    def fingerprint(self) -> str:
        """Stable identity for baselines: rule, subject and JSON pointer, never line numbers; for a
        finding that stands for several, the rule and the fingerprints of those it stands for."""
        if self.covers:
            raw = "\x1f".join((self.check_id, *sorted(fp for fp, _ in self.covers)))
            return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]
        pointer = self.location.pointer if self.location else ""
        raw = "\x1f".join((self.check_id, self.subject, pointer))
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]

    def with_location(self, location: Location) -> "Result":
        return replace(self, location=location)


def standing_for(result: Result, members, **changes: Any) -> Result:
    """`result` (with `changes`) as the one finding of a fact that `members` said several times: it
    stands for each of them in baselines (see Result.covers)."""
    covers = tuple(dict.fromkeys(pair for m in members for pair in (m.covers or ((m.fingerprint, m.subject),))))
    return replace(result, covers=covers, **changes)


def escape_pointer_token(token: object) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def to_pointer(parts) -> str:
    """JSON pointer (RFC 6901) for a sequence of keys and indexes."""
    return "".join("/" + escape_pointer_token(p) for p in parts)


def split_pointer(pointer: str) -> list[str]:
    if not pointer or pointer == "/":
        return [] if not pointer else [""]
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.lstrip("/").split("/")]
