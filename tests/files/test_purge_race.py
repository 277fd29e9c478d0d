"""A file made from an upload while a purge removes its bytes (the retention sweep, a deleted file's upload): the
purge holds the upload's row, POST /files waits for it, and then refuses the purged upload — never a file on bytes
that are gone."""

import pytest

from files.models import FileVersion
from uploads.models import Upload

from ..client import API
from ..envelopes import invalid
from ..races import in_thread, second_connection, wait_for_lock_waiters
from .conftest import stored_upload, top_of

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.postgresql("holds a row lock from a second connection")
def test_a_file_of_an_upload_a_purge_holds_is_refused_once_the_purge_commits(client_for, alice, project):
    upload = stored_upload(project, alice, b"bytes about to expire")
    body = {"parent": top_of(project), "upload": {"id": str(upload.id)}}
    with second_connection() as purge:
        purge.execute(f"SELECT 1 FROM {Upload._meta.db_table} WHERE id = %s FOR UPDATE", [upload.id])
        answer = in_thread(client_for(alice, commit=False).post, f"{API}/files", body, format="json")
        wait_for_lock_waiters(1)
        purge.execute(f"UPDATE {Upload._meta.db_table} SET purged_on = now() WHERE id = %s", [upload.id])
        purge.commit()

    response = answer.result(timeout=30)

    assert response.status_code == 400
    assert response.json() == invalid(("upload", "cannot have been purged"))
    assert not FileVersion.objects.filter(upload=upload).exists()
