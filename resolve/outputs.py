"""The output folder: who may write it, who may read it, and how new files replace old ones.

A run holds a lock on its folder (``.resolve.lock``): a second run into the same folder says
who holds it and stops. Everything a run writes is built beside the files it replaces
(``.<name>.building-<pid>``) and moved into place together at the end, the moves written
first to a journal (``.swap-<pid>.json``), so the registry, the models and the report always
come from the same run: a run killed half way through the moves is completed by the next
command that opens the folder, and a run that fails before them changes nothing. Files are
written owner-only unless the config's ``output.permissions`` (or ``--permissions``) widens it.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

from resolve.errors import ResolveError

LOCK_FILE = ".resolve.lock"
# permissions -> (umask while writing, mode of folders, mode of files)
PERMISSIONS = {"owner": (0o077, 0o700, 0o600), "group": (0o027, 0o750, 0o640), "all": (0o022, 0o755, 0o644)}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


def building(out: Path, name: str) -> Path:
    """Where this process builds ``out/name`` before it is moved into place."""
    return out / f".{name}.building-{os.getpid()}"


def remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _swap(moves: list[tuple[Path, Path]]) -> None:
    """Move each built file or folder onto its final name (a folder replaced whole)."""
    for built, final in moves:
        if not built.exists():
            continue  # moved already, by a run that was killed after this move
        if built.is_dir() and final.exists():
            old = final.with_name(f".{final.name}.old-{os.getpid()}")
            remove(old)
            os.replace(final, old)
            os.replace(built, final)
            remove(old)
        else:
            os.replace(built, final)


def _finish_pending(out: Path) -> None:
    """Complete the moves a killed run had journaled, then remove what killed runs left."""
    for journal in sorted(out.glob(".swap-*.json")):
        try:
            moves = [(out / a, out / b) for a, b in json.loads(journal.read_text(encoding="utf-8"))]
        except (OSError, ValueError):
            moves = []
        _swap(moves)
        journal.unlink(missing_ok=True)
    for path in list(out.glob(".*.building-*")) + list(out.glob(".*.old-*")):
        pid = path.name.rsplit("-", 1)[-1].removesuffix(".wal")
        if pid.isdigit() and (int(pid) == os.getpid() or not _alive(int(pid))):
            remove(path)


def _journal(out: Path) -> Path:
    return out / f".swap-{os.getpid()}.json"


def committing(out: Path) -> bool:
    """Whether this process's moves are journaled: its built files are then the next
    command's to move into place, not to remove."""
    return _journal(out).exists()


def commit(out: Path, moves: list[tuple[Path, Path]], permissions: str = "owner") -> None:
    """Move every built file into place together: the journal first, then the moves. Moves
    interrupted half way are completed by the next command that opens the folder."""
    moves = [(b, f) for b, f in moves if b.exists()]
    journal = _journal(out)
    tmp = journal.with_suffix(".tmp")
    tmp.write_text(json.dumps([[b.name, f.name] for b, f in moves]), encoding="utf-8")
    os.replace(tmp, journal)
    _swap(moves)
    journal.unlink(missing_ok=True)
    _set_modes(out, [f for _, f in moves], permissions)


def _set_modes(out: Path, finals: list[Path], permissions: str) -> None:
    _, folder_mode, file_mode = PERMISSIONS[permissions]
    out.chmod(folder_mode)
    for final in finals:
        paths = [final] + (list(final.rglob("*")) if final.is_dir() else [])
        for path in paths:
            path.chmod(folder_mode if path.is_dir() else file_mode)


def _holder(lock: Path) -> str:
    try:
        info = json.loads(lock.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        info = {}
    if not info:
        return "another resolve process"
    return f"`{info.get('command', 'resolve')}` (pid {info.get('pid')}, since {info.get('started')})"


@contextmanager
def output_folder(out: Path, permissions: str = "owner"):
    """Lock ``out`` for this process, finish what a killed run left, and write under the
    permissions' umask; yields the folder."""
    if permissions not in PERMISSIONS:
        raise ResolveError(f"permissions '{permissions}' is not one of {', '.join(PERMISSIONS)}")
    umask, folder_mode, _ = PERMISSIONS[permissions]
    previous_umask = os.umask(umask)
    try:
        out.mkdir(parents=True, exist_ok=True)
        lock_path = out / LOCK_FILE
        handle = open(lock_path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the whole run
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ResolveError(f"{out} is in use by {_holder(lock_path)}; wait for it to finish, "
                                   "or write to another folder with --out") from None
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps({"pid": os.getpid(), "command": " ".join(["resolve"] + sys.argv[1:])[:300],
                                     "started": dt.datetime.now().isoformat(timespec="seconds")}))
            handle.flush()
            _finish_pending(out)
            yield out
        finally:
            handle.seek(0)
            handle.truncate()
            handle.close()  # releases the lock
    finally:
        os.umask(previous_umask)
