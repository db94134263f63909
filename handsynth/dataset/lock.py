"""An exclusive lock on a dataset folder while one run writes it; standard library only.

The lock is the file ``OUT/.handsynth-lock`` (JSON: host, pid, start time, whether an flock is held),
created with ``O_EXCL`` so that two runs can never both create it, and held with ``flock`` where the file
system has it. A lock whose owner is gone is stale: on the same host, an flock that is free (or, without
flock, a pid that no longer exists) means the owner died, and the next run takes it over with a log line.
A lock of another host cannot be checked from here: the run is refused and told how to remove it.
The lock is a run-time file, removed when the run ends; ``validate``, ``stats`` and resume never read it.
"""

from __future__ import annotations

import datetime
import errno
import json
import logging
import os
import socket
import time
from pathlib import Path

from handsynth.errors import UserError
from handsynth.files import with_filename

try:
    import fcntl
except ImportError:  # not on Windows; the pid check alone then decides staleness
    fcntl = None

LOCK_NAME = ".handsynth-lock"
# An empty lock file younger than this may be one whose owner is between creating and writing it.
_CREATING_S = 10.0

log = logging.getLogger(__name__)


def _flock(fd: int) -> bool | None:
    """Try an exclusive, non-blocking flock: True taken, False held by another, None not supported."""
    if fcntl is None:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as error:
        if error.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
            return None
        raise
    return True


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True


def _removal_hint(path: Path) -> str:
    return f"if you are sure no run is writing it, remove {path} and run again"


class OutputLock:
    """``with OutputLock(out): ...`` holds the exclusive lock of folder ``out`` (which must exist).

    ``acquire`` raises UserError when another live run holds it (or a run on another host, which cannot
    be checked); ``release`` removes the lock file (only if it is still this lock's file).
    """

    def __init__(self, out: str | Path, command: str = "render") -> None:
        self.path = Path(out) / LOCK_NAME
        self.command = command
        self._fd: int | None = None
        self._inode: int | None = None

    def __enter__(self) -> OutputLock:
        self.acquire()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.release()

    def acquire(self) -> None:
        """Create the lock file atomically, taking over a stale one; UserError when it is held."""
        for _ in range(5):
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                take_over_if_stale(self.path.parent)
                continue
            try:
                flocked = _flock(fd)  # before the owner is written: a complete lock file is always flocked
                for _ in range(20):  # False: a checker holds it for a moment (it sees an empty, new file)
                    if flocked is not False:
                        break
                    time.sleep(0.05)
                    flocked = _flock(fd)
                owner = {
                    "host": socket.gethostname(),
                    "pid": os.getpid(),
                    "started": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "command": f"handsynth {self.command}",
                    "flock": bool(flocked),
                }
                try:
                    os.write(fd, (json.dumps(owner) + "\n").encode("utf-8"))
                    os.fsync(fd)
                except OSError as error:  # a full disk: name the file
                    raise with_filename(error, self.path) from error
            except BaseException:
                os.close(fd)
                self.path.unlink(missing_ok=True)
                raise
            self._fd, self._inode = fd, os.fstat(fd).st_ino
            return
        raise UserError(f"could not lock {self.path}: other runs keep creating it")

    def release(self) -> None:
        """Remove the lock file if it is still ours, and drop the flock. Safe to call more than once."""
        if self._fd is None:
            return
        try:
            if os.stat(self.path).st_ino == self._inode:
                self.path.unlink()
        except FileNotFoundError:
            pass
        finally:
            os.close(self._fd)  # drops the flock
            self._fd = None


def read_owner(path: Path) -> dict | None:
    """The owner recorded in a lock file, or None when it is empty or not a lock's JSON."""
    try:
        owner = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    ok = isinstance(owner, dict) and isinstance(owner.get("host"), str) and isinstance(owner.get("pid"), int)
    return owner if ok else None


def _describe(owner: dict) -> str:
    return f"pid {owner['pid']} on host {owner['host']} (since {owner.get('started', '?')})"


def take_over_if_stale(out: str | Path) -> None:
    """Check the lock of folder ``out``: nothing when there is none; remove it (with a log line) when its
    owner is gone; UserError when a live run holds it or its owner is on another host."""
    path = Path(out) / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        owner = read_owner(path)
        if owner is not None and owner["host"] != socket.gethostname():
            raise UserError(
                f"{path.parent} is locked by a run of {_describe(owner)}, which cannot be checked from "
                f"here; {_removal_hint(path)}"
            )
        flocked = _flock(fd)
        if flocked is False:
            who = _describe(owner) if owner else "another process"
            raise UserError(f"{path.parent} is in use by a run of {who}; wait for it to end or stop it")
        if owner is None:
            if time.time() - os.fstat(fd).st_mtime < _CREATING_S:
                raise UserError(f"{path.parent} is being locked by another run; {_removal_hint(path)}")
            reason = "an empty or unreadable lock file"
        elif flocked is True and owner.get("flock"):
            reason = f"the run of {_describe(owner)} is gone (its flock is free)"
        elif _pid_alive(owner["pid"]):
            raise UserError(f"{path.parent} is in use by a run of {_describe(owner)}; wait for it to end")
        else:
            reason = f"the run of {_describe(owner)} is gone (no such process)"
        try:
            if os.stat(path).st_ino != os.fstat(fd).st_ino:
                return  # replaced meanwhile by another run; the caller looks again
        except FileNotFoundError:
            return
        log.warning("taking over the stale lock %s: %s", path, reason)
        path.unlink(missing_ok=True)
    finally:
        os.close(fd)
