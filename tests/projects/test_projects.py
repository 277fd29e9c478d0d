"""POST/GET /api/v1/projects and GET/PUT/DELETE /api/v1/projects/{id} (docs/api/projects.md)."""

import uuid
from urllib.parse import urlencode

import pytest

from dds.jobs.models import Job
from dds.jobs.services import jobs_run_queued
from projects.models import Project, ProjectPermission, ProjectStorageProvider
from uploads.models import StorageProvider

from ..client import FORM
from ..envelopes import (
    FORBIDDEN,
    NO_TOKEN,
    PAGING_HEADERS,
    TIMESTAMP,
    has_no_paging_headers,
    invalid,
    new_audit,
    not_found,
    user_preview,
)

URL = "/api/v1/projects"
BODY = {"name": "Mouse RNA-seq", "description": "RNA-seq of mouse livers"}


def create(client, **body):
    return client.post(URL, body, format="json")


def slug_of(client, name, **extra):
    response = create(client, name=name, description="d", **extra)
    assert response.status_code == 202, response.json()
    return response.json()["slug"]


def names(response):
    return [project["name"] for project in response.json()["results"]]


# --- POST /projects ----------------------------------------------------------------------------------


def test_it_answers_202_with_the_new_project(as_alice, alice):
    response = create(as_alice, **BODY)

    assert response.status_code == 202
    body = response.json()
    assert body == {
        "kind": "dds-project",
        "id": body["id"],
        "name": "Mouse RNA-seq",
        "slug": "mouse_rna_seq",
        "description": "RNA-seq of mouse livers",
        "is_deleted": False,
        "is_consistent": False,
        "audit": new_audit(body, alice),
    }
    assert uuid.UUID(body["id"])
    assert TIMESTAMP.match(body["audit"]["created_on"])
    assert has_no_paging_headers(response)
    assert Project.objects.filter(pk=body["id"], name="Mouse RNA-seq", created_by=alice).exists()


def test_it_names_the_agent_in_the_audit_of_a_project_created_through_one(client_for, alice, alice_agent):
    response = create(client_for(alice, alice_agent), **BODY)

    assert response.status_code == 202
    assert response.json()["audit"]["created_by"] == {
        **user_preview(alice),
        "agent": {"id": str(alice_agent.id), "name": "DukeDSClient"},
    }


def test_it_makes_the_creator_project_admin(as_alice, alice):
    project_id = create(as_alice, **BODY).json()["id"]

    response = as_alice.get(f"{URL}/{project_id}/permissions")

    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "project": {"id": project_id, "name": "Mouse RNA-seq"},
            "user": user_preview(alice),
            "auth_role": {
                "id": "project_admin",
                "name": "Project Admin",
                "description": "Can update project details, delete project, manage project level permissions and "
                "perform all file operations",
            },
        }
    ]


def test_it_leaves_a_new_project_not_consistent_until_its_storage_job_runs(client_for, alice):
    response = create(client_for(alice, commit=False), **BODY)

    assert response.status_code == 202
    assert response.json()["is_consistent"] is False
    project_id = response.json()["id"]
    default = StorageProvider.objects.get(is_default=True)
    storage = ProjectStorageProvider.objects.get(project_id=project_id)
    assert storage.storage_provider == default
    assert storage.is_initialized is False
    job = Job.objects.get(resource_id=project_id)
    assert job.worker == "initialize_project_storage"
    assert job.state == "initialized"
    assert job.args == [project_id, str(default.id)]
    assert job.user == alice

    response = client_for(alice, commit=False).get(f"{URL}/{project_id}")
    assert response.json()["is_consistent"] is False


def test_it_makes_the_project_consistent_once_its_storage_job_has_run(as_alice, storage_root):
    project_id = create(as_alice, **BODY).json()["id"]

    response = as_alice.get(f"{URL}/{project_id}")

    assert response.status_code == 200
    assert response.json()["is_consistent"] is True
    storage = ProjectStorageProvider.objects.get(project_id=project_id)
    assert storage.is_initialized is True
    assert storage.initialized_on is not None
    assert Job.objects.get(resource_id=project_id).state == "complete"
    assert (storage_root / str(storage.storage_provider_id) / project_id).is_dir()


def test_it_runs_the_storage_job_of_a_commit_too(alice, django_capture_on_commit_callbacks, client_for):
    """The plain pytest-django way: run a request's on-commit callbacks explicitly, then the job they queued."""
    plain = client_for(alice, commit=False)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        project_id = create(plain, **BODY).json()["id"]

    assert len(callbacks) == 1
    assert jobs_run_queued() == 1
    assert plain.get(f"{URL}/{project_id}").json()["is_consistent"] is True


def test_it_writes_nothing_when_the_body_is_refused(client_for, alice):
    response = create(client_for(alice, commit=False), name="", description="d")

    assert response.status_code == 400
    assert not Project.objects.exists()
    assert not ProjectPermission.objects.exists()
    assert not ProjectStorageProvider.objects.exists()
    assert not Job.objects.exists()


@pytest.mark.parametrize(
    "body, errors",
    [
        ({"description": "d"}, [("name", "is missing")]),
        ({"name": "n"}, [("description", "is missing")]),
        ({}, [("name", "is missing"), ("description", "is missing")]),
        ({"name": "", "description": "d"}, [("name", "can't be blank")]),
        ({"name": "   ", "description": "d"}, [("name", "can't be blank")]),
        ({"name": None, "description": "d"}, [("name", "can't be blank")]),
        ({"name": "n", "description": ""}, [("description", "can't be blank")]),
    ],
)
def test_it_requires_a_name_and_a_description(as_alice, body, errors):
    response = create(as_alice, **body)

    assert response.status_code == 400
    assert response.json() == invalid(*errors)


def test_it_answers_401_without_a_token(anonymous, db):
    response = create(anonymous, **BODY)

    assert response.status_code == 401
    assert response.json() == NO_TOKEN
    assert not Project.objects.exists()


def test_it_accepts_a_form_encoded_body(as_alice):
    response = as_alice.post(URL, urlencode({**BODY, "slug": "from_a_form"}), content_type=FORM)

    assert response.status_code == 202
    assert response.json()["name"] == "Mouse RNA-seq"
    assert response.json()["description"] == "RNA-seq of mouse livers"
    assert response.json()["slug"] == "from_a_form"


def test_it_accepts_a_trailing_slash(as_alice):
    response = as_alice.post(f"{URL}/", BODY, format="json")

    assert response.status_code == 202
    assert response.json()["name"] == "Mouse RNA-seq"


def test_it_ignores_unknown_keys(as_alice):
    response = create(as_alice, **BODY, hash={"value": "x"}, is_deleted=True)

    assert response.status_code == 202
    assert response.json()["is_deleted"] is False


# --- slugs -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, slug",
    [
        ("Mouse RNA-seq", "mouse_rna_seq"),
        ("mouse-rna--seq", "mouse_rna_seq"),
        ("Hello,   World!!", "hello_world"),
        ("  (draft) Study #42.  ", "draft_study_42"),
        ("__keep__underscores__", "keep_underscores"),
        ("Crème Brûlée Ångström", "creme_brulee_angstrom"),
        ("Straße Ørsted Łódź Æsir", "strasse_orsted_lodz_aesir"),
        ("***", "_"),
        ("小鼠", "_"),
    ],
)
def test_it_generates_the_slug_from_the_name(as_alice, name, slug):
    assert slug_of(as_alice, name) == slug


@pytest.mark.parametrize("slug", ["", None])
def test_it_generates_the_slug_when_the_given_one_is_blank(as_alice, slug):
    assert slug_of(as_alice, "Mouse RNA-seq", slug=slug) == "mouse_rna_seq"


def test_it_suffixes_a_generated_slug_that_is_taken(as_alice):
    assert [slug_of(as_alice, "Mouse") for _ in range(3)] == ["mouse", "mouse_1", "mouse_2"]


def test_it_picks_the_smallest_unused_suffix(as_alice):
    slug_of(as_alice, "one", slug="mouse")
    slug_of(as_alice, "two", slug="mouse_2")

    assert slug_of(as_alice, "Mouse") == "mouse_1"
    assert slug_of(as_alice, "Mouse") == "mouse_3"


def test_it_suffixes_the_slug_of_a_deleted_project_too(as_alice):
    project_id = create(as_alice, name="Mouse", description="d").json()["id"]
    assert as_alice.delete(f"{URL}/{project_id}").status_code == 204

    assert slug_of(as_alice, "Mouse") == "mouse_1"


def test_it_keeps_a_suffixed_slug_of_a_long_name_within_255_characters(as_alice):
    name = "a" * 255

    first, second = slug_of(as_alice, name), slug_of(as_alice, name)

    assert first == name
    assert second == "a" * 253 + "_1"


def test_it_keeps_an_explicit_slug(as_alice):
    assert slug_of(as_alice, "Mouse RNA-seq", slug="mrs_2024") == "mrs_2024"


@pytest.mark.parametrize("slug", ["Mouse", "mouse-rna", "mouse rna", "müs", "a/b"])
def test_it_refuses_an_invalid_slug(as_alice, slug):
    response = create(as_alice, **BODY, slug=slug)

    assert response.status_code == 400
    assert response.json() == invalid(("slug", "is invalid"))
    assert not Project.objects.exists()


def test_it_refuses_a_slug_that_is_taken(as_alice, as_bob):
    slug_of(as_alice, "Mouse", slug="mouse")

    response = create(as_bob, **BODY, slug="mouse")

    assert response.status_code == 400
    assert response.json() == invalid(("slug", "has already been taken"))
    assert Project.objects.count() == 1


# --- GET /projects -----------------------------------------------------------------------------------


def test_it_lists_only_projects_the_caller_may_view_newest_first(
    as_alice, as_bob, bob, alice, carol, make_project, grant
):
    make_project(alice, "First")
    make_project(bob, "Bob's")
    third = make_project(alice, "Third")
    fourth = make_project(carol, "Carol's")
    grant(fourth, alice, "file_uploader")

    response = as_alice.get(URL)

    assert response.status_code == 200
    assert names(response) == ["Carol's", "Third", "First"]
    assert response.json()["results"][1] == as_alice.get(f"{URL}/{third.id}").json()
    assert names(as_bob.get(URL)) == ["Bob's"]


def test_it_answers_paging_headers_on_the_list(as_alice, alice, make_project):
    for name in ("a", "b", "c"):
        make_project(alice, name)

    response = as_alice.get(URL, {"page": 2, "per_page": 2})

    assert response.status_code == 200
    assert names(response) == ["a"]
    assert {header: response[header] for header in PAGING_HEADERS} == {
        "X-Total": "3",
        "X-Total-Pages": "2",
        "X-Page": "2",
        "X-Per-Page": "2",
        "X-Next-Page": "",
        "X-Prev-Page": "1",
    }


def test_it_answers_an_empty_list_with_paging_headers(as_alice):
    response = as_alice.get(URL)

    assert response.status_code == 200
    assert response.json() == {"results": []}
    assert response["X-Total"] == "0"
    assert response["X-Total-Pages"] == "0"


def test_it_leaves_out_projects_where_the_callers_role_cannot_view(as_bob, bob, project, grant):
    grant(project, bob, "system_admin")

    assert names(as_bob.get(URL)) == []


def test_it_leaves_out_deleted_projects(as_alice, alice, make_project):
    make_project(alice, "Kept")
    gone = make_project(alice, "Gone")
    assert as_alice.delete(f"{URL}/{gone.id}").status_code == 204

    response = as_alice.get(URL)

    assert names(response) == ["Kept"]
    assert response["X-Total"] == "1"


def test_it_filters_the_list_by_exact_slug(as_alice, alice, make_project):
    make_project(alice, "Mouse")
    make_project(alice, "Mouse")
    make_project(alice, "Mouse RNA")

    assert [p["slug"] for p in as_alice.get(URL, {"slug": "mouse_1"}).json()["results"]] == ["mouse_1"]
    assert names(as_alice.get(URL, {"slug": "mouse_"})) == []
    assert len(names(as_alice.get(URL, {"slug": ""}))) == 3


def test_it_does_not_list_a_project_by_slug_to_someone_without_a_role(as_bob, project):
    assert names(as_bob.get(URL, {"slug": project.slug})) == []


def test_it_lists_every_live_project_to_a_system_admin(as_sysadmin, alice, bob, make_project):
    make_project(alice, "Alice's")
    make_project(bob, "Bob's")
    gone = make_project(bob, "Gone")
    gone.is_deleted = True
    gone.save()

    assert names(as_sysadmin.get(URL)) == ["Bob's", "Alice's"]


def test_it_answers_401_to_a_list_without_a_token(anonymous, project):
    response = anonymous.get(URL)

    assert response.status_code == 401
    assert response.json() == NO_TOKEN


# --- GET /projects/{id} ------------------------------------------------------------------------------


def test_it_answers_a_project(as_alice, alice, project):
    response = as_alice.get(f"{URL}/{project.id}")

    assert response.status_code == 200
    assert response.json() == {
        "kind": "dds-project",
        "id": str(project.id),
        "name": "Mouse RNA-seq",
        "slug": "mouse_rna_seq",
        "description": "RNA-seq of mouse livers",
        "is_deleted": False,
        "is_consistent": True,
        "audit": new_audit(response.json(), alice),
    }
    assert has_no_paging_headers(response)


def test_it_ignores_the_bogus_query_ddsclient_sends(as_alice, project):
    response = as_alice.get(f"{URL}/{project.id}?%7B%7D", content_type="application/json")

    assert response.status_code == 200
    assert response.json()["id"] == str(project.id)


def test_it_answers_a_project_to_any_role_holder(as_bob, bob, project, grant):
    grant(project, bob, "file_uploader")

    assert as_bob.get(f"{URL}/{project.id}/").status_code == 200


def test_it_answers_403_to_a_user_without_a_role(as_bob, project):
    response = as_bob.get(f"{URL}/{project.id}")

    assert response.status_code == 403
    assert response.json() == FORBIDDEN


@pytest.mark.parametrize("project_id", [str(uuid.uuid4()), "not-a-uuid", "1"])
def test_it_answers_404_for_an_unknown_project(as_alice, project_id):
    response = as_alice.get(f"{URL}/{project_id}")

    assert response.status_code == 404
    assert response.json() == not_found("Project")


def test_it_still_answers_a_deleted_project_to_its_role_holders(as_alice, alice, as_bob, bob, project, grant):
    grant(project, bob, "project_viewer")
    assert as_alice.delete(f"{URL}/{project.id}").status_code == 204

    response = as_bob.get(f"{URL}/{project.id}")

    assert response.status_code == 200
    assert response.json()["is_deleted"] is True
    audit = response.json()["audit"]
    assert TIMESTAMP.match(audit["deleted_on"])
    assert audit["deleted_by"] == user_preview(alice)


def test_it_refuses_a_deleted_project_to_others(as_alice, as_carol, as_sysadmin, project):
    assert as_alice.delete(f"{URL}/{project.id}").status_code == 204

    assert as_carol.get(f"{URL}/{project.id}").json() == FORBIDDEN
    assert as_sysadmin.get(f"{URL}/{project.id}").json()["is_deleted"] is True


# --- PUT /projects/{id} ------------------------------------------------------------------------------


def test_it_updates_a_project(as_alice, alice, project):
    response = as_alice.put(
        f"{URL}/{project.id}", {"name": "Rat RNA-seq", "description": "rats", "slug": "rats"}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["description"], body["slug"]) == ("Rat RNA-seq", "rats", "rats")
    assert body["is_consistent"] is True
    assert TIMESTAMP.match(body["audit"]["last_updated_on"])
    assert body["audit"]["last_updated_by"] == user_preview(alice)
    assert has_no_paging_headers(response)
    project.refresh_from_db()
    assert (project.name, project.description, project.slug) == ("Rat RNA-seq", "rats", "rats")


def test_it_changes_only_the_fields_sent(as_alice, project):
    response = as_alice.put(f"{URL}/{project.id}", {"description": "only this"}, format="json")

    assert response.status_code == 200
    assert (response.json()["name"], response.json()["slug"]) == ("Mouse RNA-seq", "mouse_rna_seq")
    assert response.json()["description"] == "only this"


def test_it_updates_a_project_from_a_form_body(as_alice, project):
    response = as_alice.put(f"{URL}/{project.id}/", "name=Renamed&description=from+a+form", content_type=FORM)

    assert response.status_code == 200
    assert response.json()["name"] == "Renamed"
    assert response.json()["description"] == "from a form"


def test_it_keeps_the_slug_when_the_name_changes(as_alice, project):
    response = as_alice.put(f"{URL}/{project.id}", {"name": "Rat"}, format="json")

    assert response.json()["slug"] == "mouse_rna_seq"


def test_it_keeps_a_projects_own_slug_when_sent_again(as_alice, project):
    response = as_alice.put(f"{URL}/{project.id}", {"slug": "mouse_rna_seq"}, format="json")

    assert response.status_code == 200
    assert response.json()["slug"] == "mouse_rna_seq"


def test_it_regenerates_a_blank_slug_from_the_name(as_alice, project):
    response = as_alice.put(f"{URL}/{project.id}", {"name": "Rat RNA-seq", "slug": ""}, format="json")

    assert response.json()["slug"] == "rat_rna_seq"


def test_it_does_not_count_a_projects_own_slug_as_taken_when_regenerating_it(as_alice, project):
    response = as_alice.put(f"{URL}/{project.id}", {"slug": ""}, format="json")

    assert response.status_code == 200
    assert response.json()["slug"] == "mouse_rna_seq"


@pytest.mark.parametrize(
    "body, errors",
    [
        ({"name": ""}, [("name", "can't be blank")]),
        ({"description": " "}, [("description", "can't be blank")]),
        ({"slug": "Not Valid"}, [("slug", "is invalid")]),
    ],
)
def test_it_refuses_an_invalid_update(as_alice, project, body, errors):
    response = as_alice.put(f"{URL}/{project.id}", body, format="json")

    assert response.status_code == 400
    assert response.json() == invalid(*errors)
    project.refresh_from_db()
    assert (project.name, project.description, project.slug) == (
        "Mouse RNA-seq",
        "RNA-seq of mouse livers",
        "mouse_rna_seq",
    )


def test_it_refuses_to_update_to_a_slug_that_is_taken(as_alice, alice, project, make_project):
    other = make_project(alice, "Other")

    response = as_alice.put(f"{URL}/{other.id}", {"slug": "mouse_rna_seq"}, format="json")

    assert response.status_code == 400
    assert response.json() == invalid(("slug", "has already been taken"))
    other.refresh_from_db()
    assert other.slug == "other"


@pytest.mark.parametrize("role", ["project_viewer", "file_downloader", "file_editor", "file_uploader"])
def test_it_refuses_an_update_without_update_project(as_bob, bob, project, grant, role):
    grant(project, bob, role)

    response = as_bob.put(f"{URL}/{project.id}", {"name": "Mine"}, format="json")

    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    project.refresh_from_db()
    assert project.name == "Mouse RNA-seq"


def test_it_answers_404_to_an_update_of_an_unknown_project(as_alice, db):
    response = as_alice.put(f"{URL}/{uuid.uuid4()}", {"name": "x"}, format="json")

    assert response.status_code == 404
    assert response.json() == not_found("Project")


# --- DELETE /projects/{id} ---------------------------------------------------------------------------


def test_it_deletes_a_project(as_alice, alice, project):
    response = as_alice.delete(f"{URL}/{project.id}")

    assert response.status_code == 204
    assert response.content == b""
    assert has_no_paging_headers(response)
    project.refresh_from_db()
    assert project.is_deleted is True
    assert project.deleted_by == alice
    assert project.deleted_on is not None


def test_it_answers_404_to_put_and_delete_once_deleted(as_alice, project):
    assert as_alice.delete(f"{URL}/{project.id}").status_code == 204

    put = as_alice.put(f"{URL}/{project.id}", {"name": "Back"}, format="json")
    delete = as_alice.delete(f"{URL}/{project.id}")

    assert (put.status_code, put.json()) == (404, not_found("Project"))
    assert (delete.status_code, delete.json()) == (404, not_found("Project"))


@pytest.mark.parametrize("role", ["project_viewer", "file_downloader", "file_editor", "file_uploader"])
def test_it_refuses_a_delete_without_delete_project(as_bob, bob, project, grant, role):
    grant(project, bob, role)

    response = as_bob.delete(f"{URL}/{project.id}")

    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    project.refresh_from_db()
    assert project.is_deleted is False


def test_it_lets_a_system_admin_update_and_delete_any_project(as_sysadmin, sysadmin, project):
    put = as_sysadmin.put(f"{URL}/{project.id}", {"name": "Audited"}, format="json")
    delete = as_sysadmin.delete(f"{URL}/{project.id}")

    assert put.status_code == 200
    assert put.json()["audit"]["last_updated_by"] == user_preview(sysadmin)
    assert delete.status_code == 204
    project.refresh_from_db()
    assert project.deleted_by == sysadmin
