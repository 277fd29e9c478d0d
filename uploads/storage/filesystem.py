"""Bytes in a folder under STORAGE_ROOT: the embedded default, for one machine."""

from django.conf import settings

from .base import StorageBackend, StorageUnreachable


class FilesystemStorage(StorageBackend):
    @property
    def root(self):
        return settings.STORAGE_ROOT / str(self.provider.id)

    def check(self):
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StorageUnreachable(f"{self.root}: {error.strerror}") from error

    def project_initialize(self, project_id):
        self.check()
        (self.root / str(project_id)).mkdir(exist_ok=True)
