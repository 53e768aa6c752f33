"""Exit 0 when the database at the given URL answers within two seconds, else 1.

Used by ``make test`` to decide whether to run the suite on PostgreSQL too.
"""

from __future__ import annotations

import sys


def reachable(url: str) -> bool:
    """Return whether a PostgreSQL server answers at ``url`` (its maintenance database)."""
    import environ
    import psycopg

    config = environ.Env.db_url_config(url)
    try:
        with psycopg.connect(
            host=config.get("HOST") or None,
            port=config.get("PORT") or None,
            user=config.get("USER") or None,
            password=config.get("PASSWORD") or None,
            dbname="postgres",
            connect_timeout=2,
        ):
            return True
    except psycopg.Error:
        return False


if __name__ == "__main__":
    sys.exit(0 if len(sys.argv) > 1 and reachable(sys.argv[1]) else 1)
