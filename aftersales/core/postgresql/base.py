"""Django's PostgreSQL backend with a connection health check that costs no round trip.

With ``CONN_HEALTH_CHECKS`` Django checks a kept connection before the first query of each
request by running ``SELECT 1`` — a round trip on every request, a tenth of the database work
of a case creation. A session that the server ended (a restart, ``pg_terminate_backend``, an
idle timeout) says so: the server sends its FATAL error and closes the socket, and the client
sees the socket readable. An idle session is otherwise silent. So the check here looks at the
socket without waiting: nothing to read — the connection is good; something to read — it runs
Django's ``SELECT 1``, which reads it (a notice, a changed parameter) or finds the session gone.

What neither check can see in advance (a network that drops packets silently) fails the first
query as before, which ``ops.middleware.DatabaseUnavailableMiddleware`` answers with a 503.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg import pq

_IDLE = pq.TransactionStatus.IDLE


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        raw = self.connection
        if raw is None or raw.closed or raw.broken:
            return False
        if raw.info.transaction_status != _IDLE:
            return super().is_usable()
        try:
            readable, _, _ = select.select([raw.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        if readable:
            return super().is_usable()
        return True
