"""E-mail intake: fetch mailboxes, turn messages into cases and comments, handle quarantine.

Views, the API, the admin, the periodic task and the command all call these functions.
"""

from aftersales.mailin.services.fetch import (
    FetchResult,
    mailbox_fetch,
    mailbox_record_failure,
    mailbox_record_success,
    mailboxes_fetch_all,
)
from aftersales.mailin.services.ingest import (
    inbound_discard,
    inbound_retry,
    message_ingest,
    message_record_too_large,
    own_addresses,
    quarantine_retry_due,
    retry_delay,
)

__all__ = [
    "FetchResult",
    "inbound_discard",
    "inbound_retry",
    "mailbox_fetch",
    "mailbox_record_failure",
    "mailbox_record_success",
    "mailboxes_fetch_all",
    "message_ingest",
    "message_record_too_large",
    "own_addresses",
    "quarantine_retry_due",
    "retry_delay",
]
