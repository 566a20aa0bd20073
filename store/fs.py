"""Where a store lives: a local directory or an object-store URI (s3://bucket/prefix).

The store needs a few things of its storage: read a file, replace a file
atomically, list files, remove a tree, swap a directory for another, and a
writers' lock. Locally that is a temp file + fsync + rename, renameat2's
RENAME_EXCHANGE and an flock; on an object store a single PUT is already
atomic (readers see the old object or the new one) and the lock is held by
the one process that writes: the flows write from the flow run only,
whatever runs the tasks.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import shutil
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pyarrow.fs as pafs


class StorageError(OSError):
    """A file of the store could not be written (the message names it and says what to do)."""


def _write_error(path, exc: OSError) -> StorageError:
    hint = {errno.ENOSPC: "free disk space and run again", errno.EDQUOT: "free disk space and run again",
            errno.EACCES: "make the store writable (or choose another --out)",
            errno.EPERM: "make the store writable (or choose another --out)",
            errno.EROFS: "the file system is read-only; choose another --out"}.get(exc.errno, "check the store's disk")
    return StorageError(f"{path}: cannot write ({exc.strerror or exc}); {hint}. Nothing stored was changed")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _umask()


def is_uri(root: str | Path) -> bool:
    return "://" in str(root) and not str(root).startswith("file://")


class LocalStorage:
    def __init__(self, root: str | Path):
        self.root = Path(str(root).removeprefix("file://"))
        self.filesystem = pafs.LocalFileSystem()
        self.base = str(self.root)
        self._dirs: set[Path] = set()  # directories known to exist (a mkdir per write costs as much as a write)

    def path(self, rel: str) -> str:
        return str(self.root / rel)

    def read(self, rel: str) -> bytes | None:
        try:
            return (self.root / rel).read_bytes()
        except FileNotFoundError:
            return None

    def read_range(self, rel: str, start: int, length: int) -> bytes:
        with open(self.root / rel, "rb") as f:
            f.seek(start)
            return f.read(length)

    def exists(self, rel: str) -> bool:
        return (self.root / rel).exists()

    def write(self, rel: str, data: bytes) -> None:
        """Temp file in the same directory, fsync, rename, fsync the directory: old or new, never half."""
        self.write_many({rel: data})

    def write_many(self, files: dict[str, bytes]) -> None:
        """Write several files, each old or new and never half, at one sync's cost rather than one per file:
        every temp file is written, the file system is synced once (syncfs), then each is renamed into place
        in the order given and the directories are synced. A crash before the renames changes nothing;
        during them, every renamed file is complete."""
        staged: list[tuple[str, Path]] = []
        try:
            for rel, data in files.items():
                path = self.root / rel
                if path.parent not in self._dirs:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    self._dirs.add(path.parent)
                fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".partial")
                staged.append((tmp, path))
                os.fchmod(fd, 0o666 & ~_UMASK)  # as a plain open() would: mkstemp's 0600 would hide the store
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    if len(files) < _SYNCFS_FROM:
                        fh.flush()
                        os.fsync(fh.fileno())
            if len(files) >= _SYNCFS_FROM:
                _sync_fs(self.root, [tmp for tmp, _ in staged])
            for tmp, path in staged:
                os.replace(tmp, path)
            parents = sorted({path.parent for _, path in staged})
            if len(parents) >= _SYNCFS_FROM:
                _sync_fs(self.root, parents)  # the renames, durable at once
            else:
                for parent in parents:
                    _fsync_dir(parent)
        except BaseException as exc:
            self._dirs.clear()
            for tmp, _ in staged:
                if os.path.exists(tmp):
                    os.unlink(tmp)
            if isinstance(exc, OSError) and not isinstance(exc, StorageError):
                raise _write_error(staged[-1][1] if staged else self.root, exc) from None
            raise

    def remove(self, rel: str) -> None:
        try:
            (self.root / rel).unlink()
        except FileNotFoundError:
            pass

    def glob(self, pattern: str) -> list[str]:
        return sorted(str(p.relative_to(self.root)) for p in self.root.glob(pattern))

    def is_dir(self, rel: str) -> bool:
        return (self.root / rel).is_dir()

    def mtime(self, rel: str) -> float | None:
        try:
            return (self.root / rel).stat().st_mtime
        except FileNotFoundError:
            return None

    def link(self, src: str, dst: str) -> None:
        """dst becomes the same file as src (a hard link; a copy where links are not allowed)."""
        (self.root / dst).parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(self.root / src, self.root / dst)
        except OSError:
            shutil.copyfile(self.root / src, self.root / dst)

    def swap_dir(self, staged: str, live: str) -> bool:
        """Put the complete directory ``staged`` in the place of ``live``; what was live ends at ``staged``.

        One atomic exchange (renameat2 RENAME_EXCHANGE) where the kernel and file system allow it, so
        a reader lists either every old file or every new one. Elsewhere two renames, between which
        the directory is briefly absent (never doubled). Returns True when the swap was atomic."""
        src, dst = self.root / staged, self.root / live
        self._dirs.clear()
        try:
            if dst.exists() and _exchange(src, dst):
                _fsync_dir(dst.parent)
                return True
            dst.parent.mkdir(parents=True, exist_ok=True)
            aside = src.with_name(src.name + ".old")
            if dst.exists():
                dst.rename(aside)
            src.rename(dst)
            if aside.exists():
                aside.rename(src)
            _fsync_dir(dst.parent)
            return False
        except OSError as exc:
            raise _write_error(dst, exc) from None

    def delete_dir(self, rel: str) -> None:
        self._dirs.clear()
        shutil.rmtree(self.root / rel, ignore_errors=True)

    def move_dir(self, src: str, dst: str) -> None:
        self._dirs.clear()
        if (self.root / src).exists():
            self.delete_dir(dst)
            (self.root / src).rename(self.root / dst)

    @contextmanager
    def lock(self):
        """One writer at a time per store, across processes (other writers wait)."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fh = open(self.root / ".lock", "a+")  # noqa: SIM115 (closed below)
        except OSError as exc:
            raise _write_error(self.root, exc) from None
        with fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


_SYNCFS_FROM = 8  # from this many files, one syncfs costs less than one fsync each
try:
    _syncfs = ctypes.CDLL(None, use_errno=True).syncfs
except (AttributeError, OSError):
    _syncfs = None


def _sync_fs(root: Path, paths: list) -> None:
    """Make these files (or directories) durable: one syncfs of their file system where Linux offers it,
    else an fsync each."""
    if _syncfs is not None:
        fd = os.open(root, os.O_RDONLY)
        try:
            if _syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    for path in paths:
        _fsync_dir(path)  # (an fsync through a read-only descriptor: files and directories alike)


def _fsync_dir(path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_AT_FDCWD, _RENAME_EXCHANGE = -100, 2
try:
    _renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
except (AttributeError, OSError):  # not glibc >= 2.28 (musl, macOS): swap_dir falls back to two renames
    _renameat2 = None


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux renameat2); False where that is not available."""
    if _renameat2 is None:
        return False
    if _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


_OBJECT_LOCKS: dict[str, threading.Lock] = {}


class ObjectStorage:
    """Any pyarrow filesystem URI: s3://bucket/prefix (endpoint from AWS_ENDPOINT_URL), gs://, hdfs://."""

    def __init__(self, root: str):
        self.uri = str(root).rstrip("/")
        endpoint = os.environ.get("AWS_ENDPOINT_URL") or os.environ.get("AWS_ENDPOINT_URL_S3")
        if self.uri.startswith("s3://") and endpoint:
            parts = urlsplit(self.uri)
            scheme = urlsplit(endpoint).scheme or "http"
            self.filesystem = pafs.S3FileSystem(endpoint_override=endpoint.split("://", 1)[-1], scheme=scheme,
                                                region=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
            self.base = (parts.netloc + parts.path).rstrip("/")
        else:
            self.filesystem, self.base = pafs.FileSystem.from_uri(self.uri)
            self.base = self.base.rstrip("/")

    def path(self, rel: str) -> str:
        return f"{self.base}/{rel}"

    def read(self, rel: str) -> bytes | None:
        try:
            with self.filesystem.open_input_stream(self.path(rel)) as f:
                return f.read()
        except (FileNotFoundError, OSError) as exc:
            if isinstance(exc, FileNotFoundError) or "not found" in str(exc).lower() or "NoSuchKey" in str(exc):
                return None
            raise

    def read_range(self, rel: str, start: int, length: int) -> bytes:
        with self.filesystem.open_input_file(self.path(rel)) as f:
            return f.read_at(length, start)

    def exists(self, rel: str) -> bool:
        return self.filesystem.get_file_info(self.path(rel)).type != pafs.FileType.NotFound

    def write_many(self, files: dict[str, bytes]) -> None:
        for rel, data in files.items():
            self.write(rel, data)

    def write(self, rel: str, data: bytes) -> None:
        try:
            with self.filesystem.open_output_stream(self.path(rel)) as f:  # one PUT: atomic for readers
                f.write(data)
        except OSError as exc:
            raise StorageError(f"{self.uri}/{rel}: cannot write ({exc}); check the object store's permissions "
                               "and space. Nothing stored was changed") from None

    def glob(self, pattern: str) -> list[str]:
        """Only the patterns the store uses: '<dataset>/year=*/region=*/part-0.parquet' and the like."""
        import fnmatch

        prefix = pattern.split("*", 1)[0].rsplit("/", 1)[0]
        try:
            infos = self.filesystem.get_file_info(pafs.FileSelector(self.path(prefix), recursive=True,
                                                                    allow_not_found=True))
        except FileNotFoundError:
            return []
        rels = [i.path[len(self.base) + 1:] for i in infos if i.type == pafs.FileType.File]
        return sorted(r for r in rels if fnmatch.fnmatch(r, pattern))

    def remove(self, rel: str) -> None:
        try:
            self.filesystem.delete_file(self.path(rel))
        except FileNotFoundError:
            pass

    def is_dir(self, rel: str) -> bool:
        return bool(self.glob(f"{rel}/*"))

    def mtime(self, rel: str) -> float | None:
        info = self.filesystem.get_file_info(self.path(rel))
        return info.mtime.timestamp() if info.mtime is not None else None

    def link(self, src: str, dst: str) -> None:
        self.filesystem.copy_file(self.path(src), self.path(dst))

    def swap_dir(self, staged: str, live: str) -> bool:
        """Object stores have no directory rename: the new objects are copied over the live prefix and the
        live objects the new set lacks are deleted afterwards (a reader listing between the two may see
        both). Not atomic: returns False."""
        new = {rel[len(staged) + 1:] for rel in self.glob(f"{staged}/*")}
        old = {rel[len(live) + 1:] for rel in self.glob(f"{live}/*")}
        for name in sorted(new):
            self.filesystem.copy_file(self.path(f"{staged}/{name}"), self.path(f"{live}/{name}"))
        for name in sorted(old - new):
            self.remove(f"{live}/{name}")
        self.delete_dir(staged)
        return False

    def delete_dir(self, rel: str) -> None:
        try:
            self.filesystem.delete_dir(self.path(rel))
        except FileNotFoundError:
            pass

    def move_dir(self, src: str, dst: str) -> None:
        for rel in self.glob(f"{src}/*"):  # fnmatch's * crosses "/": every object under src
            data = self.read(rel)
            if data is not None:
                self.write(dst + rel[len(src):], data)
        self.delete_dir(src)

    @contextmanager
    def lock(self):
        lock = _OBJECT_LOCKS.setdefault(self.uri, threading.Lock())
        with lock:
            yield


def storage(root: str | Path) -> LocalStorage | ObjectStorage:
    return ObjectStorage(str(root)) if is_uri(root) else LocalStorage(root)
