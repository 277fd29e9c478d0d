"""Start-up checks: every kind of storage provider has a backend that imports."""

from django.conf import settings
from django.core import checks
from django.utils.module_loading import import_string

from .models import StorageProvider


@checks.register()
def storage_backends(app_configs, **kwargs):
    problems = []
    for kind in StorageProvider.Kind.values:
        path = settings.STORAGE_BACKENDS.get(kind)
        if path is None:
            problems.append(
                checks.Error(f"STORAGE_BACKENDS has no backend for providers of kind {kind!r}", id="dds.E001")
            )
            continue
        try:
            import_string(path)
        except ImportError as error:
            problems.append(
                checks.Error(f"STORAGE_BACKENDS[{kind!r}] = {path!r} does not import: {error}", id="dds.E002")
            )
    return problems
