"""What one small file costs in queries, request by request, as DukeDSClient uploads it: mint a token, create a
non-chunked upload, send its bytes to the signed URL, read the upload, complete it, make a file of it.

Counts are taken inside the test's transaction: a service's atomic block shows as a SAVEPOINT and its RELEASE (in
production, BEGIN and COMMIT). Inline, the completion's job runs when the request returns and is counted with it.
"""

from urllib.parse import urlencode

import pytest

from ..client import API, FORM, md5

DATA = b"a small file\n" * 100

# the failure counts of the address and keys, the key pair, last_login written: only the first token of the hour
# writes it.
FIRST_TOKEN = 3
# The create and the file each hold the project against its deletion: the create in a savepoint of its own.
# inline: session; the upload; permissions; in a savepoint: the locked upload with what the answer shows, the hash,
# the upload, the job and its log entry, the hashes for the answer; the upload read again (and its hashes). The job:
# its claim; in a savepoint: the locked upload, its database session, the claim, the chunks; in another: the locked
# upload, its hashes, the verdict; the job done, and the earlier ones superseded.
# The bytes: the upload, then in a savepoint the locked upload and its project (deleted meanwhile?). The file: the
# project's lock before the rest.
COUNTS = {
    # The file: then its search indexing job (search/actors.py) recorded with its log entry, and run: its claim, the
    # file, its tags, its metadata, in a savepoint the document read and written, the job done, earlier ones
    # superseded (12 more); dramatiq: the job recorded and sent (2 more).
    "inline": {"token": 2, "create": 8, "bytes": 5, "show": 4, "complete": 27, "file": 12 + 12},
    # dramatiq: as inline up to the commit, without the log entry; then whether it is verified yet, and the job sent.
    "dramatiq": {"token": 2, "create": 8, "bytes": 5, "show": 4, "complete": 12, "file": 12 + 2},
}


@pytest.fixture(params=["inline", "dramatiq"])
def mode(request, settings, project):
    """The adapter, switched once the project's storage is initialized (inline)."""
    if request.param == "dramatiq":
        request.getfixturevalue("dramatiq_mode")
        settings.COMPLETE_WAIT_SECONDS = 0  # one look for the verdict: the workers are not running
    return request.param


def test_it_uploads_a_small_file_in_a_fixed_number_of_queries_per_request(
    mode, alice, project, anonymous, client_keys, client_for, django_assert_max_num_queries
):
    counts = COUNTS[mode]
    user_key, agent_key = client_keys(alice)
    keys = {"agent_key": agent_key, "user_key": user_key}
    with django_assert_max_num_queries(FIRST_TOKEN):
        assert anonymous.post(f"{API}/software_agents/api_token", keys, format="json").status_code == 201
    with django_assert_max_num_queries(counts["token"]):
        token = anonymous.post(f"{API}/software_agents/api_token", keys, format="json")
    assert token.status_code == 201
    client = client_for(alice)
    client.credentials(HTTP_AUTHORIZATION=token.json()["api_token"])

    body = {"name": "small.txt", "content_type": "text/plain", "size": len(DATA), "chunked": False}
    with django_assert_max_num_queries(counts["create"]):
        created = client.post(f"{API}/projects/{project.id}/uploads", body, format="json")
    assert created.status_code == 201, created.content

    with django_assert_max_num_queries(counts["bytes"]):
        sent = client.generic("PUT", created.json()["signed_url"]["url"], DATA, content_type="application/octet-stream")
    assert sent.status_code == 201, sent.content

    upload_id = created.json()["id"]
    with django_assert_max_num_queries(counts["show"]):
        shown = client.get(f"{API}/uploads/{upload_id}")
    assert shown.status_code == 200
    answered, read = created.json(), shown.json()
    answered.pop("signed_url"), read.pop("signed_url")  # signed again: its expiry may have moved on a second
    assert list(answered) == list(read) and answered == read  # the created upload answered from rows in hand

    report = urlencode({"hash[value]": md5(DATA), "hash[algorithm]": "md5"})
    with django_assert_max_num_queries(counts["complete"]):
        completed = client.put(f"{API}/uploads/{upload_id}/complete", report, content_type=FORM)
    assert completed.status_code == 202, completed.content
    assert completed.json()["hashes"][0]["value"] == md5(DATA)

    file_body = urlencode({"parent[kind]": "dds-project", "parent[id]": str(project.id), "upload[id]": upload_id})
    with django_assert_max_num_queries(counts["file"]):
        made = client.post(f"{API}/files", file_body, content_type=FORM)
    assert made.status_code == 201, made.content
    assert made.json() == client.get(f"{API}/files/{made.json()['id']}").json()
