"""One self-contained HTML file for a client's board: readable on a laptop, printable to PDF.

Nothing is fetched: no web fonts, no CDN, no script; figures are inline SVG (matplotlib, deterministic).
A restrictive Content-Security-Policy ships in the page, and every text that comes from specs or
catalogs goes through `safe_text.plain` (the template's finalize: controls and bidi characters
shown as `\\x1b`, `\\u202e`, one line, no workflow command should the page be printed in a CI log)
and jinja2's autoescaping (a spec title `<script>…` shows as text).

Sections: cover and executive summary, architecture (dependency graph), readiness by area, the
customer journey (heatmap and the gaps), data location, blast radius, findings by area and check
with the remedy, suppressed and known findings, and appendices (spec validity, evidence gaps, method).
Two renders of the same report are byte-identical (the date comes from SOURCE_DATE_EPOCH when set).
"""

from __future__ import annotations

import datetime
import functools
import os
import re
from typing import Any, Iterable, Mapping

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from machaudit.report import AuditReport
from machaudit.findings import Result, Severity, State
from machaudit.formatters.root_paths import in_root
from machaudit.formatters.safe_text import plain
from machaudit.scoring import AREAS, LEVELS, MIN_CHECKS, MIN_COVERAGE, evidence_label

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

AREA_TITLES = {
    "microservices": "Microservices",
    "api-first": "API-first",
    "cloud-native": "Cloud-native SaaS",
    "data-location": "Data location",
    "headless": "Headless",
    "journey": "Customer journey",
    "resilience": "Resilience & blast radius",
    "other": "Other checks",
}
VERDICTS = {
    "allowed": ("allowed", "ok"),
    "violation": ("violation", "bad"),
    "unknown": ("unknown", "warn"),
    "no policy": ("no policy", "neutral"),
}
PHONE_CHANNELS = ("call-center",)
TOP_RISKS = 5


# -- entry point ------------------------------------------------------------------------------------

def render(report: AuditReport, color: bool = False) -> str:
    return _template().render(csp=CSP, **view(report))


@functools.cache
def _template():
    """Compiled once a process: compiling the template costs more than rendering it (a program or
    a test suite that renders many reports in one process would pay it each time)."""
    env = Environment(
        loader=PackageLoader("machaudit", "templates"),
        autoescape=True,  # everything from specs and catalogs is untrusted text
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_inert,
    )
    env.filters["code"] = inline_code
    env.filters["short"] = short_ref
    env.filters["where"] = where
    env.filters["path"] = breakable_path
    return env.get_template("report.html.j2")


def _inert(value: Any) -> Any:
    """Every `{{ … }}` of the template: text made inert before it is escaped. Markup is made here
    (the filters below, the sanitised figures) from text that already went through `plain`."""
    return value if isinstance(value, Markup) or not isinstance(value, str) else plain(value)


# -- the view the template reads ----------------------------------------------------------------------

def view(report: AuditReport) -> dict[str, Any]:
    report = in_root(report)  # file names relative to the audited folder
    checks = {c.id: c for c in report.checks}
    docs = {c.id: doc_sections(c.doc) for c in report.checks}
    standing = report.findings  # unsuppressed, baseline-known ones included
    new = [f for f in standing if not f.known]
    known = [f for f in standing if f.known]
    gaps = [r for r in report.results if r.state is State.UNKNOWN]
    scores = report.scores or {}
    return {
        "title": report.title,
        "descriptions": [{"name": d.get("title") or d["name"], "kind": d["kind"], "description": prose(d["description"])}
                         for d in report.descriptions],
        "minimum": {"checks": MIN_CHECKS, "coverage": MIN_COVERAGE},
        "date": _report_date(),
        "tool_version": report.tool_version,
        "schema_version": report.schema_version,
        "inventory": _inventory(report),
        "overall": _overall(scores),
        "levels": [{"level": n, "name": name} for n, name, _ in LEVELS],
        "areas": _areas(scores),
        "counts": report.counts(),
        "severities": [s.label for s in sorted(Severity, reverse=True)],
        "finding_count": len(standing),
        "new_count": len(new),
        "known_count": len(known),
        "suppressed_count": len(report.suppressed),
        "passed": sum(1 for r in report.results if r.state is State.PASS),
        "check_count": len(report.checks),
        "gap_count": len(gaps),
        "gap_checks": len({g.check_id for g in gaps}),
        "risks": _risks(standing, checks, docs),
        "summary": _summary(report, scores, standing, gaps),
        "figures": _figures(report),
        "journey": _journey(report.journey),
        "data_locations": _data_locations(report.sections.get("data_locations")),
        "propagation": _propagation(report.sections.get("propagation")),
        "findings": _findings_by_area(new, checks, docs),
        "suppressed": [_finding(f) for f in report.suppressed],
        "known": [_finding(f) for f in known],
        "suppression_problems": [
            {"check": s.check or "?", "where": str(s.location), "reason": s.reason,
             "problem": f"cannot be used: it {s.problem}" if s.problem else "unused: nothing it covers was found"}
            for s in report.suppressions if s.problem or not s.used
        ],
        "baseline_used": report.baseline_used,
        "specs": _specs(report),
        "gaps": _gaps(gaps, checks),
        "errors": [{"check": e.check_id, "message": e.message} for e in report.errors],
    }


def _report_date() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        day = datetime.datetime.fromtimestamp(int(epoch), tz=datetime.timezone.utc).date()
    else:
        day = datetime.date.today()
    return day.isoformat()


def prose(text: str) -> str:
    """A catalog description as one paragraph: YAML's line breaks inside prose are spaces, not ⏎."""
    return re.sub(r"[ \t]*(?:\r\n|\n)[ \t]*", " ", text.strip())


def _inventory(report: AuditReport) -> dict[str, Any]:
    inv = report.inventory or {}
    entities = inv.get("entities", {}) or {}
    return {
        "catalog_files": len(inv.get("catalog_files", []) or []),
        "specs": inv.get("specs", len(report.specs)),
        "operations": inv.get("operations", 0),
        "components": entities.get("component", 0),
        "apis": entities.get("api", 0),
        "resources": entities.get("resource", 0),
        "systems": entities.get("system", 0),
        "entities": sorted(entities.items()),
        "channels": list(inv.get("channels", []) or []),
    }


def _overall(scores: Mapping[str, Any]) -> dict[str, Any]:
    overall = scores.get("overall", {}) or {}
    level = overall.get("level")
    areas = scores.get("areas", {}) or {}
    return {
        "all_same": len(overall.get("weakest_areas", [])) > 1
        and len(overall.get("weakest_areas", [])) == sum(1 for a in areas.values() if a.get("level") is not None
                                                         and not a.get("provisional")),
        "level": level,
        "name": overall.get("level_name", "not assessed"),
        "weakest": [AREA_TITLES.get(a, a) for a in overall.get("weakest_areas", [])],
        "based_on": [AREA_TITLES.get(a, a) for a in overall.get("based_on", [])],
        "provisional": [AREA_TITLES.get(a, a) for a in overall.get("provisional_areas", [])],
        "gaps": overall.get("evidence_gaps", 0),
    }


def _areas(scores: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for area, entry in (scores.get("areas", {}) or {}).items():
        out.append({
            "key": area,
            "title": AREA_TITLES.get(area, area),
            "points": entry.get("points"),
            "level": entry.get("level"),
            "level_name": entry.get("level_name", "not assessed"),
            "applicable": entry.get("checks_applicable", 0),
            "failed": list(entry.get("checks_failed", [])),
            "gaps": list(entry.get("evidence_gaps", [])),
            "evidence": evidence_label(entry),
            "coverage": entry.get("coverage"),
            "provisional": bool(entry.get("provisional")),
            "provisional_reason": entry.get("provisional_reason") or "",
        })
    return out


# -- check documentation ------------------------------------------------------------------------------

_HEADING = re.compile(r"^(What|Why it matters(?: for MACH)?|Examples?|Fix)\s*:\s*", re.MULTILINE)


def doc_sections(doc: str) -> dict[str, str]:
    """The What / Why / Example / Fix parts of a check's docstring, each as one paragraph."""
    out = {"what": "", "why": "", "example": "", "fix": ""}
    parts = _HEADING.split(doc or "")
    if parts and parts[0].strip():
        out["what"] = parts[0]
    for heading, body in zip(parts[1::2], parts[2::2]):
        key = "why" if heading.startswith("Why") else "example" if heading.startswith("Example") else heading.lower()
        out[key] = body
    return {k: " ".join(v.split()) for k, v in out.items()}


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(`])")


def first_sentence(text: str) -> str:
    text = " ".join(text.split())
    parts = _SENTENCE_END.split(text, maxsplit=1)
    return parts[0] if parts else ""


def inline_code(text: Any) -> Markup:
    """Escape, then show `backticked` words as code."""
    escaped = str(escape(plain(text)))
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped))


_ENTITY_REF = re.compile(r"\b(?:component|api|resource|system|domain|group|user|location):([^\s,;()]+)", re.IGNORECASE)


def short_ref(ref: Any) -> str:
    """Entity refs shown by name: component:default/erp-core -> erp-core, also inside a longer text
    (`component:default/a -> component:default/b`); other text unchanged."""
    return _ENTITY_REF.sub(lambda m: m.group(1).split("/", 1)[-1], str(ref or ""))


def breakable_path(text: Any) -> Markup:
    """Escape, and let a long file path wrap after its slashes rather than mid-name."""
    return Markup(str(escape(plain(text))).replace("/", "/<wbr>"))


def where(location: Any) -> str:
    if location is None:
        return ""
    text = location.file
    if location.line is not None:
        text += f":{location.line}"
    return text


def _clip(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:(") + " …"


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


# -- risks and summary ----------------------------------------------------------------------------------

def _risks(findings: list[Result], checks, docs) -> list[dict[str, Any]]:
    by_check: dict[str, list[Result]] = {}
    for f in findings:
        by_check.setdefault(f.check_id, []).append(f)
    ranked = sorted(by_check.items(), key=lambda kv: (-max(f.severity for f in kv[1]), -len(kv[1]), kv[0]))
    out = []
    for check_id, items in ranked[:TOP_RISKS]:
        items = sorted(items, key=lambda f: (-f.severity, f.subject))
        info = checks.get(check_id)
        doc = docs.get(check_id, {})
        subjects = list(dict.fromkeys(short_ref(f.subject) for f in items))  # by name, compound ones too
        out.append({
            "check": check_id,
            "title": _capitalise((info.name if info else check_id).replace("-", " ")),
            "area": AREA_TITLES.get(info.area if info else "other", "other"),
            "severity": items[0].severity.label,
            "count": len(items),
            "headline": _capitalise(_clip(items[0].message, 320)),
            "subjects": subjects[:4],
            "more_subjects": max(len(subjects) - 4, 0),
            "why": _capitalise(first_sentence(doc.get("why", ""))),
            "fix": _capitalise(first_sentence(doc.get("fix", ""))),
        })
    return out


def _summary(report: AuditReport, scores, findings: list[Result], gaps: list[Result]) -> list[str]:
    """The executive summary in a few plain sentences."""
    overall = _overall(scores)
    counts = report.counts()
    out = []
    if overall["level"] is None and overall["provisional"]:
        out.append("No overall readiness level: no area has enough evidence to be rated with confidence. "
                   "Provisional levels (shown per area) stand for " + ", ".join(overall["provisional"]) + ".")
    elif overall["level"] is None:
        out.append("No area could be assessed: the inputs gave the checks nothing to judge.")
    else:
        if overall["all_same"]:
            where = f"all {len(overall['based_on'])} areas it rests on stand at that level."
        else:
            where = f"the overall level is that of the weakest area{'s' if len(overall['weakest']) > 1 else ''}: " \
                    + ", ".join(overall["weakest"]) + "."
        out.append(f"The stack reaches readiness level {overall['level']} ({overall['name']}) of 4 overall; {where}")
        if overall["provisional"]:
            out.append("Too little evidence to count overall (provisional): " + ", ".join(overall["provisional"])
                       + ". Their levels are shown per area but rest on too few checks or answers.")
    serious = counts.get("critical", 0) + counts.get("high", 0)
    if findings:
        out.append(f"The audit found {len(findings)} issue{'s' if len(findings) != 1 else ''}; "
                   f"{serious} of them {'are' if serious != 1 else 'is'} critical or high and should be planned first.")
    else:
        out.append("The audit found no open issue.")
    if gaps:
        out.append(f"{len(gaps)} question{'s' if len(gaps) != 1 else ''} could not be answered from the inputs "
                   "(evidence gaps). They are not counted as passes; the appendix lists what to provide.")
    if report.errors:
        out.append(f"{len(report.errors)} check{'s' if len(report.errors) != 1 else ''} failed to run; "
                   "their areas may be rated too well.")
    return out


# -- figures --------------------------------------------------------------------------------------------

def _figures(report: AuditReport) -> dict[str, Any]:
    from machaudit.formatters import figures

    out: dict[str, Any] = {}
    jobs = {
        "graph": (lambda: figures.dependency_graph(report.graph, "svg"), bool(report.graph.get("nodes")),
                  "Dependency graph: channels, gateways, services by system, SaaS vendors and data stores"),
        "scores": (lambda: figures.area_scores(report.scores, "svg"), bool(report.scores.get("areas")),
                   "Readiness points per MACH area"),
        "journey": (lambda: figures.journey_heatmap(report.journey, "svg"),
                    bool(report.journey and report.journey.get("channels") and report.journey.get("stages")),
                    "Touchpoint map: journey touchpoints by channel"),
    }
    for prefix, (draw, wanted, label) in jobs.items():
        if not wanted:
            out[prefix] = None
            continue
        try:
            out[prefix] = inline_svg(draw(), prefix, label)
        except Exception as exc:  # a figure must never sink the report
            out[prefix] = {"svg": None, "label": label, "width_pt": 0.0, "error": f"{type(exc).__name__}: {exc}"}
    return out


# Active content or anything that would load: refused. Internal references (#id) and the raster
# matplotlib embeds for imshow (data:image/png) are all an inline figure needs.
_UNSAFE_SVG = re.compile(
    r"<\s*(script|foreignObject|iframe|object|embed|a)\b|\son[a-z]+\s*=|javascript:"
    r"|(?:href|src)\s*=\s*[\"'](?!#|data:image/(?:png|jpeg);base64,)",
    re.IGNORECASE,
)


def inline_svg(data: bytes, prefix: str, label: str) -> dict[str, Any]:
    """A matplotlib SVG made fit to sit in an HTML page: no prolog, doctype or comments, ids made
    unique per figure, sized by its viewBox. Refused when it holds anything active or external."""
    text = data.decode("utf-8")
    text = re.sub(r"<\?xml[^>]*\?>", "", text)
    text = re.sub(r"<!DOCTYPE[^>]*>", "", text, flags=re.IGNORECASE)
    text = re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.DOTALL)
    ids = set(re.findall(r'\bid="([^"]+)"', text))
    text = re.sub(r'(\bid="|"#|url\(#)([^")]+)',
                  lambda m: f"{m.group(1)}{prefix}-{m.group(2)}" if m.group(2) in ids else m.group(0), text)
    match = re.search(r"<svg\b[^>]*>", text)
    if match is None:
        raise ValueError("not an SVG document")
    head = match.group(0)
    width = re.search(r'\bwidth="([\d.]+)pt"', head)
    new_head = re.sub(r'\s(width|height)="[^"]*"', "", head)
    style = f"--natural-width:{width.group(1)}pt" if width else ""
    new_head = new_head.replace("<svg", f'<svg class="fig" role="img" aria-label="{escape(label)}" style="{style}"', 1)
    text = text[: match.start()] + new_head + text[match.end():]
    text = text.strip()
    if _UNSAFE_SVG.search(text):
        raise ValueError("the figure holds active or external content")
    return {"svg": Markup(text), "label": label, "width_pt": float(width.group(1)) if width else 0.0, "error": ""}


# -- journey ---------------------------------------------------------------------------------------------

def _journey(data: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not data or not data.get("stages"):
        return None
    channels = list(data.get("channels", []))
    phone = [c for c in channels if c in PHONE_CHANNELS or _all_notes_phone(data, c)]
    customer = [c for c in channels if c not in phone]
    rows, totals = [], {"self-service": 0, "partly": 0, "gap": 0, "offered": 0}
    for stage in data["stages"]:
        for tp in stage["touchpoints"]:
            cells = tp.get("cells", {})
            if tp.get("operations"):
                totals["offered"] += 1
            if not customer:  # no channel known: only whether an API offers it at all
                if not tp.get("operations"):
                    totals["gap"] += 1
                    rows.append({"stage": stage["name"], "name": tp.get("title") or tp["name"], "key": tp["name"],
                                 "required": bool(tp.get("required")), "self_service": [],
                                 "states": [{"state": "missing", "channels": [],
                                             "evidence": "No operation in any API offers it.",
                                             "near": _nearest_miss([{"near_misses": tp.get("near_misses")}])}]})
                continue
            by_state: dict[str, list[str]] = {}
            for c in customer:
                state = cells.get(c, {}).get("state", "missing")
                by_state.setdefault(state, []).append(c)
            if set(by_state) == {"self-service"}:
                totals["self-service"] += 1
                continue
            totals["partly" if "self-service" in by_state else "gap"] += 1
            states = []
            for state in ("phone-only", "staff-only", "internal-only", "missing"):
                if state not in by_state:
                    continue
                states.append({"state": state, "channels": by_state[state],
                               "evidence": _touchpoint_evidence(tp, state, by_state[state], phone),
                               "near": _nearest_miss(cells.get(c, {}) for c in by_state[state])})
            rows.append({
                "stage": stage["name"],
                "name": tp.get("title") or tp["name"],
                "key": tp["name"],
                "required": bool(tp.get("required")),
                "self_service": by_state.get("self-service", []),
                "states": states,
            })
    return {"name": data.get("journey", ""), "source": data.get("source", ""), "channels": channels,
            "customer_channels": customer, "phone_channels": phone, "rows": rows, "totals": totals}


def _all_notes_phone(data, channel: str) -> bool:
    notes = [tp.get("cells", {}).get(channel, {}).get("note", "") for s in data["stages"] for tp in s["touchpoints"]]
    return bool(notes) and all("call-centre agent" in (n or "") for n in notes if n) and any(notes)


def _operation_text(op: Mapping[str, Any] | None) -> str:
    if not op:
        return ""
    return f"{short_ref(op.get('api', ''))} {op.get('operation', '')}".strip()


def _nearest_miss(cells) -> str:
    """The top near miss of the first cell that has one, the operation and what ruled it out; not
    the cell's own operation, which the evidence already names."""
    miss = None
    for cell in cells:
        shown = (cell.get("operation") or {}).get("pointer")
        miss = next((n for n in cell.get("near_misses") or () if n.get("pointer") != shown), None)
        if miss:
            break
    if not miss:
        return ""
    return f"{_operation_text(miss)}: {miss.get('reason', '')}"


def _touchpoint_evidence(tp, state: str, channels: list[str], phone: list[str]) -> str:
    cells = tp.get("cells", {})
    if state == "missing":
        return "No operation in any API offers it."
    if state == "staff-only":
        cell = next((cells.get(c, {}) for c in channels if cells.get(c, {}).get("operation")), {})
        op = cell.get("operation") or {}
        why = f" ({op['audience_evidence']})" if op.get("audience_evidence") else ""
        return (f"{_operation_text(op)} is for the merchant's staff only{why}; the channel reaches its API, "
                "but no customer may call it.")
    if state == "phone-only":
        for p in phone:
            cell = cells.get(p, {})
            if cell.get("state") == "self-service" and cell.get("operation"):
                route = " → ".join(short_ref(x) for x in cell.get("path", []))
                return f"{_operation_text(cell['operation'])} is reached only by {p}" + (f" ({route})" if route else "") + "."
        op = next((cells.get(c, {}).get("operation") for c in channels if cells.get(c, {}).get("operation")), None)
        return f"{_operation_text(op)} is reached only through the call centre." if op else "Reached only through the call centre."
    ops = [cells.get(c, {}).get("operation") for c in channels]
    ops = [o for o in ops if o] or list(tp.get("operations", []))[:1]
    if ops:
        return f"{_operation_text(ops[0])} exists, but no customer channel reaches its API."
    return "An operation exists, but no customer channel reaches it."


# -- data location and blast radius ------------------------------------------------------------------

def _get(record: Any, key: str, default: Any = "") -> Any:
    if isinstance(record, Mapping):
        return record.get(key, default)
    return getattr(record, key, default)


def _data_locations(records: Iterable[Any] | None) -> dict[str, Any] | None:
    if records is None:
        return None
    rows = []
    for r in records:
        verdict = str(_get(r, "verdict", "") or "unknown")
        source = str(_get(r, "region_source", "") or "")
        rows.append({
            "data_class": str(_get(r, "data_class")),
            "holder": str(_get(r, "holder")),
            "holder_kind": str(_get(r, "holder_kind", "") or ""),
            "provider": str(_get(r, "provider", "") or ""),
            "region": str(_get(r, "region", "") or ""),
            "source": source,
            "inferred": source.startswith("inferred"),
            "declared": source.startswith("declared"),
            "class_source": str(_get(r, "class_source", "") or ""),
            "verdict": VERDICTS.get(verdict, (verdict, "neutral"))[0],
            "verdict_class": VERDICTS.get(verdict, (verdict, "neutral"))[1],
        })
    rank = {"violation": 0, "unknown": 1, "allowed": 2, "no policy": 3}
    rows.sort(key=lambda r: (r["data_class"], rank.get(r["verdict"], 9), r["holder"]))
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row["data_class"], []).append(row)
    tally: dict[str, int] = {}
    for row in rows:
        tally[row["verdict"]] = tally.get(row["verdict"], 0) + 1
    return {
        "rows": rows,
        "groups": [{"data_class": k, "rows": v, "verdicts": sorted({r["verdict"] for r in v}, key=lambda x: rank.get(x, 9))}
                   for k, v in groups.items()],
        "tally": sorted(tally.items(), key=lambda kv: rank.get(kv[0], 9)),
        "classes": len(groups),
        "holders": len({r["holder"] for r in rows}),
    }


def _propagation(items: Iterable[Any] | None) -> dict[str, Any] | None:
    if items is None:
        return None
    sources = []
    for item in items:
        reaches = []
        for reach in _get(item, "reaches", []) or []:
            reaches.append({
                "sink": str(_get(reach, "sink")),
                "category": str(_get(reach, "category", "") or ""),
                "path": [str(p) for p in (_get(reach, "path", []) or [])],
                "guarded": bool(_get(reach, "guarded", False)),
                "guard": str(_get(reach, "guard", "") or ""),
            })
        reaches.sort(key=lambda r: (r["guarded"], r["category"], len(r["path"]), r["sink"]))
        sources.append({
            "source": str(_get(item, "source")),
            "logic": [str(x) for x in (_get(item, "logic", []) or [])],
            "reaches": reaches,
            "open": sum(1 for r in reaches if not r["guarded"]),
        })
    sources.sort(key=lambda s: (-s["open"], s["source"]))
    return {"sources": sources, "open": sum(s["open"] for s in sources),
            "guarded": sum(len(s["reaches"]) - s["open"] for s in sources)}


# -- findings --------------------------------------------------------------------------------------------

def _finding(f: Result) -> dict[str, Any]:
    return {
        "check": f.check_id,
        "name": f.check_name,
        "severity": f.severity.label,
        "subject": f.subject,
        "message": f.message,
        "where": where(f.location) if f.location else "",
        "pointer": f.location.pointer if f.location else "",
        "reason": f.suppressed or "",
        "known": f.known,
    }


def _findings_by_area(findings: list[Result], checks, docs) -> list[dict[str, Any]]:
    by_area: dict[str, dict[str, list[Result]]] = {}
    for f in findings:
        info = checks.get(f.check_id)
        area = info.area if info else "other"
        by_area.setdefault(area if area in AREAS else "other", {}).setdefault(f.check_id, []).append(f)
    out = []
    for area in (*AREAS, "other"):
        groups = by_area.get(area)
        if not groups:
            continue
        ranked = sorted(groups.items(), key=lambda kv: (-max(f.severity for f in kv[1]), kv[0]))
        out.append({
            "key": area,
            "title": AREA_TITLES.get(area, area),
            "count": sum(len(v) for v in groups.values()),
            "checks": [{
                "id": check_id,
                "name": checks[check_id].name if check_id in checks else check_id,
                "severity": max(f.severity for f in items).label,
                "what": _capitalise(docs.get(check_id, {}).get("what", "")),
                "why": _capitalise(first_sentence(docs.get(check_id, {}).get("why", ""))),
                "fix": _capitalise(docs.get(check_id, {}).get("fix", "")),
                "findings": [_finding(f) for f in sorted(items, key=lambda f: (-f.severity, f.subject))],
            } for check_id, items in ranked],
        })
    return out


# -- appendices -----------------------------------------------------------------------------------------

def _specs(report: AuditReport) -> list[dict[str, Any]]:
    problems: dict[str, list[str]] = {}
    for r in report.results:
        if r.state is State.FAIL and r.check_id.startswith("SPC"):
            key = r.location.file if r.location else r.subject.split(" ", 1)[0]
            problems.setdefault(key, []).append(f"{r.check_id}: {r.message}"
                                                + (f" (line {r.location.line})" if r.location and r.location.line else ""))
    out = []
    for spec in report.specs:
        listed = problems.get(str(spec.get("file", "")), [])
        out.append({
            "file": str(spec.get("file", "")),
            "title": str(spec.get("title", "") or ""),
            "version": str(spec.get("version", "") or "?"),
            "operations": spec.get("operations", 0),
            "problem_count": spec.get("problems", 0) or len(listed),
            "valid": bool(spec.get("valid")),
            "problems": [_clip(p, 400) for p in listed[:6]],
            "more": max(len(listed) - 6, 0),
        })
    return out


def _gaps(gaps: list[Result], checks) -> list[dict[str, Any]]:
    by_check: dict[str, list[Result]] = {}
    for g in gaps:
        by_check.setdefault(g.check_id, []).append(g)
    return [{
        "check": check_id,
        "name": checks[check_id].name if check_id in checks else check_id,
        "entries": [{"subject": g.subject, "message": g.message, "where": where(g.location)} for g in items],
    } for check_id, items in sorted(by_check.items())]
