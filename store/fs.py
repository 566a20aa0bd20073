"""Where a store lives: a local directory or an object-store URI (s3://bucket/prefix).

The store needs five things of its storage: read a file, replace a file
atomically, list files, remove a tree, and a writers' lock. Locally that is
a temp file + fsync + rename and an flock; on an object store a single PUT
is already atomic (readers see the old object or the new one) and the lock
is held by the one process that writes: the flows write from the flow run
only, whatever runs the tasks.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pyarrow.fs as pafs


class StorageError(OSError):
    """A file of the store could not be written (the message names it and says what to do)."""


def _write_error(path, exc: OSError) -> StorageError:
    import errno

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

    def path(self, rel: str) -> str:
        return str(self.root / rel)

    def read(self, rel: str) -> bytes | None:
        try:
            return (self.root / rel).read_bytes()
        except FileNotFoundError:
            return None

    def exists(self, rel: str) -> bool:
        return (self.root / rel).exists()

    def write(self, rel: str, data: bytes) -> None:
        """Temp file in the same directory, fsync, rename, fsync the directory: old or new, never half."""
        path = self.root / rel
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".partial")
        except OSError as exc:
            raise _write_error(path.parent, exc) from None
        try:
            os.fchmod(fd, 0o666 & ~_UMASK)  # as a plain open() would: mkstemp's 0600 would hide the store
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
            dfd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        except BaseException as exc:
            if os.path.exists(tmp):
                os.unlink(tmp)
            if isinstance(exc, OSError) and not isinstance(exc, StorageError):
                raise _write_error(path, exc) from None
            raise

    def remove(self, rel: str) -> None:
        try:
            (self.root / rel).unlink()
        except FileNotFoundError:
            pass

    def glob(self, pattern: str) -> list[str]:
        return sorted(str(p.relative_to(self.root)) for p in self.root.glob(pattern))

    def delete_dir(self, rel: str) -> None:
        import shutil

        shutil.rmtree(self.root / rel, ignore_errors=True)

    def move_dir(self, src: str, dst: str) -> None:
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

    def exists(self, rel: str) -> bool:
        return self.filesystem.get_file_info(self.path(rel)).type != pafs.FileType.NotFound

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
