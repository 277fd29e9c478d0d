"""An upload backs at most one file (issue 13, item 3): the database holds it, so that two concurrent POST /files
naming one upload, which both pass the service's check, make one file and answer the other with the 400 of
docs/api/files.md#files — never two 201s, never a 500."""

import pytest

from dds.audit import Actor
from files import services as files
from files.models import Container, FileVersion
from projects.models import Project

from ..client import API
from ..envelopes import invalid
from ..races import in_thread, second_connection, wait_for_lock_waiters
from .conftest import stored_upload, top_of

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.postgresql("holds a row lock from a second connection")
def test_two_concurrent_files_of_one_upload_make_one_file_and_a_400(client_for, alice, project):
    upload = stored_upload(project, alice, b"one upload, one file")
    body = {"parent": top_of(project), "upload": {"id": str(upload.id)}}
    clients = [client_for(alice, commit=False) for _ in range(2)]
    with second_connection() as other:
        # Both requests pass the check, then wait to insert their file under the project.
        other.execute(f"SELECT 1 FROM {Project._meta.db_table} WHERE id = %s FOR UPDATE", [project.id])
        answers = [in_thread(client.post, f"{API}/files", body, format="json") for client in clients]
        wait_for_lock_waiters(2)
        other.rollback()

    responses = sorted((answer.result(timeout=30) for answer in answers), key=lambda response: response.status_code)

    assert [response.status_code for response in responses] == [201, 400]
    assert responses[1].json() == invalid(("upload", "has already been used by another file"))
    assert FileVersion.objects.filter(upload=upload).count() == 1
    assert Container.objects.filter(kind=Container.Kind.FILE, is_deleted=False).count() == 1


def test_a_file_may_take_again_an_upload_of_its_own_earlier_version(alice, project):
    first, second = stored_upload(project, alice, b"first"), stored_upload(project, alice, b"second")
    actor = Actor(user=alice)
    data_file = files.file_create(actor=actor, project=project, parent=None, upload=first)
    files.file_update(actor=actor, file=data_file, upload=second)

    files.file_update(actor=actor, file=data_file, upload=first)

    versions = FileVersion.objects.filter(file=data_file).order_by("version")
    expected = [(first.id, False), (second.id, False), (first.id, True)]
    assert [(version.upload_id, version.upload_reused) for version in versions] == expected
