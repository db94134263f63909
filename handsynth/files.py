"""Atomic, durable file writes shared by every layer that writes user-visible files; standard library only."""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
from pathlib import Path

# errno values that say something about the machine, not about our code: the disk or quota is full, the
# folder is read-only or not ours. The command line reports them as one line; any other OSError is a bug.
ENVIRONMENT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM})


def sha256_file(path: str | Path, chunk_bytes: int = 1 << 20) -> str:
    """Lower-case hex sha256 of a file's bytes, read in ``chunk_bytes`` chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()


def with_filename(error: OSError, path: str | Path) -> OSError:
    """``error`` naming ``path`` (a failed ``write`` or ``fsync`` names no file); same errno and subclass."""
    if error.filename is not None:
        return error
    return OSError(error.errno, error.strerror, str(path))  # OSError() picks the subclass of the errno


def write_bytes_durable(path: str | Path, data: bytes) -> None:
    """Create or overwrite ``path`` with ``data`` and fsync it; OSErrors name ``path``."""
    try:
        with open(path, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except OSError as error:
        raise with_filename(error, path) from error


def fsync_dir(path: str | Path) -> None:
    """Flush a directory's entries (a rename inside it) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, fsync, then ``os.replace``:
    readers see the old file or the whole new one, never a part."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        except OSError as error:
            raise with_filename(error, path) from error
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the file the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)
