"""Every change to a case: create, edit, move through the lifecycle, comment, attach, escalate.

Views, the API, the admin, tasks and commands all call these functions. Each runs in one
transaction, locks the case it changes, writes its timeline event and bumps ``version``. A
package of modules; the names callers use are re-exported here.
"""

from aftersales.cases.services.actions import case_escalate, case_record_arrival, case_sla_reapply
from aftersales.cases.services.assignment import team_pick_assignee
from aftersales.cases.services.common import (
    EDITABLE_FIELDS,
    can_transition,
    case_search_refresh,
    ensure_can_view,
    record_event,
    validate_case_references,
)
from aftersales.cases.services.files import attachment_add, attachment_limits
from aftersales.cases.services.lifecycle import (
    case_comment,
    case_create,
    case_create_idempotent,
    case_transition,
    case_update,
    idempotency_records_purge,
    request_fingerprint,
)

__all__ = [
    "EDITABLE_FIELDS",
    "attachment_add",
    "case_search_refresh",
    "attachment_limits",
    "team_pick_assignee",
    "can_transition",
    "case_comment",
    "case_create",
    "case_create_idempotent",
    "case_escalate",
    "case_record_arrival",
    "case_sla_reapply",
    "case_transition",
    "case_update",
    "ensure_can_view",
    "idempotency_records_purge",
    "record_event",
    "request_fingerprint",
    "validate_case_references",
]
