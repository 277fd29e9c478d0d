"""A person signs in to DDS in headless Chromium through the identity provider's own login form, and the keys the
page shows then work: they mint an api_token that lists projects (a live server, a real provider, Debian's
Chromium driven by puppeteer-core from tests/oidc)."""

import json
import subprocess

import pytest
import requests
import yaml

from dds.accounts.models import User

from ..identity_provider import OIDC_DIR
from ..test_docs import CHROMIUM

BROWSER_TIMEOUT = 120


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_signs_in_through_the_providers_form_and_the_keys_it_shows_list_projects(
    live_server, identity_provider, openid_service, make_project
):
    identity_provider.set_account("jdoe", name="Jane Doe", given_name="Jane", family_name="Doe", email="jane@x.edu")
    dds_url = live_server.url.replace("localhost", "127.0.0.1")  # a loopback redirect URI, as the provider wants

    signed_in = subprocess.run(
        ["node", "browser_signin.js", CHROMIUM, dds_url, "jdoe"],
        cwd=OIDC_DIR,
        capture_output=True,
        text=True,
        timeout=BROWSER_TIMEOUT,
    )

    assert signed_in.returncode == 0, signed_in.stderr[-3000:]
    pages = json.loads(signed_in.stdout.strip().splitlines()[-1])
    made, replaced = yaml.safe_load(pages["made"]), yaml.safe_load(pages["replaced"])
    assert made["url"] == f"{dds_url}/api/v1"
    assert replaced["agent_key"] == made["agent_key"]
    assert replaced["user_key"] != made["user_key"]

    api = replaced["url"]
    old = requests.post(
        f"{api}/software_agents/api_token",
        json={"agent_key": made["agent_key"], "user_key": made["user_key"]},
        timeout=30,
    )
    assert old.status_code == 404  # the replaced user key works no more
    minted = requests.post(
        f"{api}/software_agents/api_token",
        json={"agent_key": replaced["agent_key"], "user_key": replaced["user_key"]},
        timeout=30,
    )
    assert minted.status_code == 201, minted.text
    token = minted.json()["api_token"]
    project = make_project(User.objects.get(username="jdoe"), "Jane's project")
    projects = requests.get(f"{api}/projects", headers={"Authorization": token}, timeout=30)
    assert projects.status_code == 200
    assert [item["id"] for item in projects.json()["results"]] == [str(project.id)]
