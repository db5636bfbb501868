#!/usr/bin/env python3
"""Benchmark machaudit against Redocly CLI and Spectral, side by side, on real and generated corpora.

    python benchmarks/run.py [--quick] [--runs N] [--out benchmarks/results.md] [--tools DIR]

Installs the two Node linters from the npm registry into a temporary folder (or reuses --tools DIR),
times every tool on every corpus in the same run (wall, CPU of the child tree, peak memory),
and writes a Markdown table of ratios (--out) plus the raw figures as JSON (same name, .json).
See benchmarks/README.md for what is measured and how to read it. Standard library only.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import importlib.util
import json
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

# Pinned to the versions behind the reference figures in shared/corpus/README.md; override with
# --redocly / --spectral (e.g. @redocly/cli@latest). Redocly CLI releases after 2.x need Node 22.
REDOCLY_PKG = "@redocly/cli@2.77.0"
SPECTRAL_PKG = "@stoplight/spectral-cli@6.16.3"

SCALING_TARGET = 5.5
SPEC_SUFFIXES = {".json", ".yaml", ".yml"}
TOOL_ORDER = ["machaudit-validate", "machaudit-audit", "redocly", "spectral"]
TOOL_LABEL = {
    "machaudit-validate": "machaudit validate",
    "machaudit-audit": "machaudit audit",
    "redocly": "Redocly lint",
    "spectral": "Spectral lint",
}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# -- corpora ---------------------------------------------------------------------------------------

_YAML_ROOT = re.compile(r"^(['\"]?)(openapi|swagger)\1[ \t]*:", re.MULTILINE)
_JSON_ROOT = re.compile(r'"(openapi|swagger)"\s*:\s*"')


def is_root_spec(path: Path) -> bool:
    """A file with a top-level `openapi` or `swagger` key (JSON or YAML), without a YAML parser."""
    if path.suffix.lower() not in SPEC_SUFFIXES:
        return False
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except ValueError:
            # Broken JSON: a root spec declares its version near the top.
            return bool(_JSON_ROOT.search(stripped[:2000]))
        return isinstance(data, dict) and ("openapi" in data or "swagger" in data)
    return bool(_YAML_ROOT.search(text))


def spec_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and is_root_spec(p))


@dataclass
class Corpus:
    name: str
    label: str
    machaudit_args: list[str] = field(default_factory=list)   # a folder or a file
    lint_files: list[Path] = field(default_factory=list)      # root specs for Redocly/Spectral
    # Redocly stops at the first file it cannot parse: where set, it lints only these (whole bench).
    redocly_files: list[Path] | None = None
    skipped: str = ""                                          # reason, when it cannot be run
    note: str = ""
    files: int = 0
    bytes: int = 0


def _measure(corpus: Corpus) -> None:
    corpus.files = len(corpus.lint_files)
    corpus.bytes = sum(p.stat().st_size for p in corpus.lint_files)


def folder_corpus(name: str, label: str, folder: Path | None, note: str = "") -> Corpus:
    if folder is None or not folder.is_dir():
        return Corpus(name, label, skipped=f"folder not found: {folder}", note=note)
    files = spec_files(folder)
    if not files:
        return Corpus(name, label, skipped=f"no root spec under {folder}", note=note)
    corpus = Corpus(name, label, [str(folder)], files, note=note)
    _measure(corpus)
    return corpus


def file_corpus(name: str, label: str, root: Path, filename: str, note: str = "") -> Corpus:
    found = sorted(root.rglob(filename)) if root.is_dir() else []
    if not found:
        return Corpus(name, label, skipped=f"{filename} not found under {root}", note=note)
    corpus = Corpus(name, label, [str(found[0])], [found[0]], note=note)
    _measure(corpus)
    return corpus


def find_corpus_root(explicit: str | None) -> Path | None:
    candidates = [explicit, os.environ.get("MACHAUDIT_CORPUS"), REPO.parent / "shared" / "corpus",
                  "/work/shared/corpus"]
    for c in candidates:
        if c and Path(c).is_dir():
            return Path(c).resolve()
    return None


# -- synthetic portfolios --------------------------------------------------------------------------

def _external_refs(node) -> bool:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _load_any(path: Path):
    text = path.read_text(encoding="utf-8")
    if text.lstrip("\ufeff \t\r\n").startswith("{"):
        return json.loads(text)
    try:
        import yaml  # PyYAML, a machaudit dependency; without it only JSON specs feed the pool
    except ImportError:
        return None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)


def _known_valid(corpus_root: Path) -> set[str] | None:
    """Root specs that openapi-spec-validator accepted (shared/corpus/VALIDATION.public.tsv)."""
    tsv = corpus_root / "VALIDATION.public.tsv"
    if not tsv.is_file():
        return None
    valid = set()
    lines = tsv.read_text(encoding="utf-8").splitlines()
    head = lines[0].split("\t")
    ip, ir = head.index("local_path"), head.index("result")
    for line in lines[1:]:
        cols = line.split("\t")
        if len(cols) > max(ip, ir) and cols[ir] == "VALID":
            # local_path is public/<folder>/...; the corpus is laid out without "public/"
            valid.add(cols[ip].split("/", 1)[1] if cols[ip].startswith("public/") else cols[ip])
    return valid


def build_pool(corpus_root: Path, sources: list[Path], max_kb: int) -> list[tuple[str, dict]]:
    valid = _known_valid(corpus_root)
    pool, seen = [], set()
    for path in sources:
        size = path.stat().st_size
        if size > max_kb * 1024 or size < 1024:
            continue
        rel = path.relative_to(corpus_root).as_posix()
        if valid is not None and rel not in valid:
            continue
        raw = path.read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        if digest in seen:
            continue
        try:
            data = _load_any(path)
        except Exception:  # noqa: BLE001 - any unreadable source is simply not used
            continue
        if not isinstance(data, dict) or not isinstance(data.get("info"), dict):
            continue
        version = str(data.get("openapi") or data.get("swagger") or "")
        if not re.match(r"^(2\.0|3\.[01]\.\d+)$", version):
            continue
        if not isinstance(data.get("paths", {}), dict) or _external_refs(data):
            continue
        seen.add(digest)
        pool.append((rel, data))
    return pool


def _vary(src: dict, i: int) -> dict:
    """A copy of a real spec made distinct: title, a path prefix and a server host."""
    doc = dict(src)  # shallow: only top-level keys below are replaced, the rest is shared
    info = dict(doc.get("info") or {})
    info["title"] = f"{info.get('title') or 'API'} (portfolio service {i:05d})"
    doc["info"] = info
    prefix = f"/svc{i:05d}"
    paths = doc.get("paths")
    if isinstance(paths, dict):
        doc["paths"] = {(prefix + k if isinstance(k, str) and k.startswith("/") else k): v
                        for k, v in paths.items()}
    host = f"svc{i:05d}.portfolio.example.com"
    if str(doc.get("swagger", "")).startswith("2"):
        doc["host"] = host
    else:
        servers = doc.get("servers")
        base = ""
        if isinstance(servers, list) and servers and isinstance(servers[0], dict):
            m = re.match(r"^[a-z]+://[^/]*(/.*)?$", str(servers[0].get("url", "")))
            base = (m.group(1) or "") if m else ""
        doc["servers"] = [{"url": f"https://{host}{base}"}]
    return doc


def build_portfolio(dest: Path, count: int, pool: list[tuple[str, dict]], seed: int = 20261123) -> Path:
    """count specs under dest, copy i made from pool[order[i % len(pool)]] (a seeded shuffle)."""
    stamp = hashlib.sha256(json.dumps([count, seed, [rel for rel, _ in pool]]).encode()).hexdigest()
    if (dest / ".stamp").is_file() and (dest / ".stamp").read_text() == stamp:
        return dest  # same portfolio already there (a kept --workdir)
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    order = list(range(len(pool)))
    random.Random(seed).shuffle(order)
    for i in range(count):
        rel, src = pool[order[i % len(order)]]
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", Path(rel).stem)[:40]
        out = dest / f"{i:05d}-{stem}.json"
        out.write_text(json.dumps(_vary(src, i), indent=2, ensure_ascii=False), encoding="utf-8")
    (dest / ".stamp").write_text(stamp)
    return dest


# -- tools -----------------------------------------------------------------------------------------

def install_tools(tools_dir: Path, redocly_pkg: str, spectral_pkg: str) -> dict[str, Path]:
    bins = {"redocly": tools_dir / "node_modules" / ".bin" / "redocly",
            "spectral": tools_dir / "node_modules" / ".bin" / "spectral"}
    tools_dir.mkdir(parents=True, exist_ok=True)
    if not all(b.exists() for b in bins.values()):
        npm = shutil.which("npm")
        if not npm:
            raise SystemExit("npm not found: Node.js and npm are needed to install Redocly CLI and Spectral")
        log(f"installing {redocly_pkg} and {spectral_pkg} into {tools_dir} ...")
        # --ignore-scripts: nothing but the registry's packages; no post-install downloads.
        cmd = [npm, "install", "--prefix", str(tools_dir), "--no-audit", "--no-fund", "--ignore-scripts",
               "--loglevel=error", redocly_pkg, spectral_pkg]
        subprocess.run(cmd, check=True, stdout=sys.stderr)
    (tools_dir / ".spectral.yaml").write_text('extends: ["spectral:oas"]\n', encoding="utf-8")
    return bins


def machaudit_command(explicit: str | None) -> list[str]:
    if explicit:
        return explicit.split()
    if importlib.util.find_spec("machaudit") is not None:
        return [sys.executable, "-m", "machaudit"]
    found = shutil.which("machaudit")
    if found:
        return [found]
    raise SystemExit("machaudit not found: install it (pip install -e .), put it on PATH, run this script "
                     "with the Python that has it, or pass --machaudit CMD")


def compile_bytecode(ma: list[str]) -> None:
    """Bytecode for machaudit's modules, as `pip install` writes it for a package: an editable
    install run with PYTHONDONTWRITEBYTECODE=1 would compile every module on every run (0.1 s)."""
    if ma[1:3] == ["-m", "machaudit"]:
        subprocess.run([ma[0], "-c", "import compileall, machaudit, machaudit_checks\n"
                        "for m in (machaudit, machaudit_checks):\n"
                        "    for p in m.__path__: compileall.compile_dir(p, quiet=1)"], check=False)


def _version(cmd: list[str], env: dict | None = None) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
        text = (out.stdout or out.stderr).strip()
        return text.splitlines()[-1].strip() if text else f"exit {out.returncode}"
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unavailable ({exc})"


# -- measuring -------------------------------------------------------------------------------------

PAGE = os.sysconf("SC_PAGE_SIZE")


def _group_rss(pgid: int) -> int:
    """Memory of every live process in process group pgid, in bytes: the sum of their proportional
    set sizes (PSS: a page shared by n processes counts 1/n, so forked workers are not counted
    twice), or of their resident sets where smaps_rollup cannot be read."""
    total = 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()
        # after ")": state ppid pgrp session ... rss is overall field 24 (index 21 here)
        if len(fields) <= 21 or int(fields[2]) != pgid:
            continue
        pss = None
        try:
            with open(f"/proc/{name}/smaps_rollup", "rb") as fh:
                for line in fh:
                    if line.startswith(b"Pss:"):
                        pss = int(line.split()[1]) * 1024
                        break
        except OSError:
            pass
        total += pss if pss is not None else int(fields[21]) * PAGE
    return total


class TreeSampler(threading.Thread):
    def __init__(self, pgid: int, interval: float):
        super().__init__(daemon=True)
        self.pgid, self.interval, self.peak = pgid, interval, 0
        self.stop_event = threading.Event()

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                self.peak = max(self.peak, _group_rss(self.pgid))
            except Exception:  # noqa: BLE001 - sampling is best effort
                pass
            self.stop_event.wait(self.interval)


def run_once(cmd: list[str], cwd: Path, env: dict, timeout: float, log_path: Path, sample: float) -> dict:
    gnu_time = Path("/usr/bin/time")
    time_out = log_path.with_suffix(".time")
    full = ([str(gnu_time), "-f", "%M", "-o", str(time_out)] + cmd) if gnu_time.exists() else cmd
    with open(log_path, "wb") as errlog:
        start = time.perf_counter()
        proc = subprocess.Popen(full, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=errlog, start_new_session=True)
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        sampler = TreeSampler(proc.pid, sample) if sample > 0 else None
        if sampler:
            sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        timer.cancel()
        if sampler:
            sampler.stop_event.set()
            sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    # Whatever is left of the group (a stray grandchild) goes too.
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    maxrss_kb = usage.ru_maxrss  # max over the child and every descendant it waited for
    source = "wait4"
    if time_out.exists():
        lines = [ln for ln in time_out.read_text(errors="replace").splitlines() if ln.strip()]
        time_out.unlink()
        if lines and lines[-1].strip().isdigit():
            maxrss_kb, source = int(lines[-1].strip()), "/usr/bin/time %M"
        for ln in lines:  # GNU time passes the exit status on; a signal it reports in words
            m = re.match(r"Command terminated by signal (\d+)", ln)
            if m:
                proc.returncode = -int(m.group(1))
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "user_s": round(usage.ru_utime, 3),
        "sys_s": round(usage.ru_stime, 3),
        "peak_mb": round(maxrss_kb / 1024, 1),
        "peak_source": source,
        "tree_peak_mb": round(sampler.peak / 2**20, 1) if sampler else None,
        "exit": proc.returncode,
        "timed_out": timed_out.is_set(),
    }


# Redocly's words when it gives up on a file, and before it starts on one.
_REDOCLY_PARSE_ERROR = re.compile(
    r"(?:Failed to parse API description at|Something went wrong when processing) (.+?):\s*$", re.M)
_REDOCLY_VALIDATING = re.compile(r"^validating (.+?)\.\.\.\s*$", re.M)


def judge(tool: str, result: dict, log_path: Path, n_files: int) -> str:
    """ok, timeout or crash. Linters exit 1 on findings: that is fine."""
    if result["timed_out"]:
        return "timeout"
    code = result["exit"]
    if code < 0 or code >= 128:
        return f"crash (signal {abs(code) if code < 0 else code - 128})"
    text = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else ""
    if tool.startswith("machaudit"):
        return "ok" if code in (0, 1) else f"crash (exit {code})"
    if tool == "redocly":
        if code not in (0, 1):
            return f"crash (exit {code})"
        validated = text.count(": validated in ")
        if validated < n_files and _REDOCLY_PARSE_ERROR.search(text):
            # Redocly stops at the first file it cannot parse: the rest is never linted.
            return f"stopped early: parse error after {validated}/{n_files} files"
        if "Validation failed with" in text or "Woohoo!" in text or validated:
            return "ok" if validated >= n_files else f"ok ({validated}/{n_files} files reported)"
        return f"crash (exit {code}, no summary)"
    if tool == "spectral":
        return "ok" if code in (0, 1) else f"crash (exit {code})"
    return "ok" if code == 0 else f"exit {code}"


def tool_command(tool: str, corpus: Corpus, ma: list[str], ma_flags: list[str], bins: dict[str, Path],
                 tools_dir: Path) -> list[str]:
    if tool == "machaudit-validate":
        return ma + ["validate", *ma_flags, *corpus.machaudit_args]
    if tool == "machaudit-audit":
        return ma + ["audit", *ma_flags, *corpus.machaudit_args]
    if tool == "redocly":
        files = corpus.lint_files if corpus.redocly_files is None else corpus.redocly_files
        return [str(bins["redocly"]), "lint", "--format=summary", *map(str, files)]
    if tool == "spectral":
        # Paths are read as glob patterns: escape glob characters (an escaped "(" also defuses +( @( !( ).
        files = [re.sub(r"([*?\[\]{}()!])", r"\\\1", str(p)) for p in corpus.lint_files]
        return [str(bins["spectral"]), "lint", "-r", str(tools_dir / ".spectral.yaml"), "-f", "json", "-q",
                *files]
    raise ValueError(tool)


def redocly_parseable(files: list[Path], bins: dict[str, Path], cwd: Path, env: dict, timeout: float,
                      max_rounds: int = 100) -> tuple[list[Path], list[Path]]:
    """The files Redocly lints to the end: run it, drop the file it stopped at, run again (untimed)."""
    remaining, refused = list(files), []
    for _ in range(max_rounds):
        proc = subprocess.run([str(bins["redocly"]), "lint", "--format=summary", *map(str, remaining)],
                              cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
        match = _REDOCLY_PARSE_ERROR.search(proc.stdout + proc.stderr)
        if not match:
            break
        failed = Path(match.group(1)).resolve()
        kept = [p for p in remaining if p.resolve() != failed]
        if len(kept) == len(remaining):
            # A $ref target failed: drop the root being linted then ("validating <path>..." before it).
            started = _REDOCLY_VALIDATING.findall((proc.stdout + proc.stderr)[:match.start()])
            failed = (cwd / started[-1]).resolve() if started else failed
            kept = [p for p in remaining if p.resolve() != failed]
            if len(kept) == len(remaining):
                break  # nothing we can attribute it to
        refused += [p for p in remaining if p.resolve() == failed]
        remaining = kept
        log(f"    Redocly cannot parse {failed.name}; {len(remaining)} files left")
    return remaining, refused


# -- report ----------------------------------------------------------------------------------------

def median(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 3) if values else None


def summarise(runs: list[dict]) -> dict:
    ok = [r for r in runs if r["status"].startswith("ok")]
    statuses = sorted({r["status"] for r in runs})
    out = {"runs": len(runs), "ok_runs": len(ok), "status": statuses[0] if len(statuses) == 1 else ", ".join(statuses),
           "exit_codes": sorted({r["exit"] for r in runs})}
    # No good run: show what the failed runs took (not timeouts), but no ratio is made of it.
    basis = ok or [r for r in runs if not r["timed_out"]]
    for key in ("wall_s", "cpu_s", "peak_mb", "tree_peak_mb"):
        out[key] = median([r[key] for r in basis])
    out["comparable"] = bool(ok)
    return out


def fig(summary_row: dict | None, key: str):
    """A median usable in a ratio: only from runs that did the whole job."""
    if not summary_row or not summary_row.get("comparable"):
        return None
    return summary_row.get(key)


def ratio(a, b):
    return round(a / b, 2) if a and b else None


def fmt(v, nd=2):
    if v is None:
        return "—"
    return f"{v:.{nd}f}" if isinstance(v, float) else str(v)


def _input(c: Corpus) -> str:
    if c.skipped:
        return "skipped: " + c.skipped
    return " ".join(c.machaudit_args) if len(c.machaudit_args) <= 2 else f"{len(c.machaudit_args)} files"


def render_markdown(meta: dict, corpora: list[Corpus], summary: dict, scaling: dict) -> str:
    lines = [f"# machaudit vs Redocly CLI vs Spectral ({meta['date']})", ""]
    m = meta["machine"]
    lines.append(f"{m['nproc']} cores, {m['mem_gb']} GB, {m['cpu']}; load average at start {m['loadavg_start']}, "
                 f"at end {meta.get('loadavg_end', '?')}. Python {m['python']}, Node {m['node']}; "
                 f"{meta['tools']['machaudit']}, Redocly CLI {meta['tools']['redocly']}, Spectral "
                 f"{meta['tools']['spectral']}. Median of {meta['runs']} run(s) per cell"
                 f"{' (--quick)' if meta['quick'] else ''}; machaudit with a cold validation cache.")
    lines += ["", "## Ratios (machaudit ÷ other tool: below 1 means machaudit is faster / smaller)", "",
              "| corpus | specs | validate÷Redocly wall | validate÷Redocly mem | validate÷Spectral wall | "
              "validate÷Spectral mem | audit÷Redocly wall | audit÷Redocly mem | audit÷Spectral wall | "
              "audit÷Spectral mem |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for c in corpora:
        if c.skipped:
            lines.append(f"| {c.label} | — | skipped: {c.skipped} |||||||| ")
            continue
        s = summary[c.name]
        cells = []
        for ma in ("machaudit-validate", "machaudit-audit"):
            for other in ("redocly", "spectral"):
                for key in ("wall_s", "peak_mb"):
                    cells.append(fmt(ratio(fig(s.get(ma), key), fig(s.get(other), key))))
        lines.append(f"| {c.label} | {c.files} | " + " | ".join(cells) + " |")
    lines += ["", "## Raw figures (median; peak = largest process's max RSS; tree = sampled peak of the "
              "process tree's summed PSS)", "",
              "| corpus | tool | wall s | CPU s | peak MB | tree MB | exit | status |",
              "|---|---|---:|---:|---:|---:|---|---|"]
    for c in corpora:
        if c.skipped:
            continue
        for tool in TOOL_ORDER:
            s = summary[c.name].get(tool)
            if not s:
                continue
            lines.append(f"| {c.label} | {TOOL_LABEL[tool]} | {fmt(s['wall_s'])} | {fmt(s['cpu_s'])} | "
                         f"{fmt(s['peak_mb'], 0)} | {fmt(s['tree_peak_mb'], 0)} | "
                         f"{','.join(map(str, s['exit_codes']))} | {s['status']} |")
    lines += ["", f"## Scaling: time(5,000 specs) ÷ time(1,000 specs) (machaudit target ≤ {SCALING_TARGET})", ""]
    if scaling.get("skipped"):
        lines.append(f"Not measured: {scaling['skipped']}.")
    else:
        lines += [f"Portfolio bytes ratio: {fmt(scaling.get('bytes_ratio'))}.", "",
                  "| tool | wall 1,000 s | wall 5,000 s | wall ratio | CPU ratio | peak MB ratio | verdict |",
                  "|---|---:|---:|---:|---:|---:|---|"]
        for tool in TOOL_ORDER:
            sc = scaling["tools"].get(tool)
            if not sc:
                continue
            verdict = ""
            if tool.startswith("machaudit") and sc["wall_ratio"] is not None:
                verdict = "meets target" if sc["wall_ratio"] <= SCALING_TARGET else "MISSES target"
            verdict = (verdict + " " + sc.get("note", "")).strip()
            lines.append(f"| {TOOL_LABEL[tool]} | {fmt(sc['wall_1k'])} | {fmt(sc['wall_5k'])} | "
                         f"{fmt(sc['wall_ratio'])} | {fmt(sc['cpu_ratio'])} | {fmt(sc['peak_ratio'])} | {verdict} |")
    lines += ["", "## Corpora", "", "| corpus | specs linted | MB | machaudit input | note |", "|---|---:|---:|---|---|"]
    for c in corpora:
        lines.append(f"| {c.label} | {c.files if not c.skipped else '—'} | "
                     f"{fmt(c.bytes / 1e6) if not c.skipped else '—'} | "
                     f"{_input(c)} | {c.note} |")
    problems = [(c.label, t, s["status"]) for c in corpora if not c.skipped
                for t, s in summary[c.name].items() if not s["status"].startswith("ok")]
    if problems:
        lines += ["", "## Failures (no ratio is made of these; the raw table shows what the failed runs took)",
                  ""] + [f"- {TOOL_LABEL[t]} on {c}: {st}" for c, t, st in problems]
    return "\n".join(lines) + "\n"


# -- main ------------------------------------------------------------------------------------------

def machine_info() -> dict:
    mem_kb = 0
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "mem_gb": round(mem_kb / 2**20, 1),
        "cpu": cpu,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "python_executable": sys.executable,
        "node": _version(["node", "--version"]),
        "npm": _version(["npm", "--version"]),
        "loadavg_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="1 run per cell, no 5,000-spec portfolio")
    ap.add_argument("--runs", type=int, default=None, help="runs per tool × corpus (default 3; 1 with --quick)")
    ap.add_argument("--out", default=str(HERE / "results.md"), help="Markdown report (JSON beside it, .json)")
    ap.add_argument("--tools", metavar="DIR", help="install folder for Redocly/Spectral to (re)use")
    ap.add_argument("--corpus", metavar="DIR", help="shared corpus folder (default: ../shared/corpus)")
    ap.add_argument("--timeout", type=float, default=900, help="per command, seconds (default 900)")
    ap.add_argument("--only", metavar="NAMES", help="comma-separated corpus names: stripe, stripe-yaml, adyen, "
                    "twilio, bench, portfolio-1000, portfolio-5000")
    ap.add_argument("--tool", metavar="NAMES", help="comma-separated tools: " + ", ".join(TOOL_ORDER))
    ap.add_argument("--machaudit", metavar="CMD", help="machaudit command (default: python -m machaudit, or PATH)")
    ap.add_argument("--redocly", default=REDOCLY_PKG, help=f"npm package spec (default {REDOCLY_PKG})")
    ap.add_argument("--spectral", default=SPECTRAL_PKG, help=f"npm package spec (default {SPECTRAL_PKG})")
    ap.add_argument("--pool-max-kb", type=int, default=100, help="largest real spec copied into portfolios")
    ap.add_argument("--workdir", metavar="DIR", help="scratch folder (portfolios, logs); default: a temp folder, removed")
    ap.add_argument("--sample", type=float, default=0.25, help="tree-RSS sampling interval, s (0: off)")
    args = ap.parse_args(argv)
    runs = args.runs or (1 if args.quick else 3)
    only = set(args.only.split(",")) if args.only else None
    tools = [t for t in TOOL_ORDER if not args.tool or t in args.tool.split(",")]

    corpus_root = find_corpus_root(args.corpus)
    scratch = Path(args.workdir).resolve() if args.workdir else Path(tempfile.mkdtemp(prefix="machaudit-bench-"))
    scratch.mkdir(parents=True, exist_ok=True)
    tools_dir = Path(args.tools).resolve() if args.tools else scratch / "tools"
    (scratch / "logs").mkdir(exist_ok=True)
    cwd = scratch / "cwd"  # neutral working folder: no redocly.yaml, machaudit.toml or ignore files
    cwd.mkdir(exist_ok=True)
    try:
        return _main(args, runs, only, tools, corpus_root, scratch, tools_dir, cwd)
    finally:
        if not args.workdir:
            # keep the tools folder only when it is not inside the scratch folder
            shutil.rmtree(scratch, ignore_errors=True)


def _main(args, runs, only, tools, corpus_root, scratch, tools_dir, cwd) -> int:
    meta = {"date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "runs": runs,
            "quick": args.quick, "timeout_s": args.timeout, "machine": machine_info(),
            "corpus_root": str(corpus_root)}
    bins = install_tools(tools_dir, args.redocly, args.spectral) if {"redocly", "spectral"} & set(tools) else {}
    ma = machaudit_command(args.machaudit)
    compile_bytecode(ma)
    env = {k: v for k, v in os.environ.items() if k not in ("MACHAUDIT_CONFIG", "GITHUB_ACTIONS")}
    env.update({"NO_COLOR": "1", "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true",
                "SCARF_ANALYTICS": "false", "DO_NOT_TRACK": "1", "CI": env.get("CI", "true")})
    help_text = subprocess.run(ma + ["validate", "--help"], capture_output=True, text=True, env=env).stdout
    # JSON report to stdout, which goes to /dev/null. Never -f json:/dev/null: machaudit writes files
    # atomically (temp file + rename), which as root replaces /dev/null with a regular file.
    ma_flags = ["--fail-on", "never", "-q", "--color", "never", "-f", "json"]
    if "--no-cache" in help_text:
        ma_flags.append("--no-cache")
    meta["tools"] = {
        "machaudit": _version(ma + ["--version"], env) + f" ({' '.join(ma)})",
        "machaudit_flags": " ".join(ma_flags),
        "redocly": _version([str(bins["redocly"]), "--version"], env) if bins else "not run",
        "spectral": _version([str(bins["spectral"]), "--version"], env) if bins else "not run",
        "tools_dir": str(tools_dir),
    }
    try:
        commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "machaudit", "checks"],
                               capture_output=True, text=True).stdout.strip()
        meta["machaudit_commit"] = commit + (" (+ uncommitted changes)" if dirty else "")
    except OSError:
        pass
    log(f"tools: {meta['tools']}")

    corpora = make_corpora(corpus_root, scratch, args, only)
    bench = next((c for c in corpora if c.name == "bench" and not c.skipped), None)
    if bench is not None and "redocly" in tools:
        bench.redocly_files, refused = redocly_parseable(bench.lint_files, bins, cwd, env, args.timeout)
        bench.note += (f"; Redocly stops at the first file it cannot parse, so it lints the {len(bench.redocly_files)} "
                       f"it can ({len(refused)} refused: {', '.join(p.name for p in refused)}), machaudit all "
                       f"{bench.files}: the ratio is conservative")
    for c in corpora:
        if not c.skipped:
            for p in c.lint_files:  # warm the page cache so the first tool pays no disk reads
                p.read_bytes()
        log(f"corpus {c.name}: " + (f"skipped ({c.skipped})" if c.skipped else f"{c.files} specs, {c.bytes/1e6:.1f} MB"))

    results: dict[str, dict[str, list[dict]]] = {c.name: {t: [] for t in tools} for c in corpora if not c.skipped}
    for r in range(runs):
        for c in corpora:
            if c.skipped:
                continue
            order = tools[r % len(tools):] + tools[:r % len(tools)]  # rotate: no tool always goes first
            for tool in order:
                previous = results[c.name][tool]
                if previous and previous[-1]["status"] == "timeout":
                    continue  # it will time out again: save the time
                cmd = tool_command(tool, c, ma, ma_flags, bins, tools_dir)
                run_env = dict(env)
                cache = scratch / "cache" / f"{c.name}-{tool}-{r}"
                run_env["MACHAUDIT_CACHE_DIR"] = str(cache)  # cold cache every run, never the user's
                log_path = scratch / "logs" / f"{c.name}.{tool}.{r}.log"
                log(f"[run {r + 1}/{runs}] {c.name}: {TOOL_LABEL[tool]} ...")
                res = run_once(cmd, cwd, run_env, args.timeout, log_path, args.sample)
                n_files = len(c.redocly_files) if tool == "redocly" and c.redocly_files is not None else c.files
                res["status"] = judge(tool, res, log_path, n_files)
                if not res["status"].startswith("ok"):
                    res["log_tail"] = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
                shutil.rmtree(cache, ignore_errors=True)
                previous.append(res)
                log(f"    wall {res['wall_s']:.2f}s cpu {res['cpu_s']:.2f}s peak {res['peak_mb']:.0f}MB "
                    f"tree {res['tree_peak_mb'] or 0:.0f}MB exit {res['exit']} {res['status']}")
        if r + 1 < runs:
            write_report(args, meta, corpora, results, done=r + 1, final=False)

    write_report(args, meta, corpora, results, done=runs, final=True)
    return 0


def write_report(args, meta, corpora, results, done: int, final: bool) -> None:
    """The Markdown and JSON reports; also written after every completed run (marked partial), so
    an interrupted benchmark still leaves what it measured."""
    summary = {name: {t: summarise(rs) for t, rs in per.items() if rs} for name, per in results.items()}
    scaling = compute_scaling(corpora, summary, args.quick)
    meta = dict(meta, loadavg_end=" ".join(f"{x:.2f}" for x in os.getloadavg()), runs_done=done,
                partial=not final)
    text = render_markdown(meta, corpora, summary, scaling)
    if not final:
        text = text.replace("\n", f"\n\n**Partial: {done} of {meta['runs']} runs done.**\n", 1)
    else:
        print(text)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    raw = {
        "meta": meta,
        "corpora": [{"name": c.name, "label": c.label, "skipped": c.skipped or None, "specs": c.files,
                     "bytes": c.bytes, "machaudit_input": c.machaudit_args, "note": c.note,
                     "lint_files": [str(p) for p in c.lint_files] if c.files <= 300 else f"{c.files} files"}
                    for c in corpora],
        "results": results, "summary": summary, "scaling": scaling,
        "ratios": {c.name: {f"{ma}/{o}": {"wall": ratio(fig(summary[c.name].get(ma), "wall_s"),
                                                          fig(summary[c.name].get(o), "wall_s")),
                                            "peak_mb": ratio(fig(summary[c.name].get(ma), "peak_mb"),
                                                             fig(summary[c.name].get(o), "peak_mb"))}
                                 for ma in ("machaudit-validate", "machaudit-audit") for o in ("redocly", "spectral")}
                   for c in corpora if not c.skipped},
    }
    out.with_suffix(".json").write_text(json.dumps(raw, indent=2) + "\n", encoding="utf-8")
    log(f"wrote {out} and {out.with_suffix('.json')}" + ("" if final else f" (partial, {done}/{meta['runs']} runs)"))


def make_corpora(root: Path | None, scratch: Path, args, only) -> list[Corpus]:
    want = lambda name: only is None or name in only  # noqa: E731
    corpora: list[Corpus] = []
    if root is None:
        names = ["stripe", "stripe-yaml", "adyen", "twilio", "bench", "portfolio-1000", "portfolio-5000"]
        return [Corpus(n, n, skipped="shared corpus folder not found (--corpus DIR)") for n in names if want(n)]
    bench = root / "bench"
    if want("stripe"):
        corpora.append(file_corpus("stripe", "Stripe spec3.json", bench, "spec3.json"))
    if want("stripe-yaml"):
        corpora.append(file_corpus(
            "stripe-yaml", "Stripe stripe.yaml (vacuum copy)", bench, "stripe.yaml",
            note="Stripe's API as vacuum's test file (3.1 MB YAML, OpenAPI 3.0): not the spec3.json of the reference figures"))
    if want("adyen"):
        corpora.append(folder_corpus("adyen", "Adyen (adyen/json)", root / "adyen" / "json"))
    if want("twilio"):
        corpora.append(folder_corpus("twilio", "Twilio (bench/twilio+twilio-oai)", bench / "twilio+twilio-oai"))
    if want("bench"):
        corpora.append(folder_corpus("bench", "whole bench", bench,
                                     note="machaudit gets the folder; the linters its root specs"))
    sizes = [n for n in (1000, 5000) if want(f"portfolio-{n}") and not (n == 5000 and args.quick)]
    if want("portfolio-5000") and args.quick:
        corpora_5k_skip = Corpus("portfolio-5000", "portfolio 5,000", skipped="--quick")
    else:
        corpora_5k_skip = None
    if sizes:
        sources = spec_files(root / "adyen" / "json") if (root / "adyen" / "json").is_dir() else []
        sources += spec_files(bench) if bench.is_dir() else []
        pool = build_pool(root, sources, args.pool_max_kb)
        log(f"portfolio pool: {len(pool)} real specs of ≤ {args.pool_max_kb} KB")
        for n in sizes:
            name, label = f"portfolio-{n}", f"portfolio {n:,}"
            if not pool:
                corpora.append(Corpus(name, label, skipped="no usable real spec to copy"))
                continue
            folder = build_portfolio(scratch / name, n, pool)
            corpora.append(folder_corpus(name, label, folder,
                                         note=f"synthetic: {n} varied copies of {len(pool)} real specs"))
    if corpora_5k_skip:
        corpora.append(corpora_5k_skip)
    return corpora


def compute_scaling(corpora: list[Corpus], summary: dict, quick: bool) -> dict:
    by = {c.name: c for c in corpora}
    small, big = by.get("portfolio-1000"), by.get("portfolio-5000")
    if not small or not big or small.skipped or big.skipped:
        why = "--quick skips the 5,000 portfolio" if quick else "a portfolio was not run"
        return {"skipped": why}
    out = {"bytes_ratio": ratio(big.bytes, small.bytes), "target": SCALING_TARGET, "tools": {}}
    for tool in TOOL_ORDER:
        a, b = summary[small.name].get(tool), summary[big.name].get(tool)
        if not a or not b or not a.get("comparable") or not b.get("comparable"):
            if a or b:
                out["tools"][tool] = {"wall_1k": fig(a, "wall_s"), "wall_5k": fig(b, "wall_s"), "wall_ratio": None,
                                      "cpu_ratio": None, "peak_ratio": None,
                                      "note": f"1,000: {a and a['status']}; 5,000: {b and b['status']}"}
            continue
        out["tools"][tool] = {
            "wall_1k": a["wall_s"], "wall_5k": b["wall_s"],
            "wall_ratio": ratio(b["wall_s"], a["wall_s"]),
            "cpu_ratio": ratio(b["cpu_s"], a["cpu_s"]),
            "peak_ratio": ratio(b["peak_mb"], a["peak_mb"]),
        }
        if tool.startswith("machaudit") and out["tools"][tool]["wall_ratio"] is not None:
            out["tools"][tool]["meets_target"] = out["tools"][tool]["wall_ratio"] <= SCALING_TARGET
    return out


if __name__ == "__main__":
    sys.exit(main())
