"""The storage interface every backend implements, what verification computes, and a provider's backend."""

import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.module_loading import import_string

from dds.jobs.retries import PermanentError, TransientError

# CONTRACT §2.4: clients compare these strings; keep them byte for byte.
SIZE_MISMATCH = "reported size does not match size computed by StorageProvider"
HASH_MISMATCH = "reported hash value does not match size computed by StorageProvider"
CHUNK_HASH_MISMATCH = "reported chunk hash does not match that computed by StorageProvider"
NOT_IN_STORE = "NonChunkedUpload not found in object store"

SIGNED_URL_SECONDS = 15 * 60
READ_BLOCK = 1024 * 1024


class UnknownStorageKind(PermanentError):
    """A provider of a kind no backend serves: a configuration error, which retrying does not mend."""


class StorageUnreachable(TransientError):
    """Storage did not answer: a job retries, a health check reports it; never an integrity failure."""


class StorageFull(Exception):
    """Storage has no room for bytes sent to it (ENOSPC, EDQUOT): nothing of them was kept."""


# hashlib and file writes release the GIL on large blocks: work on a block runs here beside the caller's own.
BLOCK_THREADS = ThreadPoolExecutor(max_workers=3, thread_name_prefix="block")


class Hashes:
    """Digests of a byte stream and its size, in one pass: by default all three a client may report later (through
    PUT /uploads/{id}/hashes), so that each is checked against the stored bytes. A block's digests are computed side by
    side, so the pass costs about what its slowest digest (md5) costs alone."""

    def __init__(self, algorithms=("md5", "sha1", "sha256")):
        self.size = 0
        self._hashes = {algorithm: hashlib.new(algorithm) for algorithm in algorithms}

    def update(self, block):
        self.size += len(block)
        first, *others = self._hashes.values()
        pending = [BLOCK_THREADS.submit(digest.update, block) for digest in others]
        first.update(block)
        for future in pending:
            future.result()

    def hexdigests(self):
        return {algorithm: digest.hexdigest() for algorithm, digest in self._hashes.items()}


@dataclass
class Verification:
    """What storage holds for an upload; `error` is the §2.4 message when what it holds cannot be the upload (chunks
    missing or unlike their registration, no object); the whole-file checks are the caller's (`whole_file_error`)."""

    size: int | None = None
    hashes: dict = field(default_factory=dict)
    error: str | None = None


def whole_file_error(upload, fingerprints, size, hashes):
    """Size first, then every reported whole-file hash (CONTRACT §2.4)."""
    if size != upload.size:
        return SIZE_MISMATCH
    for fingerprint in fingerprints:
        if hashes.get(fingerprint.algorithm) != fingerprint.value.lower():
            return HASH_MISMATCH
    return None


def transfer_descriptor(verb, host, url):
    """The signed transfer descriptor of CONTRACT §1.4: `host + url` is the address; no headers needed."""
    return {"http_verb": verb, "host": host, "url": url, "http_headers": []}


class StorageBackend:
    """One provider's storage. `host` is the API's own scheme and host, for backends that serve URLs themselves."""

    #: Whether chunk URLs can be issued as soon as an upload exists (else a job prepares the upload first).
    ready_at_creation = True

    def __init__(self, provider):
        self.provider = provider

    def check(self):
        """Raise StorageUnreachable unless the storage answers and takes bytes; returns facts worth reporting."""
        raise NotImplementedError

    def project_initialize(self, project_id):
        """Prepare the project's container; safe to run again."""
        raise NotImplementedError

    def upload_initialize(self, upload):
        """Prepare a chunked upload; returns the multipart upload id (or ""). Safe to run again."""
        return ""

    def chunk_url(self, upload, chunk, *, host):
        raise NotImplementedError

    def object_url(self, upload, *, host):
        """Where a non-chunked upload's bytes go."""
        raise NotImplementedError

    def download_url(self, upload, *, filename, host):
        raise NotImplementedError

    def upload_verify(self, upload, chunks):
        """Read and hash what storage holds for the upload, assembling its chunks once; returns a Verification.

        Safe to run again after a crash at any point. Raises StorageUnreachable when storage does not answer.
        """
        raise NotImplementedError

    def upload_purge(self, upload):
        """Remove the upload's bytes; safe to run again."""
        raise NotImplementedError


def backend_classes():
    """STORAGE_BACKENDS' classes by provider kind, imported once."""
    if not _BACKEND_CLASSES:
        _BACKEND_CLASSES.update({kind: import_string(path) for kind, path in settings.STORAGE_BACKENDS.items()})
    return _BACKEND_CLASSES


_BACKEND_CLASSES = {}


def backend_for(provider):
    backend = backend_classes().get(provider.kind)
    if backend is None:
        raise UnknownStorageKind(f"no storage backend for providers of kind {provider.kind!r}")
    return backend(provider)
