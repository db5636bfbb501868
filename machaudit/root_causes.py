"""Root causes first: a catalog file that does not parse hides the entities it defines, so the
references to them dangle (INV003), the specs it declares look undeclared (INV006) and the
components whose relations it holds look isolated (ORC011); a spec that does not parse leaves the
APIs it defines without a usable definition (INV004). Those are not facts about the stack but
consequences of one broken file: they become evidence gaps ("not judged"), and the broken file's
finding gets one summary beside it ("4 references could not be checked: catalog/apis.yaml does not
parse"), which stands for them in baselines.

What a broken file defines is read from its text, line by line (`name: orders-api`, a spec's file
name): the file cannot be parsed, but those lines usually survive the slip that broke it. A finding
is only taken for a consequence when the broken file names what it is about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from machaudit.findings import Result, Severity, State, standing_for
from machaudit.model import Stack

ROOT_CHECK = "SPC002"  # unparseable-document: reports the catalog files that do not parse
NAME_LINE = re.compile(r"^[ \t-]*name:[ \t]*[\"']?([^\"'\s#]+)", re.MULTILINE)


@dataclass(frozen=True)
class BrokenFile:
    file: str  # as reports show it
    text: str = ""
    names: frozenset[str] = frozenset()  # metadata.name values found in its text
    defines: frozenset[str] = frozenset()  # for a spec: the refs of the APIs whose definition it is
    why: str = "does not parse"

    def names_entity(self, ref: str) -> bool:
        return ref.rsplit("/", 1)[-1].rsplit(":", 1)[-1] in self.names

    def mentions(self, word: str) -> bool:
        return bool(word) and re.search(r"(?<![\w.-])" + re.escape(word) + r"(?![\w-])", self.text) is not None


@dataclass(frozen=True)
class Consequence:
    """One check whose failures can follow from a broken catalog file: what it names, and whether the
    broken file is the reason (a result, the broken file, the results already taken for consequences)."""

    noun: str  # plural
    one: str  # singular
    follows: Callable[[Result, BrokenFile, list[Result]], bool]


def _dangling_target(result: Result, broken: BrokenFile, _taken) -> bool:
    return broken.names_entity(str(result.evidence.get("target", "")))


def _spec_named(result: Result, broken: BrokenFile, _taken) -> bool:
    return broken.mentions(result.subject.rsplit("/", 1)[-1])


def _relations_in(result: Result, broken: BrokenFile, taken: list[Result]) -> bool:
    # Isolated because its own references dangle into the broken file, or because what relates to
    # it (an API it provides, a component depending on it) is written there.
    return any(t.check_id == "INV003" and t.subject == result.subject for t in taken) or broken.names_entity(result.subject) \
        or broken.mentions(result.subject.rsplit("/", 1)[-1])


def _definition_of(result: Result, broken: BrokenFile, _taken) -> bool:
    return result.subject in broken.defines


CONSEQUENCES: dict[str, Consequence] = {
    "INV003": Consequence("references to entities it defines", "reference to an entity it defines", _dangling_target),
    "INV006": Consequence("specs it may declare", "spec it may declare", _spec_named),
    "ORC011": Consequence("components whose relations it may hold", "component whose relations it may hold", _relations_in),
    "INV004": Consequence("APIs it defines", "API it defines", _definition_of),
}


def broken_catalog_files(stack: Stack) -> list[BrokenFile]:
    out = []
    for problem in stack.catalog_problems:
        if problem.code != "unreadable" or not problem.message.startswith("cannot read"):
            continue
        text = _text(problem.location.key)
        out.append(BrokenFile(problem.location.file, text, frozenset(NAME_LINE.findall(text))))
    return out


def _text(key: str) -> str:
    if not key or "://" in key:
        return ""  # a remote catalog is not fetched again
    try:
        return Path(key).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def broken_specs(stack: Stack) -> list[BrokenFile]:
    out = []
    for spec in stack.specs.values():
        # A remote definition left unfetched is a choice the INV004 finding explains (--allow-remote),
        # not a broken file; a GraphQL, AsyncAPI or protobuf file that is read but is no definition
        # (a query-only document) has its own INV004 sentence saying what it is instead.
        if "://" not in spec.key and spec.is_openapi and not spec.parsed \
                and any(p.kind == "unparseable" for p in spec.problems):
            apis = frozenset(api.ref for api in stack.apis_of_spec(spec.key))
            if apis:
                out.append(BrokenFile(spec.display, defines=apis, why="cannot be read"))
    return out


def collapse_root_causes(results: list[Result], stack: Stack) -> list[Result]:
    """Results with the consequences of each broken catalog file or spec turned into evidence gaps,
    and one summary finding per broken file that kept something from being checked."""
    broken = [b for b in broken_catalog_files(stack) if b.text] + broken_specs(stack)
    if not broken:
        return results
    roots = {r.subject: r for r in results if r.check_id == ROOT_CHECK and r.state is State.FAIL}
    out = list(results)
    candidates: dict[str, list[int]] = {}  # the failures that may be consequences, by check
    for i, result in enumerate(out):
        if result.check_id in CONSEQUENCES and result.state is State.FAIL:
            candidates.setdefault(result.check_id, []).append(i)
    summaries = []
    for file in broken:
        root = roots.get(file.file)
        if root is None:
            continue  # the root is not reported (SPC002 not selected): nothing to fold into
        taken: list[Result] = []
        for check_id, consequence in CONSEQUENCES.items():  # INV003 before ORC011, which asks what it took
            for i in candidates.get(check_id, ()):
                result = out[i]
                if result.state is State.FAIL and consequence.follows(result, file, taken):
                    taken.append(result)
                    out[i] = replace(result, state=State.UNKNOWN,
                                     message=f"not judged: {file.file} {file.why} ({result.message})")
        if taken:
            summaries.append(_summary(root, file, taken))
    return out + summaries


def _summary(root: Result, broken: BrokenFile, taken: list[Result]) -> Result:
    by_check: dict[str, list[str]] = {}
    for result in taken:
        by_check.setdefault(result.check_id, []).append(result.subject)
    parts = [f"{len(subjects)} {CONSEQUENCES[check].noun if len(subjects) > 1 else CONSEQUENCES[check].one} ({check})"
             for check, subjects in by_check.items()]
    noun = "finding" if len(taken) == 1 else "findings"
    return standing_for(
        root, taken,
        severity=Severity.INFO,
        message=f"{len(taken)} {noun} could not be checked because {broken.file} {broken.why}: "
                + "; ".join(parts) + ("; they are evidence gaps" if len(taken) > 1 else "; it is an evidence gap")
                + " until the file is repaired",
        evidence={"not_checked": by_check},
    )
