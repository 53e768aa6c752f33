"""Run the ``mailin_fetch`` command again and again in child processes and SIGKILL each one at
a random instant while it processes mail; print what was killed where, as JSON.

Django is set up once here; each run is a fork of this process (no second of interpreter start
per run), which executes the real command against the real database and IMAP server and is
killed after it has fetched one or two messages, a random 0-40 ms later: between fetching a
message and committing its case, during the commit, or between the commit and the IMAP flag.

Usage: python kill_runner.py KILLS SEED MAILBOX (DJANGO_SETTINGS_MODULE, DATABASE_URL and
MEDIA_ROOT in the environment).
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import time
from collections import Counter


def main() -> None:
    kills_wanted, seed, mailbox = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    rng = random.Random(seed)
    died_after: Counter[str] = Counter()
    kills = 0
    while kills < kills_wanted:
        connections.close_all()  # the child opens its own connection
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: the real command, printing each stage
            os.close(read_end)
            out = os.fdopen(write_end, "w", buffering=1)
            try:
                call_command(
                    "mailin_fetch", mailbox=mailbox, no_retry=True, verbosity=2, stdout=out
                )
            finally:
                os._exit(0)
        os.close(write_end)
        reader = os.fdopen(read_end)
        wait_for = rng.randint(1, 2)
        seen = 0
        line = ""
        for line in reader:
            if line.startswith("fetched"):
                seen += 1
                if seen >= wait_for:
                    break
        else:  # the command ran out of mail on its own
            os.waitpid(pid, 0)
            reader.close()
            break
        time.sleep(rng.uniform(0, 0.04))
        os.kill(pid, signal.SIGKILL)
        rest = reader.read()
        os.waitpid(pid, 0)
        reader.close()
        kills += 1
        printed = (line + rest).split()
        died_after[printed[-2] if len(printed) >= 2 else "start"] += 1
    sys.stdout.write(json.dumps({"kills": kills, "died_after": dict(died_after)}) + "\n")


if __name__ == "__main__":
    main()
