"""A project's storage on each provider: the one place projects reaches down into the storage of uploads
(pyproject.toml names the seam)."""

from django.db import transaction
from django.utils import timezone

from dds.jobs.services import job_enqueue
from uploads.selectors import active_storage_providers
from uploads.storage.base import backend_for

from .models import Project, ProjectStorageProvider


def project_storage_add_on_active_providers(*, project):
    """A new project: storage on every active provider, initialized in the background."""
    for provider in active_storage_providers():
        project_storage_add(project=project, storage_provider=provider)


def project_storage_add(*, project, storage_provider):
    """Record the project's (uninitialized) storage on a provider and enqueue the job that initializes it."""
    storage, created = ProjectStorageProvider.objects.get_or_create(project=project, storage_provider=storage_provider)
    if created:
        job_enqueue("initialize_project_storage", project.id, storage_provider.id)
    return storage


@transaction.atomic
def project_storage_initialize_again(*, storage):
    """An operator's request: enqueue the initialization of a project's storage again."""
    job_enqueue("initialize_project_storage", storage.project_id, storage.storage_provider_id)


@transaction.atomic
def project_storage_add_everywhere(*, storage_provider):
    """A new provider: every live project gets storage on it, initialized in the background."""
    for project in Project.objects.filter(is_deleted=False):
        project_storage_add(project=project, storage_provider=storage_provider)


@transaction.atomic
def project_storage_initialize(*, project_id, storage_provider_id):
    """The job's work: prepare the project's container on the provider, once. Safe to run again."""
    storage = (
        ProjectStorageProvider.objects.select_for_update(of=("self",))
        .select_related("storage_provider")
        .filter(project_id=project_id, storage_provider_id=storage_provider_id)
        .first()
    )
    if storage is None or storage.is_initialized:
        return
    backend_for(storage.storage_provider).project_initialize(project_id)
    storage.is_initialized = True
    storage.initialized_on = timezone.now()
    storage.save(update_fields=["is_initialized", "initialized_on"])
