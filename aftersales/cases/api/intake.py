"""The fast lane of ``POST /api/v1/cases/``: the common create of an integration, without DRF.

Most cases that reach the API come from integrations (monitoring, a CRM, the phone system)
with a token, a customer code, perhaps an asset's serial number, and the case's type, channel,
severity and text. For exactly that request this module authenticates the token and reads the
user, the customer, the asset with its contract, site and warranty extensions, and the SLA
configuration's revisions in **one** round trip on PostgreSQL (``core.batch.PreparedBatch``;
one query each elsewhere); then it calls the same service as every other client
(``cases.services.case_create``, which draws the number and keys in one statement and inserts
every row in one more) and renders the answer with the same serializer.

Anything else — another authentication, another content type or ``Accept``, an
``Idempotency-Key``, any other field, a value of another type, a reference that is not found,
a user who is not staff allowed to see every customer, a rule that refuses the case — is handed,
untouched, to the DRF view, which answers exactly as it always has (errors included). The lane
therefore never answers differently from the general path, only sooner; tests hold the two to
the same answers and the same rows (``cases/tests/test_intake.py``).

``CASES_FAST_CREATE=false`` turns the lane off.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from rest_framework.authtoken.models import Token

from aftersales.accounts.models import User
from aftersales.accounts.permissions import Capability, has_capability
from aftersales.cases import services
from aftersales.cases.api.serializers import case_representation
from aftersales.cases.choices import CaseChannel, CaseSeverity, CaseType
from aftersales.cases.services.lifecycle import ROWS_AT_MOST
from aftersales.cases.services.numbering import reservation_from, reservation_statement
from aftersales.catalog.models import Asset, WarrantyExtension
from aftersales.core import clock
from aftersales.core.authentication import activate_user_language
from aftersales.core.batch import PreparedBatch, batching_available
from aftersales.core.errors import NotAllowed, ValidationFailed
from aftersales.core.renderers import JSONRenderer
from aftersales.customers.models import Customer
from aftersales.sla.config_cache import sla_config_from, stamp_query

# The fields the lane takes; with any other field the request goes to the general path.
FIELDS = frozenset(
    {"customer", "asset", "case_type", "channel", "severity", "summary", "description"}
)
REQUIRED = frozenset({"customer", "case_type", "channel", "severity", "summary"})
CHOICES = {
    "case_type": frozenset(CaseType.values),
    "channel": frozenset(CaseChannel.values),
    "severity": frozenset(CaseSeverity.values),
}
ACCEPTABLE = frozenset({"", "*/*", "application/json"})
_SURROGATE = re.compile("[\ud800-\udfff]")
_renderer = JSONRenderer()

View = Callable[..., HttpResponse]


def with_fast_create(view: View, *, headers: dict[str, str]) -> View:
    """Wrap the DRF view of the case list route so that plain creates take the fast lane.

    ``headers`` are the view's default response headers (``Allow``, ``Vary``) that DRF adds to
    its answers. The wrapper keeps the DRF view's attributes (the schema generator and the CSRF
    middleware read them).
    """

    @functools.wraps(view)
    def dispatch(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST" and settings.CASES_FAST_CREATE:
            response = fast_create(request)
            if response is not None:
                vary = headers.get("Vary")
                if vary:
                    patch_vary_headers(response, [vary])
                response["Allow"] = headers["Allow"]
                return response
        return view(request, *args, **kwargs)

    return dispatch


def _text(value: Any, *, limit: int, required: bool) -> str | None:
    """Return ``value`` as the serializer's CharField would clean it, or None to hand over."""
    if type(value) is not str:
        return None
    value = value.strip()
    if (required and not value) or len(value) > limit or "\x00" in value:
        return None
    if _SURROGATE.search(value):
        return None
    return value


def _decode(request: HttpRequest) -> dict[str, Any] | None:
    """Return the cleaned fields of a request the lane can take, or None."""
    meta = request.META
    if request.content_type != "application/json":
        return None
    charset = request.content_params.get("charset")
    if charset is not None and charset.lower() not in ("utf-8", "utf8"):
        return None
    if meta.get("HTTP_ACCEPT", "").strip() not in ACCEPTABLE:
        return None
    if "HTTP_IDEMPOTENCY_KEY" in meta:
        return None
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (RequestDataTooBig, UnicodeDecodeError, ValueError, RecursionError):
        return None
    if type(data) is not dict or not REQUIRED <= data.keys() <= FIELDS:
        return None
    cleaned: dict[str, Any] = {}
    for name, allowed in CHOICES.items():
        value = data[name]
        if type(value) is not str or value not in allowed:
            return None
        cleaned[name] = value
    summary = _text(data["summary"], limit=200, required=True)
    description = _text(
        data.get("description", ""), limit=settings.CASES_MAX_TEXT_LENGTH, required=False
    )
    if summary is None or description is None:
        return None
    customer, asset = data["customer"], data.get("asset")
    if type(customer) is not str or not (asset is None or type(asset) is str):
        return None
    cleaned.update(summary=summary, description=description, customer=customer, asset=asset)
    return cleaned


def _lookup(key: str, customer: str) -> list[Any]:
    return [
        User.objects.filter(auth_token__key=key),
        Customer.objects.filter(code=customer),
        stamp_query(),
    ]


def _lookup_with_asset(key: str, customer: str, serial: str) -> list[Any]:
    return [
        *_lookup(key, customer),
        Asset.objects.select_related("contract", "site").filter(serial_number=serial),
        WarrantyExtension.objects.filter(asset__serial_number=serial),
    ]


# The token's user, the customer, the SLA configuration's revisions (and the asset with its
# contract, site and warranty extensions): one round trip, compiled once per connection.
_LOOKUP = PreparedBatch("key", "customer", build=_lookup)
_LOOKUP_WITH_ASSET = PreparedBatch("key", "customer", "serial", build=_lookup_with_asset)


def _reservation(now: datetime, key: str) -> list[tuple[str, list[Any]]]:
    if not batching_available():
        return []
    statement = reservation_statement(
        now,
        ROWS_AT_MOST,
        only_if=(f"EXISTS (SELECT 1 FROM {_TOKEN_TABLE} WHERE key = %s)", [key]),  # noqa: S608
    )
    return [] if statement is None else [statement]


_TOKEN_TABLE = Token._meta.db_table


def _token_key(request: HttpRequest) -> str | None:
    parts = request.META.get("HTTP_AUTHORIZATION", "").split()
    if len(parts) != 2 or parts[0].lower() != "token":
        return None
    return parts[1]


def fast_create(request: HttpRequest) -> HttpResponse | None:
    """Create the case of a plain request and answer 201, or return None to hand it over."""
    key = _token_key(request)
    if key is None:
        return None
    fields = _decode(request)
    if fields is None:
        return None
    serial = fields["asset"]
    # The case number and keys are drawn in the same round trip, for a known token only.
    now = clock.now()
    also = _reservation(now, key)
    if serial is None:
        found = _LOOKUP.fetch(key=key, customer=fields["customer"], also=also)
    else:
        found = _LOOKUP_WITH_ASSET.fetch(
            key=key, customer=fields["customer"], serial=serial, also=also
        )
    reserved = reservation_from(now, ROWS_AT_MOST, found.pop()) if also else None
    users, customers, stamp = found[:3]
    if len(users) != 1 or len(customers) != 1:
        return None
    user = users[0]
    if not (
        user.is_active
        and not user.is_customer_contact
        and has_capability(user, Capability.VIEW_ALL)
        and has_capability(user, Capability.CREATE_CASES)
    ):
        return None
    asset = None
    if serial is not None:
        assets, extensions = found[3:]
        if len(assets) != 1:
            return None
        asset = assets[0]
        _prefetched(asset, "warranty_extensions", extensions)
    # As DRF's token authentication does: the user acts, in their own language.
    request.user = user
    activate_user_language(user)
    try:
        case = services.case_create(
            by=user,
            customer=customers[0],
            asset=asset,
            case_type=fields["case_type"],
            channel=fields["channel"],
            severity=fields["severity"],
            summary=fields["summary"],
            description=fields["description"],
            sla_config=sla_config_from(stamp),
            reserved=reserved,
        )
    except (ValidationFailed, NotAllowed):
        return None  # nothing was written: the general path answers with the reasons
    # What the serializer's ``data`` holds, without building a serializer or a ReturnDict.
    data = case_representation(case, request)
    response = HttpResponse(_renderer.render(data), status=201, content_type="application/json")
    response["Location"] = f"{request.path.rstrip('/')}/{case.number}/"
    response["ETag"] = f'"{case.version}"'
    return response


def _prefetched(instance: Any, name: str, rows: list[Any]) -> None:
    """Put ``rows`` in ``instance``'s prefetch cache for the reverse relation ``name``, as
    ``prefetch_related(name)`` would."""
    related = type(instance)._meta.get_field(name).related_model
    qs = related._base_manager.all()  # what the reverse relation's manager would give, unfiltered
    qs._result_cache = rows  # noqa: SLF001 - what prefetch_related does
    qs._prefetch_done = True  # noqa: SLF001
    instance._prefetched_objects_cache = {name: qs}  # noqa: SLF001
