"""Two updates of one file at once (issue 32, item 3): they run one after the other, the second seeing the version the
first made current, never a 500. Both requests are lined up behind a lock on the file's row held from a second
connection, then let go together."""

import pytest

from dds.audit import Actor
from files import services
from files.models import FileVersion

from ..client import API
from ..envelopes import invalid
from ..races import in_thread, second_connection, wait_for_lock_waiters
from .conftest import stored_file, stored_upload

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.postgresql("holds a row lock from a second connection"),
]


def lined_up(data_file, send, count=2):
    """Start `count` calls of `send(index)` in threads while the file's row is locked; their Futures, once let go."""
    with second_connection() as other:
        other.execute("SELECT 1 FROM files_container WHERE id = %s FOR UPDATE", [data_file.id])
        answers = [in_thread(send, index) for index in range(count)]
        wait_for_lock_waiters(count)
        other.rollback()
    return [answer.result(timeout=30) for answer in answers]


def versions_of(data_file):
    return list(FileVersion.objects.filter(file=data_file).order_by("version").values_list("version", "upload_id"))


def test_two_promotions_of_one_version_at_once_make_one_new_version(client_for, alice, project, as_alice):
    data_file = stored_file(project, alice, None, b"first", "data.bin")
    second = stored_upload(project, alice, b"second")
    services.file_update(actor=Actor(user=alice), file=data_file, upload=second)
    first = FileVersion.objects.get(file=data_file, version=1)
    clients = [client_for(alice, commit=False) for _ in range(2)]

    responses = lined_up(
        data_file, lambda index: clients[index].post(f"{API}/file_versions/{first.id}/current", format="json")
    )

    assert sorted(response.status_code for response in responses) == [201, 400]
    refused = next(response for response in responses if response.status_code == 400)
    assert refused.json() == invalid(("upload_id", "match current file version."))
    assert versions_of(data_file) == [(1, first.upload_id), (2, second.id), (3, first.upload_id)]
    shown = as_alice.get(f"{API}/files/{data_file.id}").json()["current_version"]
    assert (shown["version"], shown["upload"]["id"]) == (3, str(first.upload_id))


def test_two_new_versions_of_one_file_at_once_are_both_kept_in_turn(client_for, alice, project, as_alice):
    data_file = stored_file(project, alice, None, b"first", "data.bin")
    uploads = [stored_upload(project, alice, data) for data in (b"second", b"third")]
    clients = [client_for(alice, commit=False) for _ in range(2)]

    def update(index):
        body = {"upload": {"id": str(uploads[index].id)}}
        return clients[index].put(f"{API}/files/{data_file.id}", body, format="json")

    responses = lined_up(data_file, update)

    assert [response.status_code for response in responses] == [200, 200]
    made = versions_of(data_file)
    assert [version for version, _ in made] == [1, 2, 3]
    assert {upload_id for _, upload_id in made[1:]} == {upload.id for upload in uploads}
    shown = as_alice.get(f"{API}/files/{data_file.id}").json()["current_version"]
    assert (shown["version"], shown["upload"]["id"]) == (3, str(made[2][1]))
    assert sorted(response.json()["current_version"]["version"] for response in responses) == [2, 3]
