"""A project member cannot make another member's `ddsclient download` write outside its target (issue 32, item 5).

Bob, a file editor of Alice's project, tries through the real DukeDSClient's API layer to turn a folder path into
`../..`: a folder made or renamed `..`, a folder below it renamed `..` too, Alice's file moved into it. Every name is
refused (400) and Alice's `ddsclient download` then writes only inside the folder she named."""

import pytest

from projects.models import Project

from ..ddsclient import ddsc_api, ddsclient_cli, write_client_config

ATTEMPT = """
from ddsc.core.ddsapi import DataServiceError
project = [p for p in api.get_projects().json()["results"] if p["name"] == "Shared"][0]
notes = api.get_project_children(project["id"], "").json()["results"][0]
answers = {}

def attempt(label, call):
    try:
        answers[label] = call().status_code
    except DataServiceError as error:
        answers[label] = error.status_code

outer = api.create_folder("outer", "dds-project", project["id"]).json()
inner = api.create_folder("inner", "dds-folder", outer["id"]).json()
attempt("create ..", lambda: api.create_folder("..", "dds-project", project["id"]))
attempt("create .", lambda: api.create_folder(".", "dds-folder", outer["id"]))
attempt("create .. with a trailing space", lambda: api.create_folder(".. ", "dds-folder", outer["id"]))
attempt("create a backslash path", lambda: api.create_folder("..\\\\..", "dds-folder", outer["id"]))
attempt("rename outer", lambda: api.rename_folder(outer["id"], ".."))
attempt("rename inner", lambda: api.rename_folder(inner["id"], ".."))
attempt("move the file", lambda: api.move_file(notes["id"], "dds-folder", inner["id"]))
result = answers
"""


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_members_names_never_take_another_members_download_outside_its_target(
    live_server, alice, bob, client_keys, grant, tmp_path
):
    url = f"{live_server.url}/api/v1"
    home = tmp_path / "home"  # beside the storage root, which the fixture puts in tmp_path
    home.mkdir()
    alice_keys, bob_keys = client_keys(alice), client_keys(bob)
    config = write_client_config(home / "alice.yaml", url, user_key=alice_keys[0], agent_key=alice_keys[1])
    source = home / "source"
    source.mkdir()
    (source / "notes.txt").write_bytes(b"lab notes\n")
    uploaded = ddsclient_cli(config, "upload", "-p", "Shared", str(source / "notes.txt"))
    assert uploaded.returncode == 0, uploaded.stdout + uploaded.stderr
    grant(Project.objects.get(name="Shared"), bob, "file_editor")

    answers = ddsc_api(url, user_key=bob_keys[0], agent_key=bob_keys[1], code=ATTEMPT)
    work = home / "work" / "deeper"
    work.mkdir(parents=True)
    downloaded = ddsclient_cli(config, "download", "-p", "Shared", str(work / "target"), cwd=work)

    assert answers == {
        "create ..": 400,
        "create .": 400,
        "create .. with a trailing space": 400,
        "create a backslash path": 400,
        "rename outer": 400,
        "rename inner": 400,
        "move the file": 200,
    }
    assert downloaded.returncode == 0, downloaded.stdout + downloaded.stderr
    written = sorted(str(path.relative_to(home)) for path in home.rglob("*") if path.is_file())
    assert written == ["alice.yaml", "source/notes.txt", "work/deeper/target/outer/inner/notes.txt"]
