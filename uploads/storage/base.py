"""The storage interface every backend implements, and a provider's backend."""

from django.conf import settings
from django.utils.module_loading import import_string

from dds.jobs.retries import PermanentError, TransientError

SIGNED_URL_SECONDS = 15 * 60
READ_BLOCK = 1024 * 1024


class UnknownStorageKind(PermanentError):
    """A provider of a kind no backend serves: a configuration error, which retrying does not mend."""


class StorageUnreachable(TransientError):
    """Storage did not answer: a job retries, a health check reports it; never an integrity failure."""


class StorageFull(Exception):
    """Storage has no room for bytes sent to it (ENOSPC, EDQUOT): nothing of them was kept."""


def transfer_descriptor(verb, host, url):
    """The signed transfer descriptor (docs/api/conventions.md#signed-transfer-urls): `host + url` is the address; no
    headers needed."""
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
        """Read and hash what storage holds for the upload (a chunked one's chunks in number order); returns a
        Verification.

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
