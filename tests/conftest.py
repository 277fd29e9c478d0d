"""Shared named users and HTTP clients: tests talk to the service over its API, as clients do."""

import pytest
from rest_framework.test import APIClient

from dds.accounts import services
from dds.audit import Actor
from dds.authentication import api_token_encode


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path):
    settings.STORAGE_ROOT = tmp_path / "storage"
    return settings.STORAGE_ROOT


@pytest.fixture
def anonymous():
    return APIClient()


@pytest.fixture
def client_for():
    """`client_for(user)` or `client_for(user, agent)`: an API client sending that session's raw api_token."""

    def make(user, agent=None):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=api_token_encode(user=user, agent=agent)["api_token"])
        return client

    return make


@pytest.fixture
def alice(db):
    return services.user_create(username="alice", email="alice@example.org", first_name="Alice", last_name="Liddell")


@pytest.fixture
def bob(db):
    return services.user_create(username="bob", email="bob@example.org", first_name="Bob", last_name="Builder")


@pytest.fixture
def alice_agent(alice):
    return services.software_agent_create(actor=Actor(user=alice), name="DukeDSClient")


@pytest.fixture
def as_alice(client_for, alice):
    return client_for(alice)


@pytest.fixture
def as_bob(client_for, bob):
    return client_for(bob)
