"""Writing report files: all or none, never over an audited input, never half a file.

Every target is checked before anything is written (its folder exists and takes files, it is not
a folder, not named twice, not one of the files the audit read); then each report is written to a
temporary file beside its target, and only when all of them are complete are they moved into
place. A report that fails while it is made, or a signal, leaves no file behind and no target
changed. Targets that are not regular files (/dev/null, a named pipe) are written through, never
replaced, once every regular file is ready.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

Content = str | bytes | Iterable[bytes]


class OutputError(ValueError):
    """A report cannot be written where it was asked to go (exit 2, one line)."""


def check_targets(targets: Iterable[str], inputs: Iterable[str] = ()) -> None:
    """Raise OutputError for the first target that cannot be written; `inputs`: the files read."""
    read = {os.path.realpath(path) for path in inputs}
    seen: dict[str, str] = {}
    for target in targets:
        resolved = os.path.realpath(target)
        if resolved in seen:
            raise OutputError(f"{target} and {seen[resolved]} name the same file; give each report its own")
        seen[resolved] = target
        if resolved in read:
            raise OutputError(f"cannot write {target}: it is one of the audited inputs, and reports are never written over them")
        path = Path(target)
        if path.is_dir():
            raise OutputError(f"cannot write {target}: it is a folder; name a file in it")
        if not path.parent.is_dir():
            raise OutputError(f"cannot write {target}: folder {path.parent} does not exist")
        if not _is_regular_or_new(path):
            if not os.access(path, os.W_OK):
                raise OutputError(f"cannot write {target}: not allowed")
        elif not os.access(path.parent, os.W_OK | os.X_OK):
            raise OutputError(f"cannot write {target}: folder {path.parent} is not writable")


def write_reports(reports: list[tuple[str, Content]], inputs: Iterable[str] = ()) -> None:
    """Write every (target, content), all or none (see the module's docstring)."""
    check_targets([target for target, _ in reports], inputs)
    staged: list[tuple[str, str]] = []  # (temporary file, target)
    through: list[tuple[str, Content]] = []
    try:
        for target, content in reports:
            if not _is_regular_or_new(Path(target)):
                through.append((target, content))
                continue
            staged.append((_staged(target, content), target))
        for target, content in through:
            try:
                with open(target, "wb") as handle:
                    write_pieces(handle, content)
            except OSError as exc:
                raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None
        for tmp, target in staged:
            os.replace(tmp, target)
    finally:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)  # those not moved into place


def write_atomically(path: str, content: Content) -> None:
    """One report file (see `write_reports`)."""
    write_reports([(path, content)])


def _staged(target: str, content: Content) -> str:
    """`content` in a new temporary file beside `target`; its name."""
    path = Path(target)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            write_pieces(handle, content)
        os.chmod(tmp, 0o666 & ~_umask())  # as a plain open() would make it, not mkstemp's 0600
    except BaseException as exc:  # a report that failed while it was made: no half file left behind
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None
        raise
    return tmp


def write_pieces(handle, content: Content) -> None:
    if isinstance(content, str):
        content = content.encode("utf-8")
    for piece in (content,) if isinstance(content, (bytes, bytearray)) else content:
        handle.write(piece)


def _is_regular_or_new(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except FileNotFoundError:
        return True
    except OSError:
        return True  # a link loop or the like: mkstemp and replace say what is wrong


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
