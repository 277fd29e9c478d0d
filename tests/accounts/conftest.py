"""Keys and sessions the accounts tests share, made through the services as an operator would."""

import pytest

from dds.accounts import services
from dds.accounts.models import ApiKey, AuthenticationService, Directory

from ..directory import BASE_DN, BIND_DN, BIND_PASSWORD
from ..directory import Directory as DirectoryServer
from ..identity_provider import CLIENT_ID, CLIENT_SECRET, IdentityProvider


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


@pytest.fixture(scope="session")
def identity_provider(tmp_path_factory):
    """A real OpenID Connect provider on loopback, for the whole session."""
    provider = IdentityProvider(tmp_path_factory.mktemp("identity-provider"))
    yield provider
    provider.stop()


@pytest.fixture(scope="session")
def other_identity_provider(tmp_path_factory):
    """A second, unrelated provider: its tokens must not sign anyone in through the first."""
    provider = IdentityProvider(tmp_path_factory.mktemp("other-identity-provider"))
    yield provider
    provider.stop()


def openid_service_for(provider, name="Example University", **fields):
    service = AuthenticationService(
        name=name,
        base_uri=provider.issuer,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        **fields,
    )
    service.full_clean()
    service.save()
    return service


@pytest.fixture
def openid_service(db, identity_provider):
    """The institution's OpenID Connect issuer as an operator registers it (not the default)."""
    return openid_service_for(identity_provider)


@pytest.fixture(scope="session")
def ldap_server(tmp_path_factory):
    """A real OpenLDAP server on loopback holding the test directory (tests/directory.py), for the whole session."""
    server = DirectoryServer(tmp_path_factory.mktemp("ldap"))
    yield server
    server.stop()


def directory_for(service, url, **fields):
    directory = Directory(
        authentication_service=service,
        url=url,
        bind_dn=BIND_DN,
        bind_password=BIND_PASSWORD,
        base_dn=BASE_DN,
        **{"timeout": 5, **fields},
    )
    directory.full_clean()
    directory.save()
    return directory


@pytest.fixture
def institution(openid_service, ldap_server):
    """The institution's OpenID Connect service with its LDAP directory attached, as an operator attaches it."""
    directory_for(openid_service, ldap_server.url)
    return openid_service
