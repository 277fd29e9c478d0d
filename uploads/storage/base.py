"""The storage interface every backend implements, and the choice of backend for a provider row."""

from django.utils.module_loading import import_string

BACKENDS = {
    "filesystem": "uploads.storage.filesystem.FilesystemStorage",
}


class StorageUnreachable(Exception):
    """Storage did not answer: a job retries, a health check reports it; never an integrity failure."""


class StorageBackend:
    def __init__(self, provider):
        self.provider = provider

    def check(self):
        """Raise StorageUnreachable unless the storage answers."""
        raise NotImplementedError

    def project_initialize(self, project_id):
        """Prepare the project's container; safe to run again."""
        raise NotImplementedError


def backend_for(provider):
    path = BACKENDS.get(provider.kind)
    if path is None:
        raise StorageUnreachable(f"no storage backend for providers of kind {provider.kind!r}")
    return import_string(path)(provider)
