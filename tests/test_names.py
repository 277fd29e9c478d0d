"""The name rule of dds/names.py at every create and rename (issue 32, items 5 and 11): a name of dots and spaces
only (`.`, `..`, `.. `) is refused everywhere, and `/` or `\\` in a folder's, a file's or an upload's name, since
clients join those names to local paths; every other character is kept exactly, a leading U+00A0 included.
`manage.py report_unsafe_names` lists the rows made before the rule."""

import pytest
from django.core.management import CommandError, call_command

from dds.names import PATH_INVALID
from files.models import Container
from projects.models import Project
from uploads.models import Upload

from .client import API
from .envelopes import invalid
from .files.conftest import stored_file, stored_folder, stored_upload

DOTS_AND_SPACES = [".", "..", "...", ".. ", " ..", " . ", "\u00a0..\u3000"]
SEPARATED = ["..\\..", "a\\b", "../etc", "/"]


def top(project):
    return {"kind": "dds-project", "id": str(project.id)}


@pytest.mark.parametrize("name", DOTS_AND_SPACES + SEPARATED)
def test_it_refuses_a_path_step_as_a_folder_or_file_name_at_every_create_and_rename(as_alice, alice, project, name):
    folder = stored_folder(project, alice, name="raw")
    data_file = stored_file(project, alice, folder, b"bytes", "reads.txt")

    answers = [
        as_alice.post(f"{API}/folders", {"name": name, "parent": top(project)}, format="json"),
        as_alice.put(f"{API}/folders/{folder.id}/rename", {"name": name}, format="json"),
        as_alice.put(f"{API}/files/{data_file.id}/rename", {"name": name}, format="json"),
        as_alice.post(
            f"{API}/projects/{project.id}/uploads",
            {"name": name, "content_type": "text/plain", "size": 5},
            format="json",
        ),
    ]

    assert [response.status_code for response in answers] == [400] * 4
    assert all(response.json() == invalid(("name", PATH_INVALID)) for response in answers)
    assert sorted(Container.objects.values_list("name", flat=True)) == ["raw", "reads.txt"]
    assert Upload.objects.count() == 1


@pytest.mark.parametrize("name", DOTS_AND_SPACES)
def test_it_refuses_a_name_of_dots_and_spaces_for_projects_and_agents(as_alice, project, alice_agent, name):
    answers = [
        as_alice.post(f"{API}/projects", {"name": name, "description": "d"}, format="json"),
        as_alice.put(f"{API}/projects/{project.id}", {"name": name}, format="json"),
        as_alice.post(f"{API}/software_agents", {"name": name}, format="json"),
        as_alice.put(f"{API}/software_agents/{alice_agent.id}", {"name": name}, format="json"),
    ]

    assert [response.json() for response in answers] == [invalid(("name", "is invalid"))] * 4
    project.refresh_from_db()
    alice_agent.refresh_from_db()
    assert (Project.objects.count(), project.name, alice_agent.name) == (1, "Mouse RNA-seq", "DukeDSClient")


@pytest.mark.parametrize("name", ["..data", "a..b", ".hidden", "...txt", "a/b", "C:\\ not a path for a project"])
def test_it_keeps_dots_inside_names_and_separators_in_project_names(as_alice, project, name):
    folder = name.replace("/", "-").replace("\\", "-")

    renamed = as_alice.put(f"{API}/projects/{project.id}", {"name": name}, format="json")
    created = as_alice.post(f"{API}/folders", {"name": folder, "parent": top(project)}, format="json")

    assert (renamed.status_code, renamed.json()["name"]) == (200, name)
    assert (created.status_code, created.json()["name"]) == (201, folder)


@pytest.mark.parametrize("name", ["\u00a0reads.txt", "reads.txt\u00a0", " reads.txt ", "\u2003reads"])
def test_it_keeps_leading_and_trailing_spaces_of_a_file_name_exactly(as_alice, alice, project, name):
    upload = stored_upload(project, alice, b"bytes", name)
    created = as_alice.post(f"{API}/files", {"parent": top(project), "upload": {"id": str(upload.id)}}, format="json")
    made = as_alice.post(
        f"{API}/projects/{project.id}/uploads", {"name": name, "content_type": "text/plain", "size": 5}, format="json"
    )

    assert (created.status_code, created.json()["name"]) == (201, name)
    assert (made.status_code, made.json()["name"]) == (201, name)


@pytest.mark.parametrize("name", ["\u00a0Mouse RNA", "Mouse RNA\u00a0", " Mouse RNA "])
def test_it_keeps_leading_and_trailing_spaces_of_project_and_agent_names_exactly(as_alice, project, alice_agent, name):
    project_answer = as_alice.put(f"{API}/projects/{project.id}", {"name": name}, format="json")
    agent_answer = as_alice.put(f"{API}/software_agents/{alice_agent.id}", {"name": name}, format="json")

    assert (project_answer.status_code, project_answer.json()["name"]) == (200, name)
    assert (agent_answer.status_code, agent_answer.json()["name"]) == (200, name)
    project.refresh_from_db()
    assert project.name == name


def test_the_report_lists_the_names_made_before_the_rule(alice, project, capsys):
    folder = stored_folder(project, alice, name="raw")
    Container.objects.filter(pk=folder.pk).update(name="..")
    data_file = stored_file(project, alice, folder, b"bytes", "reads.txt")
    Container.objects.filter(pk=data_file.pk).update(name="..\\..\\escape.txt")
    other = Project.objects.create(name=".", description="d", slug="dot")
    stored_folder(project, alice, name="fine")

    with pytest.raises(CommandError) as refused:
        call_command("report_unsafe_names")

    assert (str(refused.value), refused.value.returncode) == ("3 name(s) the service refuses today", 1)
    assert capsys.readouterr().out.splitlines() == sorted(
        [
            f"dds-project\t{other.id}\tproject {other.id}\tlive\t'.'",
            f"dds-folder\t{folder.id}\tproject {project.id}\tlive\t'..'",
            f"dds-file\t{data_file.id}\tproject {project.id}\tlive\t'..\\\\..\\\\escape.txt'",
        ],
        key=lambda line: (not line.startswith("dds-project"), line.split("\t")[1]),
    )


def test_the_report_says_when_every_name_is_fine(alice, project, capsys):
    stored_folder(project, alice, name="raw")

    call_command("report_unsafe_names")

    assert capsys.readouterr().out == "no name the service refuses\n"
