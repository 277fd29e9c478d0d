"""The LDAP client: searches an institution's directory (`Directory`) for its people with ldap3.

Every value a client sends goes into the filter escaped (RFC 4515), so it can only ever be matched as text. A
search answers at most SEARCH_LIMIT people, as the original did; a server that stops earlier at its own size limit
gives what it found. A directory that cannot be reached, refuses DDS's bind, or answers a search with an error is a
503 `identity provider communication failure`.
"""

import logging
import ssl
from dataclasses import dataclass

from ldap3 import NONE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException
from ldap3.core.results import RESULT_SIZE_LIMIT_EXCEEDED, RESULT_SUCCESS
from ldap3.utils.conv import escape_filter_chars

from dds import errors

logger = logging.getLogger(__name__)

SEARCH_LIMIT = 500
FULL_NAME_MIN_LENGTH = 3


@dataclass(frozen=True)
class Person:
    """A person of a directory, as `/auth_providers/{id}/affiliates` shows them."""

    uid: str
    username: str
    full_name: str
    first_name: str
    last_name: str
    email: str


def _unreachable(directory, why):
    logger.warning("the directory %s of %s failed: %s", directory.url, directory.authentication_service, why)
    return errors.IdentityProviderUnavailable(
        suggestion=f"the directory of {directory.authentication_service} did not answer; please try again in a few "
        "minutes, or report an issue"
    )


def _connection(directory):
    tls = Tls(
        validate=ssl.CERT_REQUIRED if directory.verify_certificate else ssl.CERT_NONE,
        ca_certs_data=directory.ca_certificates or None,
    )
    server = Server(directory.url, connect_timeout=directory.timeout, tls=tls, get_info=NONE)
    connection = Connection(
        server,
        user=directory.bind_dn or None,
        password=directory.bind_password or None,
        receive_timeout=directory.timeout,
        read_only=True,
    )
    connection.open()
    if directory.start_tls:
        connection.start_tls()
    if not connection.bind():
        connection.unbind()
        raise _unreachable(directory, f"bind as {directory.bind_dn or 'anonymous'}: {connection.result['description']}")
    return connection


def _first(attributes, name):
    value = attributes.get(name.lower())
    if isinstance(value, list):
        value = value[0] if value else ""
    return value.strip() if isinstance(value, str) else ""


def _person(directory, attributes):
    attributes = {name.lower(): value for name, value in attributes.items()}
    first_name = _first(attributes, directory.first_name_attribute)
    last_name = _first(attributes, directory.last_name_attribute)
    uid = _first(attributes, directory.uid_attribute)
    return Person(
        uid=uid,
        username=_first(attributes, directory.username_attribute) or uid,
        full_name=_first(attributes, directory.full_name_attribute) or f"{first_name} {last_name}".strip(),
        first_name=first_name,
        last_name=last_name,
        email=_first(attributes, directory.email_attribute),
    )


def _search(directory, conditions, limit):
    """The people matching the person filter and every `(attribute, value-filter)` condition (values escaped
    already), at most `limit`."""
    query = directory.person_filter + f"({directory.uid_attribute}=*)"
    query += "".join(f"({attribute}={value})" for attribute, value in conditions)
    attributes = sorted(
        {
            directory.uid_attribute,
            directory.username_attribute,
            directory.full_name_attribute,
            directory.first_name_attribute,
            directory.last_name_attribute,
            directory.email_attribute,
        }
    )
    try:
        connection = _connection(directory)
        try:
            connection.search(
                directory.base_dn,
                f"(&{query})",
                search_scope=SUBTREE,
                attributes=attributes,
                size_limit=limit,
                time_limit=directory.timeout,
            )
            if connection.result["result"] not in (RESULT_SUCCESS, RESULT_SIZE_LIMIT_EXCEEDED):
                raise _unreachable(directory, f"search: {connection.result['description']}")
            entries = [item["attributes"] for item in connection.response if item.get("type") == "searchResEntry"]
        finally:
            connection.unbind()
    except LDAPException as error:
        raise _unreachable(directory, error) from None
    people = [_person(directory, entry) for entry in entries]
    return [person for person in people if person.uid]


def people(directory, *, username="", email="", full_name_contains=""):
    """The people matching every given filter (`username` and `email` exactly, `full_name_contains` anywhere in the
    full name), sorted by name; none without a filter, nor for a `full_name_contains` shorter than
    FULL_NAME_MIN_LENGTH: such a search would answer the whole directory."""
    if not (username or email or len(full_name_contains) >= FULL_NAME_MIN_LENGTH):
        return []
    conditions = []
    if username:
        conditions.append((directory.username_attribute, escape_filter_chars(username)))
    if email:
        conditions.append((directory.email_attribute, escape_filter_chars(email)))
    if full_name_contains:
        conditions.append((directory.full_name_attribute, f"*{escape_filter_chars(full_name_contains)}*"))
    found = _search(directory, conditions, SEARCH_LIMIT)
    return sorted(found, key=lambda person: (person.last_name.lower(), person.first_name.lower(), person.uid))


def person(directory, uid):
    """The person whose uid is `uid`, or None."""
    found = _search(directory, [(directory.uid_attribute, escape_filter_chars(uid))], 2)
    return found[0] if len(found) == 1 else None
