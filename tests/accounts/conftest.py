"""Keys and sessions the accounts tests share, made through the services as an operator would."""

import pytest

from dds.accounts import services
from dds.accounts.models import ApiKey


@pytest.fixture
def alice_key(alice):
    """Alice's user key."""
    return services.api_key_ensure(owner=alice).key


@pytest.fixture
def agent_key(alice_agent):
    """The key of Alice's DukeDSClient agent (created with the agent)."""
    return ApiKey.objects.get(software_agent=alice_agent).key


@pytest.fixture
def as_alice_agent(client_for, alice, alice_agent):
    """Alice's session minted from her agent's key: an agent-backed session."""
    return client_for(alice, alice_agent)
