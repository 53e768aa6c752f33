"""aftersales.core.postgresql: a kept connection's health check costs no round trip, and still
finds a session the server ended."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection, connections

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def other():
    """A second session, as an administrator's psql would be."""
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL backend's health check")
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as conn:
        yield conn


def _last_query(other, pid):
    return other.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()[0]


def _pid():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid() /* marker */")
        return cursor.fetchone()[0]


def test_the_backend_is_ours():
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL backend's health check")
    assert type(connections["default"]).__module__ == "aftersales.core.postgresql.base"


def test_a_quiet_session_is_usable_without_a_query(other):
    pid = _pid()
    assert connection.is_usable()
    assert _last_query(other, pid) == "SELECT pg_backend_pid() /* marker */"


def test_a_session_the_server_ended_is_found_and_replaced(other):
    pid = _pid()
    other.execute("SELECT pg_terminate_backend(%s)", [pid])
    # The server's farewell arrives asynchronously; the check sees it once it has.
    for _ in range(100):
        if not connection.is_usable():
            break
        other.execute("SELECT pg_sleep(0.02)")
    assert not connection.is_usable()
    # As at the start of a request: the check closes it, the next query gets a new session.
    connection.health_check_done = False
    connection.close_if_health_check_failed()
    assert _pid() != pid


def test_a_session_with_something_to_read_gets_the_full_check(other):
    pid = _pid()
    with connection.cursor() as cursor:
        cursor.execute("LISTEN aftersales_health_test")
    other.execute("NOTIFY aftersales_health_test")
    other.execute("SELECT pg_sleep(0.2)")  # the notification reaches the idle session at once
    assert _last_query(other, pid) == "LISTEN aftersales_health_test"
    assert connection.is_usable()
    assert _last_query(other, pid) == "SELECT 1"
    with connection.cursor() as cursor:
        cursor.execute("UNLISTEN *")
