"""Work that stayed not consistent too long is enqueued again: a lost message never leaves a resource stuck."""

from datetime import timedelta

from django.utils.module_loading import import_string

# Each takes `older_than` (a timedelta) and returns how many jobs it enqueued again.
RECONCILERS = ["projects.services.project_storage_reconcile", "uploads.services.upload_storage_reconcile"]


def reconcile(*, older_than_seconds):
    older_than = timedelta(seconds=older_than_seconds)
    return {path.rsplit(".", 1)[1]: import_string(path)(older_than=older_than) for path in RECONCILERS}
