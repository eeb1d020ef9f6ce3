"""Publishing a new warehouse version while analysts keep querying the old one.

DuckDB lets one process write a database file, and while it does no other
process can open that file. So nothing ever writes the published file:

    warehouse/olist.duckdb             published; analysts open it read-only
    warehouse/olist.previous.duckdb    the version published before (rollback)
    warehouse/.refresh/next_version.duckdb
                                       the version being built: a copy of the
                                       published one (the key maps and the
                                       membership history continue from it)
    warehouse/.refresh/lock            held by the running refresh

A new version is checkpointed (no write-ahead log left beside it) and renamed
over the published path. A rename within one file system is atomic: a reader
opening the path gets the old file or the new one, whole, and a reader that
opened the old one keeps reading it (its open file stays the old inode).
Until that rename the published file is untouched, so a refresh that fails
or is killed at any point leaves it as it was; the next refresh discards the
half-built copy and starts again.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from clustering.errors import PublishError
from clustering.storage.connection import checkpoint

# The staged file gets a fixed, plain name whatever the published file is
# called: dbt names the database after the file, and a name like `segments`
# or one with quotes would clash with schemas or need quoting.
NEXT_NAME = "next_version.duckdb"


@dataclass(frozen=True)
class Versions:
    """The files of one published warehouse."""

    published: Path

    @property
    def work_dir(self) -> Path:
        return self.published.parent / ".refresh"

    @property
    def next(self) -> Path:
        return self.work_dir / NEXT_NAME

    @property
    def previous(self) -> Path:
        return self.published.with_name(f"{self.published.stem}.previous{self.published.suffix}")

    @property
    def lock(self) -> Path:
        return self.work_dir / "lock"


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)
    _wal(path).unlink(missing_ok=True)


def _sync_directory(directory: Path) -> None:
    # The renames themselves must reach the disk, not only the files' bytes.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def refresh_lock(versions: Versions) -> Iterator[int]:
    """Hold the refresh lock of this warehouse; refuse when another refresh holds it.

    The kernel releases the lock when its holder dies, even by SIGKILL, so a
    killed refresh never blocks the next one. Yields the lock's descriptor."""
    versions.work_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(versions.lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            raise PublishError(
                f"another refresh (or check-refresh) of {versions.published} is running "
                f"(process {holder}, lock {versions.lock}); wait for it to finish"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield fd
    finally:
        os.close(fd)  # releases the lock


def stage(versions: Versions) -> Path:
    """A fresh copy of the published warehouse to build the next version in.

    Whatever an earlier, failed or killed, refresh left there is discarded."""
    _remove(versions.next)
    if versions.published.is_file():
        shutil.copyfile(versions.published, versions.next)
        if _wal(versions.published).is_file():
            # Written by a process that did not close it cleanly: the log holds
            # committed changes the copy needs.
            shutil.copyfile(_wal(versions.published), _wal(versions.next))
    return versions.next


def discard(versions: Versions) -> None:
    """Remove the staged version (after a failure)."""
    _remove(versions.next)


def _checkpoint(path: Path) -> None:
    """Fold the write-ahead log into the file and check it opens read-only."""
    checkpoint(path)
    if _wal(path).exists():
        raise PublishError(f"{path} still has a write-ahead log after a checkpoint; not publishing")


def publish(versions: Versions) -> Path | None:
    """Make the staged version the published one; keep the old one as previous.

    Returns the previous version's path (None on the first publication)."""
    if not versions.next.is_file():
        raise PublishError(f"nothing staged at {versions.next}; run a refresh")
    _checkpoint(versions.next)
    kept = None
    if versions.published.is_file():
        # A second name for the published file, then renamed over the old
        # previous: at every instant both names point at a whole file.
        link = versions.work_dir / "previous.link"
        link.unlink(missing_ok=True)
        os.link(versions.published, link)
        link.replace(versions.previous)
        kept = versions.previous
    versions.next.replace(versions.published)
    _sync_directory(versions.published.parent)
    return kept


def swap_with_previous(versions: Versions) -> Path:
    """Swap the published and the previous version (rolling back twice undoes it).

    Returns the path now holding the version that was published."""
    if not versions.previous.is_file():
        raise PublishError(
            f"no previous version at {versions.previous}: nothing to roll back to (a version "
            "is kept there by each refresh after the first)"
        )
    with refresh_lock(versions):
        link = versions.work_dir / "rolled-back.link"
        link.unlink(missing_ok=True)
        os.link(versions.published, link)
        versions.previous.replace(versions.published)
        link.replace(versions.previous)
        _sync_directory(versions.published.parent)
    return versions.previous
