"""Command line: click commands that wire the stages together. No business logic here."""

from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path

import click

from machaudit import __version__
from machaudit.findings import Severity
from machaudit.report_files import check_targets, write_atomically, write_pieces, write_reports

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FAIL_ON_CHOICES = ["info", "low", "medium", "high", "critical", "never"]


class UserError(click.ClickException):
    """A mistake in what the user asked for: message on stderr, exit code 2, no traceback."""

    exit_code = EXIT_ERROR


def friendly_errors(func):
    """Turn expected failures into one clear line and exit 2; unexpected ones into a short report."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from machaudit.registry import RegistryError
        from machaudit.sources import InputError
        from machaudit.workers import Terminated, worker_processes

        try:
            with worker_processes():  # however the command ends, no worker outlives it
                return func(*args, **kwargs)
        except (InputError, RegistryError, ValueError) as exc:  # ConfigError, JourneyError …
            raise UserError(str(exc)) from None
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            raise click.exceptions.Exit(130) from None
        except Terminated as exc:
            raise click.exceptions.Exit(128 + exc.signum) from None
        except Exception as exc:  # a bug in machaudit: say so plainly
            if os.environ.get("MACHAUDIT_DEBUG"):
                raise
            raise UserError(
                f"internal error: {type(exc).__name__}: {exc}\n"
                "This is a bug in machaudit; rerun with MACHAUDIT_DEBUG=1 for the traceback and report it."
            ) from None

    return wrapper


def entry() -> None:
    """The `machaudit` command: SIGTERM and SIGHUP stop it the way Ctrl-C does (workers stopped,
    no temporary file left, exit 128 + the signal's number), and a closed pipe on stdout
    (`machaudit … | head`) ends it quietly."""
    from machaudit.workers import Terminated, handle_termination_signals

    handle_termination_signals()
    try:
        # Not click's standalone mode: it turns Ctrl-C while it reads the arguments into "Aborted!"
        # and exit 1; here every interrupt exits 130.
        returned = main.main(standalone_mode=False)
        code = returned if isinstance(returned, int) else 0  # click's own --help, --version, usage errors
    except click.exceptions.Abort:  # Ctrl-C while click was still reading the arguments
        code = 130
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    except Terminated as exc:  # while click was still reading the arguments
        code = 128 + exc.signum
    except SystemExit as exit:
        code = exit.code
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        # Python would report the closed pipe again when it flushes at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = code or 1
    if not isinstance(code, int):  # sys.exit("message") or sys.exit(None), as the interpreter would say
        if code is not None:
            print(code, file=sys.stderr)
        code = 0 if code is None else 1
    sys.stderr.flush()
    # The run is over: its workers stopped, its files written, its temporary files gone, the
    # streams flushed. The interpreter's own teardown would free every object of the audit and
    # walk them all once more with the collector, for nothing: on a folder of specs, a sizeable
    # part of the run. And an interrupted run (130) must not reach it: CPython
    # marks a process "ended by an unhandled KeyboardInterrupt" when the interrupt went through
    # code run by exec() of a string (a dataclass being created, say), even though it was caught,
    # and would kill itself with SIGINT at exit instead of exiting 130.
    os._exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="machaudit")
def main() -> None:
    """Audit how ready a commerce stack is for MACH composition."""


def _parse_outputs(formats: tuple[str, ...], allowed: list[str]) -> list[tuple[str, str | None]]:
    outputs = []
    for item in formats or ("terminal",):
        name, _, target = item.partition(":")
        name = name.strip().lower()
        if name not in allowed:
            raise UserError(f"unknown format {name!r}; choose one of: {', '.join(allowed)}")
        outputs.append((name, target or None))
    if sum(1 for _, target in outputs if target is None) > 1:
        raise UserError("only one format can go to standard output; give the others a file: -f json:report.json")
    return outputs


def _use_color(choice: str) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def _split_list(values: tuple[str, ...]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def load_config(checks, config_path, paths, flags):
    """The job's configuration: a file it names (--config, MACHAUDIT_CONFIG) is trusted; the file
    found in or above the audited folders belongs to the audited tree and may only narrow the run
    (config.py). What that file changed, or asked for and did not get, is said on stderr and in the
    reports."""
    from machaudit.config import build_config, env_settings, find_config, read_config_file

    explicit = config_path or os.environ.get("MACHAUDIT_CONFIG")
    local = [Path(p) for p in paths if "://" not in p and not any(ch in p for ch in "*?[") and Path(p).exists()]
    path = Path(explicit) if explicit else find_config(local[0] if local else Path("."))
    file_settings = read_config_file(path) if path else {}
    tree = [p.resolve() if p.is_dir() else p.resolve().parent for p in local] or [Path.cwd().resolve()]
    return build_config(checks, file_settings, env_settings(os.environ), flags, str(path) if path else "",
                        from_tree=bool(path) and not explicit, tree=tree)


def _ref_map_option(values: tuple[str, ...]) -> dict[str, str]:
    """--ref-map PREFIX=DIR, repeated: {prefix: folder}. The folder follows the last `=` (URLs may hold one)."""
    mapping = {}
    for value in values:
        prefix, equals, folder = value.rpartition("=")
        if not equals or not prefix or not folder:
            raise click.BadParameter(f"{value!r}: use PREFIX=DIR, e.g. https://raw.githubusercontent.com/org/repo/main/docs/=docs/",
                                     param_hint="--ref-map")
        mapping[prefix] = folder
    return mapping


def _tree_settings_note(config) -> None:
    from machaudit.formatters.safe_text import plain  # the file's folders are named by the audited tree

    for setting in config.tree_settings:
        outcome = "applied" if setting.applied else f"not applied: {setting.reason}"
        click.echo(f"machaudit: {plain(config.source)} (from the audited tree) sets {setting.key} = {setting.value}: "
                   f"{outcome}", err=True)


def _audit(paths, catalogs, formats, fail_on, select, ignore, allow_remote, quiet, color,
           config_path=None, baseline=None, write_baseline=None, read_catalog=True, journey_file="",
           previous=(), jobs=None, cache=True, title=None, ref_maps=()):
    from machaudit.sources.validation_runs import start_early
    from machaudit.workers import job_count

    start_early(list(paths), job_count(jobs), hand_back=read_catalog)  # first: the sooner it forks, the better
    from machaudit.audit import run_audit
    from machaudit.formatters import FORMATTERS
    from machaudit.progress import progress_for
    from machaudit.registry import load_checks

    flags = {
        "fail-on": fail_on, "select": _split_list(select), "ignore": _split_list(ignore),
        "format": list(formats), "catalog": list(catalogs), "allow-remote": True if allow_remote else None,
        "refs": {"map": _ref_map_option(ref_maps)} if ref_maps else None,
    }
    config = load_config(load_checks(), config_path, paths, flags)
    if not quiet:
        _tree_settings_note(config)
    formats = config.formats
    if not formats and os.environ.get("GITHUB_ACTIONS") == "true":
        formats = ("github",)  # annotations in the pull request, unless a format was chosen
    outputs = _parse_outputs(formats, list(FORMATTERS))
    # Before the audit: a report that cannot be written should not cost a whole run to find out.
    named = [p for p in paths if "://" not in p and os.path.isfile(p)]
    check_targets([t for _, t in outputs if t is not None] + ([write_baseline] if write_baseline else []), named)

    progress = progress_for(quiet)
    read: list[str] = []  # every file the audit read: no report goes over one of them
    try:
        report = run_audit(list(paths), config, journey_file=journey_file, previous=previous, baseline=baseline,
                           specs_only=not read_catalog, jobs=jobs, cache=cache, progress=progress, files_read=read,
                           title=title)
    finally:
        progress.close()
    # The stack and its parsed documents are gone with run_audit's frame: the reports are
    # written without them (on large portfolios they were a third of the peak memory).
    _emit(report, outputs, config, color, quiet, write_baseline, read)


def _emit(report, outputs, config, color, quiet, write_baseline, inputs=()):
    from machaudit.baseline import write_baseline as save_baseline
    from machaudit.formatters import render_lazily
    from machaudit.formatters.safe_text import plain  # ids, file names and messages come from the inputs

    use_color = _use_color(color)
    rendered = [(target, render_lazily(name, report, use_color and target is None and name == "terminal"))
                for name, target in outputs]
    files = [(target, text) for target, text in rendered if target is not None]
    if write_baseline:
        files.append((write_baseline, save_baseline(report)))
    write_reports(files, inputs)  # only after the audit succeeded; all or none
    for target, text in rendered:
        if target is not None:
            continue
        if isinstance(text, (str, bytes)):
            click.echo(text, nl=False, color=use_color)  # click strips ANSI off a non-TTY otherwise
        elif hasattr(sys.stdout, "buffer"):
            sys.stdout.flush()
            write_pieces(sys.stdout.buffer, text)
            sys.stdout.buffer.flush()
        else:  # a text-only stdout (an embedding program's StringIO)
            click.echo(b"".join(text).decode("utf-8"), nl=False)
    if not quiet and any(target is not None or name != "terminal" for name, target in outputs):
        counts = report.counts()
        click.echo(
            f"machaudit: {len(report.findings)} findings ("
            + ", ".join(f"{n} {k}" for k, n in counts.items() if n) + ")"
            + (f", {len(report.blocking)} new" if report.baseline_used else "")
            + "".join(f"; wrote {plain(t)}" for t, _ in rendered if t), err=True)
    for use in report.suppressions:
        if (use.problem or not use.used) and not quiet:
            what = f"cannot be used: it {use.problem}" if use.problem else "is unused"
            click.echo(f"machaudit: suppression of {plain(use.check or '?')} at {plain(use.location)} {plain(what)}",
                       err=True)
    for error in report.errors:
        click.echo(f"machaudit: check {plain(error.check_id)} failed to run: {plain(error.message)}", err=True)

    if report.errors:
        sys.exit(EXIT_ERROR)
    if config.fail_on != "never":
        threshold = Severity.parse(config.fail_on)
        if any(f.severity >= threshold for f in report.blocking):
            sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_OK)


_common_options = [
    click.option("-f", "--format", "formats", multiple=True, metavar="NAME[:FILE]",
                 help="Report format, repeatable: terminal, json, sarif, junit, github, markdown, html. NAME:FILE writes to a file."),
    click.option("--fail-on", type=click.Choice(FAIL_ON_CHOICES), default=None,
                 help="Exit 1 when a new finding is at or above this severity [default: high]."),
    click.option("--select", multiple=True, metavar="IDS", help="Only these checks: ids, names or families (comma-separated)."),
    click.option("--ignore", multiple=True, metavar="IDS", help="Skip these checks: ids, names or families."),
    click.option("--allow-remote", is_flag=True, help="Follow remote $refs and remote API definitions (http/https)."),
    click.option("--ref-map", "ref_maps", multiple=True, metavar="PREFIX=DIR",
                 help="Read remote $refs whose URL starts with PREFIX from the local folder DIR (repeatable; inside the repository)."),
    click.option("-q", "--quiet", is_flag=True, help="No summary on stderr."),
    click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True),
    click.option("--config", "config_path", metavar="FILE", help="Config file (default: closest machaudit.toml, .machaudit.toml or pyproject.toml)."),
    click.option("--baseline", metavar="FILE", help="Known findings: only findings not in FILE decide the exit code."),
    click.option("--write-baseline", metavar="FILE", help="Write the current findings to FILE as a baseline."),
    click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, metavar="N",
                 help="Validator processes [default: all cores]."),
    click.option("--no-cache", "no_cache", is_flag=True,
                 help="Validate every spec again instead of reusing results for unchanged files (cache: MACHAUDIT_CACHE_DIR or ~/.cache/machaudit)."),
    click.option("--previous", multiple=True, metavar="PATH",
                 help="Earlier versions of the specs (a folder, e.g. a checkout of the main branch, or files) for breaking-change checks."),
]


def common_options(func):
    for option in reversed(_common_options):
        func = option(func)
    return func


@main.command()
@click.argument("paths", nargs=-1)
@click.option("--catalog", "catalogs", multiple=True, metavar="FILE", help="Backstage catalog file (repeatable).")
@click.option("--journey", "journey_file", default="", metavar="FILE", help="Journey document (default: the built-in commerce journey, or one in the catalog).")
@click.option("--title", default=None, metavar="TEXT", help="The report's title (default: the catalog's Domain or System names, else the audited folder's name).")
@common_options
@friendly_errors
def audit(paths, catalogs, journey_file, title, formats, fail_on, select, ignore, allow_remote, ref_maps, quiet, color,
          config_path, baseline, write_baseline, jobs, no_cache, previous):
    """Audit specs and catalog under PATHS (folders, files, globs or URLs; default: .)."""
    _audit(paths, catalogs, formats, fail_on, select, ignore, allow_remote, quiet, color,
           config_path, baseline, write_baseline, journey_file=journey_file, previous=previous,
           jobs=jobs, cache=not no_cache, title=title, ref_maps=ref_maps)


@main.command()
@click.argument("specs", nargs=-1, required=True)
@common_options
@friendly_errors
def validate(specs, formats, fail_on, select, ignore, allow_remote, ref_maps, quiet, color, config_path,
             baseline, write_baseline, jobs, no_cache, previous):
    """Validate OpenAPI/Swagger specs only (a CI gate): the SPC checks, no catalog."""
    _audit(specs, (), formats, fail_on, select or ("SPC",), ignore, allow_remote, quiet, color,
           config_path, baseline, write_baseline, read_catalog=False, previous=previous,
           jobs=jobs, cache=not no_cache, ref_maps=ref_maps)


@main.command()
@click.argument("paths", nargs=-1)
@click.option("--catalog", "catalogs", multiple=True, metavar="FILE")
@click.option("-f", "--format", "fmt", type=click.Choice(["graphml", "dot", "json"]), default="json", show_default=True)
@click.option("--view", type=click.Choice(["services", "full", "flow"]), default="services", show_default=True)
@click.option("-o", "--output", metavar="FILE", help="Write to FILE instead of standard output.")
@friendly_errors
def graph(paths, catalogs, fmt, view, output):
    """Export the dependency graph (services, full or flow view)."""
    from machaudit.graph import build_graphs, export
    from machaudit.sources import LoadOptions, load_stack

    stack, _ = load_stack(list(paths) or ["."], LoadOptions(catalogs=list(catalogs), validate=False))
    text = export(build_graphs(stack).view(view), fmt)
    if output:
        write_atomically(output, text)
    else:
        click.echo(text, nl=False)


@main.command()
@click.argument("paths", nargs=-1)
@click.option("--catalog", "catalogs", multiple=True, metavar="FILE")
@click.option("--journey", "journey_file", default="", metavar="FILE", help="Journey document.")
@click.option("-f", "--format", "fmt", type=click.Choice(["terminal", "json", "png", "svg"]), default="terminal", show_default=True)
@click.option("-o", "--output", metavar="FILE", help="Write to FILE (required for png and svg).")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True)
@click.option("--explain", "explain", default="", metavar="TOUCHPOINT",
              help="Why TOUCHPOINT is not self-service: each cell with its near misses (text, or its JSON with -f json).")
@friendly_errors
def journey(paths, catalogs, journey_file, fmt, output, color, explain):
    """The touchpoint map: which journey steps each channel offers without a phone call."""
    from machaudit.graph import build_graphs
    from machaudit.journey import build_journey_map, journey_for
    from machaudit.sources import LoadOptions, load_stack

    if fmt in ("png", "svg") and not output:
        raise UserError(f"-f {fmt} needs -o FILE")
    stack, _ = load_stack(list(paths) or ["."], LoadOptions(catalogs=list(catalogs), validate=False,
                                                              journey_file=journey_file))
    journey_map = build_journey_map(stack, build_graphs(stack), journey_for(stack))
    data = journey_map.to_dict()
    if explain:
        from machaudit.formatters import journey_table
        from machaudit.formatters.safe_text import plain  # the name comes from the command line

        touchpoint = journey_table.find_touchpoint(data, explain)
        if touchpoint is None:
            raise UserError(f"--explain: no touchpoint {plain(explain)!r} in journey {plain(data['journey'])}; "
                            f"known: {', '.join(plain(n) for n in journey_table.touchpoint_names(data))}")
        if fmt in ("png", "svg"):
            raise UserError(f"--explain prints text or JSON, not -f {fmt}")
        text = (json.dumps(touchpoint, indent=2, ensure_ascii=False) + "\n" if fmt == "json"
                else journey_table.explain(data, explain))
        if output:
            write_atomically(output, text)
        else:
            click.echo(text, nl=False)
        return
    if fmt == "json":
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    elif fmt == "terminal":
        from machaudit.formatters.journey_table import render

        use_color = _use_color(color) and not output
        text = render(data, use_color)
    else:
        from machaudit.formatters.figures import journey_heatmap

        text = None
        write_atomically(output, journey_heatmap(data, fmt))
    if text is not None:
        if output:
            write_atomically(output, text)
        else:
            click.echo(text, nl=False, color=_use_color(color))


@main.command()
@click.argument("check_id", required=False)
@click.option("-f", "--format", "fmt", type=click.Choice(["terminal", "json"]), default="terminal", show_default=True)
@friendly_errors
def rules(check_id, fmt):
    """List the check catalogue, or explain one check."""
    from machaudit.registry import load_checks, select

    checks = load_checks()
    chosen = list(checks.values())
    if check_id:
        chosen = select(checks, [check_id])
        if not chosen:
            raise UserError(f"unknown check {check_id!r}; `machaudit rules` lists them")
    if fmt == "json":
        click.echo(json.dumps([
            {"id": c.id, "name": c.name, "family": c.family, "area": c.area, "severity": c.severity.label,
             "summary": c.summary, "doc": c.doc, "options": dict(c.options),
             "option_schema": {name: spec.schema() for name, spec in c.option_specs.items()}, "origin": c.origin}
            for c in chosen], indent=2, ensure_ascii=False))
        return
    if check_id and len(chosen) == 1:
        c = chosen[0]
        click.echo(f"{c.id} {c.name}  [{c.family}, default severity {c.severity.label}]\n")
        click.echo(c.doc)
        if c.option_specs:
            click.echo("\nOptions ([checks." + c.id + "] in machaudit.toml):")
            for name, spec in c.option_specs.items():
                click.echo(f"  {name.replace('_', '-')}: {spec.describe()}")
        return
    for c in chosen:
        click.echo(f"{c.id}  {c.name:<32} {c.severity.label:<8} {c.summary}")
