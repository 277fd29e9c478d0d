"""Two first sign-ins of the same person at the same moment make one user, and both get it."""

import threading

import pytest
from django.db import connection, connections, transaction

from dds.accounts import services
from dds.accounts.models import AuthenticationService, User, UserIdentity

from ..workers import wait_until

CLAIMS = {"sub": "jdoe", "preferred_username": "jdoe", "name": "Jane Doe", "email": "jane@example.edu"}


def a_sign_in_waits_for_a_lock():
    """Another connection's sign-in waits for the first one's uncommitted user row."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.postgresql("row locks between connections")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_makes_one_user_for_two_first_sign_ins_at_once():
    service = AuthenticationService.objects.create(name="Example University", base_uri="https://login.example.edu")
    first_made, release_first = threading.Event(), threading.Event()
    users = {}

    def first():
        try:
            with transaction.atomic():
                users["first"] = services.user_sign_in(service=service, claims=CLAIMS)
                first_made.set()
                release_first.wait()
        finally:
            connections.close_all()

    def second():
        try:
            users["second"] = services.user_sign_in(service=service, claims=CLAIMS)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    assert first_made.wait(30)
    threads[1].start()
    wait_until(a_sign_in_waits_for_a_lock)
    release_first.set()
    for thread in threads:
        thread.join(30)

    assert users["first"].id == users["second"].id
    assert User.objects.filter(username="jdoe").count() == 1
    assert UserIdentity.objects.filter(authentication_service=service, uid="jdoe").count() == 1
