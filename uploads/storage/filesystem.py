"""Bytes in folders under STORAGE_ROOT, moved through signed URLs the service serves itself: one machine only.

Layout: `<STORAGE_ROOT>/<provider>/<project>/<upload>` is a non-chunked upload's object. A chunked upload's object is
its chunks, `<upload>.chunks/<number>`, read in number order: they are hashed where they lie and never copied. (An
upload assembled into one file by an earlier version keeps that file, which is read instead.)
"""

import errno
import hashlib
import hmac
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from urllib.parse import quote, urlencode

from django.conf import settings

from ..hashes import BLOCK_THREADS, CHUNK_HASH_MISMATCH, NOT_IN_STORE, SIZE_MISMATCH, Hashes, Verification
from .base import (
    READ_BLOCK,
    SIGNED_URL_SECONDS,
    StorageBackend,
    StorageFull,
    StorageUnreachable,
    transfer_descriptor,
)
from .follower import followed_take, hash_chunk

URL_PREFIX = "/storage"


_FULL = (errno.ENOSPC, errno.EDQUOT)


class Rejected(Exception):
    """Bytes that arrived do not match what was registered for them; nothing was kept."""


def sign(verb, path, expires, filename="", registration=""):
    message = "\n".join((verb, path, str(expires), filename, registration)).encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def signature_is_valid(verb, path, expires, filename, registration, signature):
    return hmac.compare_digest(sign(verb, path, expires, filename, registration), signature)


def chunk_registration(chunk):
    """What a chunk URL is signed for: the registration's size and hash, so that its bytes can be only those."""
    return f"{chunk.size}-{chunk.hash_value.lower()}"


@contextmanager
def _disk_full_as_storage_full():
    try:
        yield
    except OSError as error:
        if error.errno in _FULL:
            raise StorageFull(error.strerror) from error
        raise


class Staged:
    """Bytes received and checked, waiting in a partial file beside their place: `commit()` puts them there (the
    caller decides whether, under its lock); leaving the stage without it discards them."""

    def __init__(self, partial, target):
        self.partial, self.target = partial, target

    def commit(self):
        os.replace(self.partial, self.target)


@contextmanager
def _stage(stream, target, expected_size, expected_md5=None):
    """Stream the body into a partial file beside `target`, never holding it whole, and yield it Staged if its size
    (and md5) are the expected ones; Rejected otherwise. The partial file never stays."""
    hashes = Hashes(("md5",))
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}-{time.monotonic_ns()}")
    try:
        with _disk_full_as_storage_full(), partial.open("wb") as output:
            while hashes.size <= expected_size:
                block = stream.read(min(READ_BLOCK, expected_size + 1 - hashes.size))
                if not block:
                    break
                written = BLOCK_THREADS.submit(output.write, block)
                hashes.update(block)
                written.result()
        if hashes.size != expected_size:
            received = "more" if hashes.size > expected_size else hashes.size
            raise Rejected(f"received {received} bytes where {expected_size} were registered")
        if expected_md5 is not None and hashes.hexdigests()["md5"] != expected_md5.lower():
            raise Rejected("the md5 of the bytes received differs from the registered hash")
        yield Staged(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _fsync(path):
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def hash_file(path):
    hashes = Hashes()
    with path.open("rb") as source:
        while block := source.read(READ_BLOCK):
            hashes.update(block)
    return hashes


class FilesystemStorage(StorageBackend):
    @property
    def root(self):
        return settings.STORAGE_ROOT / str(self.provider.id)

    def object_path(self, upload):
        return self.root / str(upload.project_id) / str(upload.id)

    def chunk_folder(self, upload):
        return self.root / str(upload.project_id) / f"{upload.id}.chunks"

    def chunk_path(self, upload, number):
        return self.chunk_folder(upload) / str(number)

    def check(self):
        """The root exists and takes a file, with at least STORAGE_MIN_FREE_MB free; returns the free space."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=self.root) as probe:
                probe.write(b"dds")
                probe.flush()
            free = shutil.disk_usage(self.root).free
        except OSError as error:
            raise StorageUnreachable(f"{self.root}: {error.strerror}") from error
        free_mb = free // 2**20
        if free_mb < settings.STORAGE_MIN_FREE_MB:
            raise StorageUnreachable(
                f"{self.root}: {free_mb} MB free, below STORAGE_MIN_FREE_MB ({settings.STORAGE_MIN_FREE_MB} MB)"
            )
        return {"free_mb": free_mb}

    def project_initialize(self, project_id):
        self.check()
        (self.root / str(project_id)).mkdir(exist_ok=True)

    def _signed(self, verb, path, *, host, filename="", registration=""):
        expires = int(time.time()) + SIGNED_URL_SECONDS
        query = {"expires": expires, "signature": sign(verb, path, expires, filename, registration)}
        if filename:
            query["filename"] = filename
        if registration:
            query["registration"] = registration
        return transfer_descriptor(verb, host, f"{quote(path)}?{urlencode(query, quote_via=quote)}")

    def _path(self, upload, *rest):
        return "/".join((URL_PREFIX, str(self.provider.id), str(upload.project_id), str(upload.id), *map(str, rest)))

    def chunk_url(self, upload, chunk, *, host):
        return self._signed("PUT", self._path(upload, chunk.number), host=host, registration=chunk_registration(chunk))

    def object_url(self, upload, *, host):
        return self._signed("PUT", self._path(upload), host=host)

    def download_url(self, upload, *, filename, host):
        return self._signed("GET", self._path(upload), host=host, filename=filename)

    @contextmanager
    def chunk_stage(self, upload, number, size, md5, stream):
        """A chunk's bytes, Staged if their size and md5 are the registered ones."""
        with _disk_full_as_storage_full():
            self.chunk_folder(upload).mkdir(parents=True, exist_ok=True)
        with _stage(stream, self.chunk_path(upload, number), size, md5) as staged:
            yield staged

    @contextmanager
    def object_stage(self, upload, stream):
        """A non-chunked upload's bytes, Staged if their size is the upload's."""
        target = self.object_path(upload)
        with _disk_full_as_storage_full():
            target.parent.mkdir(parents=True, exist_ok=True)
        with _stage(stream, target, upload.size) as staged:
            yield staged

    def object_segments(self, upload):
        """The files that hold the upload's bytes, in order (empty if there are none): the object, or the chunks."""
        target = self.object_path(upload)
        if target.is_file() or not upload.is_chunked:
            return [target] if target.is_file() else []
        numbers = upload.chunks.order_by("number").values_list("number", flat=True)
        paths = [self.chunk_path(upload, number) for number in numbers]
        return paths if paths and all(path.is_file() for path in paths) else []

    def upload_verify(self, upload, chunks):
        target = self.object_path(upload)
        try:
            if target.exists():
                return hash_file(target).verification()
            if upload.is_chunked:
                return self._chunks_verify(upload, chunks)
        except OSError as error:
            raise StorageUnreachable(f"{target}: {error.strerror}") from error
        return Verification(error=NOT_IN_STORE)

    def _chunks_verify(self, upload, chunks):
        """Hash the chunks in number order, from the first one this process has not followed, and make them durable.

        Each chunk's md5 was checked when its bytes arrived (`is_stored`); a chunk registered again since then with
        another size or hash holds bytes nobody vouched for.
        """
        paths = [self.chunk_path(upload, chunk.number) for chunk in chunks]
        sizes = [path.stat().st_size if path.exists() else None for path in paths]
        stored_size = sum(size or 0 for size in sizes)
        if None in sizes or stored_size != upload.size or sizes != [chunk.size for chunk in chunks]:
            return Verification(stored_size, error=SIZE_MISMATCH)
        if not all(chunk.is_stored for chunk in chunks):
            return Verification(stored_size, error=CHUNK_HASH_MISMATCH)
        if not chunks:
            target = self.object_path(upload)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.touch()
            _fsync(target.parent)
            return Hashes().verification()
        hashes, followed = followed_take(upload, chunks)
        for path in paths[:followed]:
            _fsync(path)
        for chunk, path in zip(chunks[followed:], paths[followed:], strict=True):
            if not hash_chunk(hashes, path, chunk.size):
                return Verification(stored_size, error=SIZE_MISMATCH)
        _fsync(self.chunk_folder(upload))
        return hashes.verification()

    def upload_purge(self, upload):
        """Remove the object or the chunk folder, and what a transfer (or an earlier version's assembly) cut short
        left beside them."""
        target = self.object_path(upload)
        try:
            target.unlink(missing_ok=True)
            for leftover in target.parent.glob(f".{upload.id}.*"):
                leftover.unlink(missing_ok=True)
        except OSError as error:
            raise StorageUnreachable(f"{target}: {error.strerror}") from error
        shutil.rmtree(self.chunk_folder(upload), ignore_errors=True)
