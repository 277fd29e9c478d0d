"""A project's life over real HTTP, for each storage backend: folders, files, versions, downloads, the file listing."""

import os

import pytest
import requests

from dds.authentication import api_token_encode
from uploads.models import StorageProvider

from ..client import Chunks, HttpApi, md5

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(params=["filesystem", "s3"])
def backend(request):
    if request.param == "s3":
        provider = request.getfixturevalue("s3_provider")
        StorageProvider.objects.update(is_default=False)
        provider.is_default = True
        provider.save()
        return provider
    return StorageProvider.objects.get(is_default=True)


@pytest.fixture
def client(live_server, alice, backend):
    return HttpApi(live_server.url, api_token_encode(user=alice)["api_token"])


def add_file(client, project_id, parent, name, data):
    upload = client.upload(project_id, Chunks(data, 700), name=name)
    client.wait_consistent(upload["id"])
    return client.call("POST", "/files/", 201, json={"parent": parent, "upload": {"id": upload["id"]}})


def download(descriptor):
    assert descriptor["http_verb"] == "GET" and descriptor["http_headers"] == []
    response = requests.get(descriptor["host"] + descriptor["url"], timeout=30)
    assert response.status_code == 200, response.text
    return response.content


def test_it_keeps_a_tree_of_files_and_versions_and_serves_their_bytes(client):
    project = client.create_project("Tree")
    top = {"kind": "dds-project", "id": project["id"]}
    raw = client.call("POST", "/folders", 201, json={"name": "raw", "parent": top})
    lane = client.call(
        "POST", "/folders", 201, json={"name": "lane 1", "parent": {"kind": "dds-folder", "id": raw["id"]}}
    )
    assert [ancestor["name"] for ancestor in lane["ancestors"]] == ["Tree", "raw"]

    contents = {name: os.urandom(1500 + index) for index, name in enumerate(["a.fastq", "b.fastq", "notes.txt"])}
    reads = add_file(client, project["id"], {"kind": "dds-folder", "id": lane["id"]}, "a.fastq", contents["a.fastq"])
    add_file(client, project["id"], {"kind": "dds-folder", "id": lane["id"]}, "b.fastq", contents["b.fastq"])
    add_file(client, project["id"], top, "notes.txt", contents["notes.txt"])
    assert reads["current_version"]["upload"]["hashes"][0]["value"] == md5(contents["a.fastq"])

    second = os.urandom(2100)
    upload = client.upload(project["id"], Chunks(second, 700), name="a.fastq")
    client.wait_consistent(upload["id"])
    updated = client.call("PUT", f"/files/{reads['id']}", 200, data={"upload[id]": upload["id"]})
    assert updated["current_version"]["version"] == 2
    versions = client.call("GET", f"/files/{reads['id']}/versions", 200)["results"]
    assert [version["version"] for version in versions] == [1, 2]

    assert download(client.call("GET", f"/files/{reads['id']}/url", 200)) == second
    assert download(client.call("GET", f"/file_versions/{versions[0]['id']}/url", 200)) == contents["a.fastq"]

    tree = client.call("GET", f"/projects/{project['id']}/children?name_contains=", 200)["results"]
    assert sorted(item["name"] for item in tree) == ["a.fastq", "b.fastq", "lane 1", "notes.txt", "raw"]

    listing = client.session.get(f"{client.api}/projects/{project['id']}/files", params={"per_page": 2}, timeout=30)
    assert listing.headers["X-Total"] == "3" and listing.headers["X-Total-Pages"] == "2"
    files = listing.json()["results"]
    files += client.call("GET", f"/projects/{project['id']}/files?per_page=2&page=2", 200)["results"]
    expected = {**contents, "a.fastq": second}
    assert {item["name"]: download(item["file_url"]) for item in files} == expected
    paths = {item["name"]: [a["name"] for a in item["ancestors"] if a["kind"] == "dds-folder"] for item in files}
    assert paths == {"a.fastq": ["raw", "lane 1"], "b.fastq": ["raw", "lane 1"], "notes.txt": []}
