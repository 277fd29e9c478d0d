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
from .conftest import openid_service_for

BROWSER_TIMEOUT = 120


def browser_sign_in(dds_url, login, provider=None):
    """What the DDS page showed `login` after signing in in Chromium (pressing `provider`'s button first)."""
    signed_in = subprocess.run(
        ["node", "browser_signin.js", CHROMIUM, dds_url, login, *([provider] if provider else [])],
        cwd=OIDC_DIR,
        capture_output=True,
        text=True,
        timeout=BROWSER_TIMEOUT,
    )
    assert signed_in.returncode == 0, signed_in.stderr[-3000:]
    return json.loads(signed_in.stdout.strip().splitlines()[-1])


def project_ids(config):
    minted = requests.post(
        f"{config['url']}/software_agents/api_token",
        json={"agent_key": config["agent_key"], "user_key": config["user_key"]},
        timeout=30,
    )
    assert minted.status_code == 201, minted.text
    projects = requests.get(
        f"{config['url']}/projects", headers={"Authorization": minted.json()["api_token"]}, timeout=30
    )
    assert projects.status_code == 200
    return [item["id"] for item in projects.json()["results"]]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_signs_in_through_the_providers_form_and_the_keys_it_shows_list_projects(
    live_server, identity_provider, openid_service, make_project
):
    identity_provider.set_account("jdoe", name="Jane Doe", given_name="Jane", family_name="Doe", email="jane@x.edu")
    dds_url = live_server.url.replace("localhost", "127.0.0.1")  # a loopback redirect URI, as the provider wants

    pages = browser_sign_in(dds_url, "jdoe")

    made, replaced = yaml.safe_load(pages["made"]), yaml.safe_load(pages["replaced"])
    assert made["url"] == f"{dds_url}/api/v1"
    assert replaced["agent_key"] == made["agent_key"]
    assert replaced["user_key"] != made["user_key"]

    old = requests.post(
        f"{replaced['url']}/software_agents/api_token",
        json={"agent_key": made["agent_key"], "user_key": made["user_key"]},
        timeout=30,
    )
    assert old.status_code == 404  # the replaced user key works no more
    project = make_project(User.objects.get(username="jdoe"), "Jane's project")
    assert project_ids(replaced) == [str(project.id)]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_partner_person_of_a_taken_username_chooses_their_provider_and_gets_an_account_of_their_own(
    live_server, identity_provider, other_identity_provider, openid_service, make_user, make_project
):
    partner = openid_service_for(other_identity_provider, name="Partner Institute")
    ann = make_user("ann")  # an account of the default provider's Ann
    make_project(ann, "Ann's project")
    other_identity_provider.set_account("ann", name="Ann Other")
    dds_url = live_server.url.replace("localhost", "127.0.0.1")

    pages = browser_sign_in(dds_url, "ann", provider="Partner Institute")

    assert pages["username"] == (
        "Your DDS username is ann@partner-institute. The username “ann” is another account's here, so yours names "
        "your identity provider."
    )
    assert project_ids(yaml.safe_load(pages["replaced"])) == []
    assert User.objects.get(identities__authentication_service=partner).username == "ann@partner-institute"
