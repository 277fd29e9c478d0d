"""GET /api/v1/storage_providers and GET /api/v1/storage_providers/{id} (docs/api/storage-providers.md), and what
adding a provider in the admin does to existing projects."""

import uuid

import pytest
from django.core import checks

from dds.audit import Actor
from dds.jobs.models import Job
from projects import services
from projects.models import ProjectStorageProvider
from uploads.models import StorageProvider

from ..committing import commit_then_run_jobs

URL = "/api/v1/storage_providers"
PAGING_HEADERS = ("X-Total", "X-Total-Pages", "X-Page", "X-Per-Page", "X-Next-Page", "X-Prev-Page")
DDSCLIENT_CHUNK_SIZE = 104857600

NOT_FOUND = {
    "error": 404,
    "code": "not_provided",
    "reason": "StorageProvider Not Found",
    "suggestion": "you may have mistyped the StorageProvider id",
}
NO_TOKEN = {
    "error": 401,
    "code": "not_provided",
    "reason": "no api_token",
    "suggestion": "you might need to login through an authentication service",
}


@pytest.fixture
def default(db):
    return StorageProvider.objects.get(is_default=True)


def shape(provider):
    return {
        "id": str(provider.id),
        "name": provider.name,
        "description": provider.description,
        "is_deprecated": provider.is_deprecated,
        "is_default": provider.is_default,
        "chunk_hash_algorithm": provider.chunk_hash_algorithm,
        "chunk_max_number": provider.chunk_max_number,
        "chunk_max_size_bytes": provider.chunk_max_size_bytes,
    }


def test_it_lists_the_default_provider(as_alice, default):
    response = as_alice.get(URL)

    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "id": str(default.id),
                "name": "Default filesystem storage",
                "description": "Files under STORAGE_ROOT on this machine",
                "is_deprecated": False,
                "is_default": True,
                "chunk_hash_algorithm": "md5",
                "chunk_max_number": 10000,
                "chunk_max_size_bytes": 5368709120,
            }
        ]
    }


def test_it_lets_ddsclients_default_chunks_through(as_alice, default):
    provider = as_alice.get(f"{URL}/{default.id}").json()

    assert provider["chunk_max_size_bytes"] > DDSCLIENT_CHUNK_SIZE


def test_it_does_not_page_the_providers(as_alice, default):
    StorageProvider.objects.create(name="Old S3", kind="s3", is_deprecated=True)

    response = as_alice.get(URL, {"page": 2, "per_page": 1})

    assert response.status_code == 200
    assert [p["name"] for p in response.json()["results"]] == ["Default filesystem storage", "Old S3"]
    assert response.json()["results"][1]["is_deprecated"] is True
    assert not any(header in response for header in PAGING_HEADERS)


def test_it_answers_one_provider(as_alice, default):
    response = as_alice.get(f"{URL}/{default.id}/")

    assert response.status_code == 200
    assert response.json() == shape(default)
    assert not any(header in response for header in PAGING_HEADERS)


@pytest.mark.parametrize("provider_id", [str(uuid.uuid4()), "default", "1"])
def test_it_answers_404_for_an_unknown_provider(as_alice, default, provider_id):
    response = as_alice.get(f"{URL}/{provider_id}")

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


@pytest.mark.parametrize("path", ["", "/00000000-0000-0000-0000-000000000000"])
def test_it_answers_401_without_a_token(anonymous, default, path):
    response = anonymous.get(f"{URL}{path}")

    assert response.status_code == 401
    assert response.json() == NO_TOKEN


# --- adding a provider in the admin ------------------------------------------------------------------


@pytest.fixture
def projects(alice, default):
    """A live project and a deleted one, both with their storage on the default provider initialized."""
    with commit_then_run_jobs():
        live = services.project_create(actor=Actor(user=alice), name="Live", description="d")
        gone = services.project_create(actor=Actor(user=alice), name="Gone", description="d")
        services.project_delete(actor=Actor(user=alice), project=gone)
    return live, gone


def add_in_admin(operator, **fields):
    """Fill the admin's add form as an operator would, leaving every field not given at its default."""
    form = {}
    for field in StorageProvider._meta.concrete_fields:
        default = field.get_default() if field.editable else None
        if default is True:
            form[field.name] = "on"
        elif default not in (None, False):
            form[field.name] = str(default)
    form.update({"name": "Second disk", "description": "another filesystem", "kind": "filesystem", **fields})
    response = operator.post("/admin/uploads/storageprovider/add/", form)
    assert response.status_code == 302, response.content
    return StorageProvider.objects.get(name=form["name"])


def test_it_gives_every_live_project_storage_on_a_new_provider(operator, projects, as_alice):
    live, gone = projects

    provider = add_in_admin(operator)

    storage = ProjectStorageProvider.objects.get(storage_provider=provider)
    assert storage.project == live
    assert storage.is_initialized is False
    job = Job.objects.get(worker="initialize_project_storage", args=[str(live.id), str(provider.id)])
    assert job.state == "initialized"
    assert job.resource_id == str(live.id)
    assert as_alice.get(f"/api/v1/projects/{live.id}").json()["is_consistent"] is False
    assert not ProjectStorageProvider.objects.filter(project=gone, storage_provider=provider).exists()


def test_it_initializes_the_new_storage_once_the_jobs_run(operator, projects, as_alice, storage_root):
    live, _ = projects
    with commit_then_run_jobs():
        provider = add_in_admin(operator)

    assert ProjectStorageProvider.objects.get(storage_provider=provider).is_initialized is True
    assert as_alice.get(f"/api/v1/projects/{live.id}").json()["is_consistent"] is True
    assert (storage_root / str(provider.id) / str(live.id)).is_dir()
    assert as_alice.get(URL).json()["results"][1] == shape(provider)


def test_it_leaves_projects_alone_when_the_new_provider_is_deprecated(operator, projects):
    provider = add_in_admin(operator, is_deprecated="on")

    assert not ProjectStorageProvider.objects.filter(storage_provider=provider).exists()
    assert not Job.objects.filter(args__1=str(provider.id)).exists()


def test_it_retries_a_storage_job_while_storage_is_unreachable_and_keeps_the_project_not_consistent(
    operator, projects, as_alice, settings, tmp_path
):
    live, _ = projects
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    settings.STORAGE_ROOT = blocker / "storage"
    with commit_then_run_jobs():
        provider = add_in_admin(operator, name="Unreachable")

    job = Job.objects.get(args=[str(live.id), str(provider.id)])
    assert job.state == "retrying"  # unreachable storage is transient: retried for as long as it lasts, never failed
    assert job.run_after > job.started_on
    assert job.last_error.startswith("StorageUnreachable: ")
    assert ProjectStorageProvider.objects.get(storage_provider=provider).is_initialized is False
    assert as_alice.get(f"/api/v1/projects/{live.id}").json()["is_consistent"] is False


def test_it_refuses_to_start_without_a_backend_for_every_kind_of_provider(settings):
    settings.STORAGE_BACKENDS = {"s3": "no.such.Backend"}
    problems = {problem.id: problem.msg for problem in checks.run_checks()}
    assert problems["dds.E001"] == "STORAGE_BACKENDS has no backend for providers of kind 'filesystem'"
    assert problems["dds.E002"].startswith("STORAGE_BACKENDS['s3'] = 'no.such.Backend' does not import: ")
