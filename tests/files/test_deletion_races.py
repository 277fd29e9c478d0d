"""A project deleted while something is being created in it ends in one clear state: what was created before the
delete committed is deleted with the project (its bytes purged); what comes after is refused with 404.

Creations hold the project's row (FOR KEY SHARE) until they commit; the delete locks it FOR UPDATE, so it waits for
them, and a creation that waited for the delete sees the project deleted."""

import pytest

from files.models import Container, Deletion
from projects.models import Project
from uploads.models import Upload

from ..client import API
from ..envelopes import not_found
from ..races import in_thread, second_connection, wait_for_lock_waiters
from .conftest import stored_upload, top_of

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.postgresql("holds a row lock from a second connection"),
]


def test_a_delete_waits_for_a_file_being_made_and_then_deletes_it(client_for, alice, project):
    upload = stored_upload(project, alice, b"made while the project is deleted")
    body = {"parent": top_of(project), "upload": {"id": str(upload.id)}}
    with second_connection() as other:
        # Holds the file's creation after it took the project (the version's insert waits for the upload's row).
        other.execute(f"SELECT 1 FROM {Upload._meta.db_table} WHERE id = %s FOR UPDATE", [upload.id])
        made = in_thread(client_for(alice).post, f"{API}/files", body, format="json")
        wait_for_lock_waiters(1)
        deleted = in_thread(client_for(alice).delete, f"{API}/projects/{project.id}")
        wait_for_lock_waiters(2)
        other.rollback()

    assert made.result(timeout=30).status_code == 201
    assert deleted.result(timeout=30).status_code == 204
    assert Deletion.objects.get(project=project).finished_on is not None
    assert not Container.objects.filter(project=project, is_deleted=False).exists()
    assert Upload.objects.get(pk=upload.pk).purged_on is not None


def test_an_upload_that_waited_for_the_delete_is_refused(client_for, alice, project):
    body = {"name": "late.txt", "content_type": "text/plain", "size": 4, "chunked": False}
    with second_connection() as delete:
        # The project's delete, committing while the upload's request has read the project live.
        delete.execute(f"SELECT 1 FROM {Project._meta.db_table} WHERE id = %s FOR UPDATE", [project.id])
        answer = in_thread(client_for(alice).post, f"{API}/projects/{project.id}/uploads", body, format="json")
        wait_for_lock_waiters(1)
        delete.execute(f"UPDATE {Project._meta.db_table} SET is_deleted = true WHERE id = %s", [project.id])
        delete.commit()

    response = answer.result(timeout=30)

    assert response.status_code == 404
    assert response.json() == not_found("Project")
    assert not Upload.objects.filter(project=project).exists()
