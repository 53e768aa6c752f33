"""The machinery of the isolation probes: every route of the project, what its URL parameters
name, a database fingerprint, and the probe loop.

A route is found by walking ``django.urls.get_resolver()``; ``ROUTE_KINDS`` says, for each
named route with parameters, which kind of object each parameter names (a key of
``Org.ids`` or of ``World.shared``) or which fixed values it takes (``ENUMS``). A route that
is missing from these tables makes ``test_every_route_is_covered`` fail.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connection, transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

# --- The routes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    key: str  # "namespace:name" (or the pattern when unnamed)
    pattern: str
    params: tuple[str, ...]

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/")

    @property
    def is_admin(self) -> bool:
        return self.pattern.startswith("admin/")


def all_routes() -> list[Route]:
    """Every URL pattern of the project, recursively, with its parameter names."""
    found: list[Route] = []

    def walk(resolver: URLResolver, prefix: str, namespace: str | None) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                ns = entry.namespace
                inner = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
                walk(entry, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                pattern = prefix + str(entry.pattern)
                name = entry.name or ""
                key = f"{namespace}:{name}" if namespace and name else (name or pattern)
                params = tuple(_params(pattern))
                found.append(Route(key=key, pattern=pattern, params=params))

    walk(get_resolver(), "", None)
    return found


def _params(pattern: str) -> list[str]:
    import re

    return re.findall(r"(?<!\?P)<(?:\w+:)?(\w+)>", pattern) + re.findall(r"\(\?P<(\w+)>", pattern)


# Kinds that belong to no organisation: configuration every signed-in user may know exists.
SHARED_KINDS = frozenset(
    {
        "region",
        "product",
        "calendar",
        "sla_policy",
        "escalation_rule",
        "depot",
        "part",
        "replenishment",
        "campaign",
        "manual",
        "release",
        "oncall_shift",
        "mailbox",
        "engineer",
        "article_public",
    }
)

CASE = {"number": "case"}
CLAIM = {"number": "claim_case"}

# For every named route with parameters: what each parameter names.
ROUTE_KINDS: dict[str, dict[str, str]] = {
    # Agent console (staff pages).
    "console:case": CASE,
    "console:case-reply": CASE,
    "console:case-transition": CASE,
    "console:case-update": CASE,
    "console:case-escalate": CASE,
    "console:case-attach": CASE,
    "console:customer": {"code": "customer"},
    "console:asset": {"serial": "asset"},
    "console:asset-extend": {"serial": "asset"},
    "console:contract-renew": {"number": "contract"},
    # Customer portal.
    "portal:case": CASE,
    "portal:case-reply": CASE,
    "portal:case-confirm": CASE,
    "portal:case-reopen": CASE,
    "portal:case-escalate": CASE,
    "portal:case-rating": CASE,
    # Phone, chat.
    "channels:call-dismiss": {"pk": "call"},
    "channels:call-new-case": {"pk": "call"},
    "channels:call-link": {"pk": "call"},
    "channels:call-completed": {"pk": "call"},
    "channels:console-chat": CASE,
    "channels:console-chat-messages": CASE,
    "channels:console-chat-send": CASE,
    "channels:portal-chat": CASE,
    "channels:portal-chat-messages": CASE,
    "channels:portal-chat-send": CASE,
    "mailin:retry": {"pk": "inbound"},
    # Warranty, returns, complaints.
    "warranty:claim-decide": CLAIM,
    "warranty:remedy-done": CLAIM,
    "warranty:quote-create": CLAIM,
    "warranty:quote-answer": {"number": "quote", "answer": "enum"},
    "returns:details": {"number": "return"},
    "returns:step": {"number": "return", "step": "enum"},
    "complaints:details": {"number": "complaint"},
    "complaints:step": {"number": "complaint", "step": "enum"},
    # Field service and reports.
    "dispatch:engineer": {"username": "engineer"},
    "dispatch:dispatch": CASE,
    "dispatch:checklist-tick": {"number": "case", "pk": "checklist"},
    "dispatch:acceptance": CASE,
    "dispatch:loan-issue": CASE,
    "dispatch:loan-return": {"pk": "loan"},
    "dispatch:feedback": {"pk": "visit"},
    "dispatch:visit": {"pk": "visit"},
    "dispatch:visit-step": {"pk": "visit", "step": "enum"},
    "servicereports:new-for-visit": {"visit_pk": "visit"},
    "servicereports:new-for-case": CASE,
    "servicereports:report": {"pk": "report"},
    "servicereports:edit": {"pk": "report"},
    "servicereports:sign": {"pk": "report"},
    "servicereports:addendum": {"pk": "report"},
    "servicereports:pdf": {"pk": "report"},
    "servicereports:signature": {"pk": "report"},
    # Spare parts.
    "parts:replenishment-status": {"pk": "replenishment"},
    "parts:export": {"what": "enum", "fmt": "enum"},
    "parts:case-order": {"number": "case", "what": "enum"},
    "parts:replacement-step": {"number": "replacement", "step": "enum"},
    "parts:exchange-step": {"number": "exchange"},
    # Acceptance inspection.
    "inspection:delivery": {"pk": "delivery"},
    "inspection:stage": {"pk": "delivery", "stage": "enum"},
    "inspection:pdf": {"pk": "delivery"},
    "inspection:xlsx": {"pk": "delivery"},
    "inspection:portal-delivery": {"pk": "delivery"},
    # Knowledge base.
    "knowledge:article": {"pk": "article_internal"},
    "knowledge:rate": {"pk": "article_internal"},
    "knowledge:case-search": CASE,
    "knowledge:case-to-article": CASE,
    "knowledge:case-link": {"number": "case", "pk": "article_internal"},
    "knowledge:case-insert": {"number": "case", "pk": "article_internal"},
    # Surveys, exports, files.
    "surveys:follow-up-call": {"pk": "follow_up"},
    # The survey link is a capability (contacts answer without an account): its unguessable token
    # is the key, so the probe is a guessed token, answered 404 (the own token is the control).
    "surveys:survey": {"token": "survey_token_guess"},
    "exports:row": {"pk": "export"},
    "exports:download": {"pk": "export"},
    "file-download": {"attachment_id": "attachment"},
    # --- API ---
    "case-rating": CASE,
    "mailbox-detail": {"pk": "mailbox"},
    "inbound-mail-detail": {"pk": "inbound"},
    "inbound-mail-discard": {"pk": "inbound"},
    "inbound-mail-retry": {"pk": "inbound"},
    "case-calls": CASE,
    "notification-delivery-detail": {"pk": "notification"},
    "notification-delivery-retry": {"pk": "notification"},
    "case-claim": CLAIM,
    "case-claim-remedy-done": CLAIM,
    "case-quotes": CLAIM,
    "quote-detail": {"number": "quote"},
    "quote-accept": {"number": "quote"},
    "quote-decline": {"number": "quote"},
    **{
        f"return-{x}": {"number": "return"}
        for x in (
            "detail",
            "approve",
            "exchange",
            "inspect",
            "override",
            "receive",
            "refund",
            "reject",
        )
    },
    **{
        f"complaint-{x}": {"number": "complaint"}
        for x in (
            "detail",
            "answer",
            "compensation",
            "compensation-decision",
            "conclude",
            "investigate",
            "subject",
        )
    },
    "case-dispatch-candidates": CASE,
    "case-dispatch": CASE,
    "case-visits": CASE,
    "case-checklist": CASE,
    "case-checklist-tick": {"number": "case", "pk": "checklist"},
    "case-acceptance": CASE,
    "case-loans": CASE,
    "loan-return": {"pk": "loan"},
    "visit-feedback": {"pk": "visit"},
    "oncall-swap": {"pk": "oncall_shift"},
    "visit-travel": {"pk": "visit"},
    "visit-arrive": {"pk": "visit"},
    "visit-depart": {"pk": "visit"},
    "visit-cancel": {"pk": "visit"},
    "case-reports": CASE,
    "report-detail": {"pk": "report"},
    "report-sign": {"pk": "report"},
    "report-addenda": {"pk": "report"},
    "report-pdf": {"pk": "report"},
    "depot-stock": {"code": "depot"},
    "replacement-detail": {"number": "replacement"},
    "replacement-ship": {"number": "replacement"},
    "replacement-deliver": {"number": "replacement"},
    "replacement-return": {"number": "replacement"},
    "replacement-cancel": {"number": "replacement"},
    "minimum-level-detail": {"depot": "depot", "part_number": "part"},
    "replenishment-detail": {"pk": "replenishment"},
    "replenishment-status": {"pk": "replenishment"},
    "exchange-detail": {"number": "exchange"},
    "exchange-status": {"number": "exchange"},
    "delivery-detail": {"pk": "delivery"},
    "delivery-initial": {"pk": "delivery"},
    "delivery-professional": {"pk": "delivery"},
    "delivery-final": {"pk": "delivery"},
    "delivery-final-acceptance": {"pk": "delivery"},
    "line-disputes": {"pk": "line"},
    "line-case": {"pk": "line"},
    "dispute-refer": {"pk": "dispute"},
    "dispute-decide": {"pk": "dispute"},
    "inspection-addenda": {"pk": "inspection"},
    "release-publish": {"pk": "release"},
    "release-notices": {"pk": "release"},
    "kb-article": {"pk": "article_internal"},
    "kb-article-versions": {"pk": "article_internal"},
    "kb-article-rating": {"pk": "article_internal"},
    "kb-manual-pdf": {"code": "manual"},
    "case-articles": CASE,
    "case-to-article": CASE,
    "case-survey": CASE,
    "survey-campaign-results": {"pk": "campaign"},
    "visit-survey": {"pk": "visit"},
    "survey-follow-up-calls": {"pk": "follow_up"},
    "kpi-scorecard": {"username": "engineer"},
    "user-detail": {"username": "user"},
    "region-detail": {"code": "region"},
    "customer-detail": {"code": "customer"},
    "contact-detail": {"pk": "contact"},
    "site-detail": {"pk": "site"},
    "product-detail": {"code": "product"},
    "contract-detail": {"number": "contract"},
    "contract-renew": {"number": "contract"},
    "contract-renewals": {"number": "contract"},
    "asset-detail": {"serial_number": "asset"},
    "asset-entitlement": {"serial_number": "asset"},
    "asset-extensions": {"serial_number": "asset"},
    "calendar-detail": {"code": "calendar"},
    "calendar-due": {"code": "calendar"},
    "calendar-elapsed": {"code": "calendar"},
    "calendar-export": {"code": "calendar"},
    "calendar-import-days": {"code": "calendar"},
    **{
        f"case-{x}": CASE
        for x in (
            "detail",
            "arrival",
            "attachments",
            "comments",
            "escalate",
            "sla-detail",
            "sla-reapply",
            "timeline",
            "transition",
        )
    },
    "case-attachment-download": {"number": "case", "attachment_id": "attachment"},
    "sla-policy-detail": {"code": "sla_policy"},
    "escalation-rule-detail": {"pk": "escalation_rule"},
}

# The values an enumerated parameter takes, per route (every one is probed).
ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("warranty:quote-answer", "answer"): ("accept", "decline"),
    ("returns:step", "step"): (
        "override",
        "approved",
        "rejected",
        "received",
        "inspected",
        "refunded",
        "exchanged",
    ),
    ("complaints:step", "step"): (
        "subject",
        "investigate",
        "conclude",
        "compensation",
        "compensation-decision",
        "answer",
    ),
    ("dispatch:visit-step", "step"): ("travel", "arrive", "depart", "cancel"),
    ("parts:export", "what"): ("stock", "movements"),
    ("parts:export", "fmt"): ("csv", "xlsx"),
    ("parts:case-order", "what"): ("replacement", "exchange"),
    ("parts:replacement-step", "step"): ("ship", "deliver", "return", "cancel"),
    ("inspection:stage", "stage"): ("initial", "professional", "final"),
}

# Routes without parameters: probed as lists and searches (GET with the other organisation's
# identifiers as search terms and filters) and as writes naming the other organisation.
LIST_ROUTES = frozenset(
    {
        "home",
        "console:home",
        "console:cases",
        "console:case-new",
        "console:lookup",
        "console:renewals",
        "portal:home",
        "portal:request-new",
        "portal:assets",
        "channels:console-poll",
        "channels:portal-chat-start",
        "notifications:preferences",
        "mailin:status",
        "returns:new",
        "complaints:new",
        "dispatch:my-visits",
        "dispatch:oncall",
        "dispatch:loans",
        "parts:stock",
        "parts:movements",
        "parts:replacements",
        "parts:minimum-save",
        "parts:replenishment-new",
        "inspection:deliveries",
        "inspection:portal-deliveries",
        "releases:upgrades",
        "knowledge:articles",
        "knowledge:suggest",
        "surveys:follow-ups",
        "kpi:dashboard",
        "kpi:scorecards",
        "kpi:support",
        "exports:list",
        "mailbox-list",
        "inbound-mail-list",
        "cti-calls",
        "sms-inbound",
        "notification-delivery-list",
        "return-list",
        "complaint-list",
        "complaint-against",
        "oncall",
        "depot-list",
        "part-list",
        "replacement-list",
        "minimum-level-list",
        "low-stock",
        "replenishment-list",
        "exchange-list",
        "deliveries",
        "releases",
        "training-staff",
        "training-sessions",
        "kb-articles",
        "survey-campaigns",
        "survey-follow-ups",
        "kpi-summary",
        "kpi-scorecards",
        "user-list",
        "user-me",
        "region-list",
        "customer-list",
        "contact-list",
        "site-list",
        "product-list",
        "contract-list",
        "contract-expiring",
        "asset-list",
        "calendar-list",
        "case-list",
        "sla-policy-list",
        "escalation-rule-list",
        "api-root",
        "audit:trail",
        "audit-export",
    }
)

# Routes left out of the probes, each with the reason.
ALLOWED: dict[str, str] = {
    "healthz": "operations probe: no data, no session",
    "readyz": "operations probe: no data, no session",
    "metrics": "Prometheus metrics: aggregates only, no organisation's rows",
    "login": "sign-in page",
    "logout": "sign-out",
    "rest_framework:login": "sign-in page of the browsable API",
    "rest_framework:logout": "sign-out of the browsable API",
    "two-factor": "the signed-in user's own second factor",
    "two-factor-setup": "the signed-in user's own second factor",
    "two-factor-verify": "the signed-in user's own second factor",
    "two-factor-recovery-codes": "the signed-in user's own second factor",
    "two-factor-disable": "the signed-in user's own second factor",
    "language": "the signed-in user's own language",
    "set_language": "Django's language switch (a cookie)",
    "schema": "the OpenAPI schema: no data",
    "api-docs": "Swagger UI: no data",
    # Signed webhooks of telephony and SMS gateways: authenticated by an HMAC of the body, not by
    # a user; a contact's session or token carries no weight there (probed below as lists).
}


# --- Database fingerprint ---------------------------------------------------------------------

# Tables a request may legitimately write whatever it asks: sessions and sign-in throttling.
VOLATILE_TABLES = frozenset(
    {"django_session", "axes_accessattempt", "axes_accesslog", "axes_accessfailurelog"}
)


def fingerprint_tables() -> list[str]:
    tables: set[str] = set()
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            tables.add(model._meta.db_table)
    existing = set(connection.introspection.table_names())
    return sorted((tables & existing) - VOLATILE_TABLES)


def fingerprint(tables: list[str]) -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every row of every table."""
    result: dict[str, tuple[int, str]] = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows = sorted(repr(row) for row in cursor.fetchall())
            digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
            result[table] = (len(rows), digest)
    return result


def write_counter() -> int:
    """A number that grows whenever this connection writes a row (cheap; checked per request)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT total_changes()")
        else:
            cursor.execute(
                "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)"
                " FROM pg_stat_xact_user_tables"
            )
        return int(cursor.fetchone()[0])


# --- Requests ---------------------------------------------------------------------------------

METHODS = ("get", "post", "put", "patch", "delete")


def plausible_body(other: dict[str, Any]) -> dict[str, Any]:
    """A body shaped like the real ones, naming the other organisation's objects."""
    return {
        "body": "probe",
        "text": "probe",
        "note": "probe",
        "reason": "probe",
        "comment": "probe",
        "summary": "probe",
        "description": "probe",
        "public": True,
        "status": "closed",
        "severity": "C-1",
        "case_type": "fault",
        "channel": "web",
        "score": 5,
        "rating": 5,
        "helpful": True,
        "done": True,
        "answer": "accept",
        "decision": "covered",
        "verdict": "pass",
        "quantity": 1,
        "signer_name": "probe",
        "work_performed": "probe",
        "carrier": "probe",
        "tracking_number": "probe",
        "end_date": "2030-12-31",
        "due_back": "2030-12-31",
        "customer": other["customer"],
        "asset": other["asset"],
        "contract": other["contract"],
        "case": other["case"],
        "contact": other["contact"],
        "site": other["site"],
        "serial_number": other["asset"],
        "number": other["case"],
        "search": other["case"],
    }


@dataclass
class Probe:
    route: Route
    method: str
    url: str
    label: str  # which identifiers filled the URL


def route_urls(
    route: Route, *, mine: dict[str, Any], other: dict[str, Any], shared: dict[str, Any]
) -> Iterator[tuple[str, str]]:
    """The URLs to probe for ``route``: every parameter the other organisation's (or shared);
    with two object parameters also each mix of one of mine with one of theirs."""
    kinds = ROUTE_KINDS[route.key]
    enum_values = [ENUMS[(route.key, p)] if kinds[p] == "enum" else (None,) for p in route.params]
    object_params = [p for p in route.params if kinds[p] not in ("enum",)]
    mixes: list[dict[str, str]] = [dict.fromkeys(object_params, "other")]
    if len(object_params) > 1:
        for p in object_params:
            mix = dict.fromkeys(object_params, "mine")
            mix[p] = "other"
            mixes.append(mix)
    for mix in mixes:
        for values in itertools.product(*enum_values):
            kwargs: dict[str, Any] = {}
            for p, value in zip(route.params, values, strict=True):
                kind = kinds[p]
                if kind == "enum":
                    kwargs[p] = value
                elif kind in SHARED_KINDS:
                    kwargs[p] = shared[kind]
                else:
                    kwargs[p] = (other if mix[p] == "other" else mine)[kind]
            label = ",".join(f"{p}={mix.get(p, kinds[p])}" for p in route.params)
            yield reverse(route.key, kwargs=kwargs), label


def is_refusal_redirect(response: Any) -> bool:
    """A redirect to sign-in, or a staff page sending a customer contact to the portal."""
    location = response.get("Location", "") if response.status_code in (301, 302, 303) else ""
    return "/login/" in location or location == reverse("portal:home")


class Savepoint:
    """Run a request inside a savepoint that is always rolled back, noting what it wrote."""

    def __init__(self, tables: list[str], baseline: dict[str, tuple[int, str]]):
        self.tables = tables
        self.baseline = baseline

    def run(self, call: Any, inspect: Any = None) -> tuple[Any, list[str], Any]:
        changed: list[str] = []
        seen = None
        with transaction.atomic():
            before = write_counter()
            try:
                response = call()
            finally:
                if write_counter() != before:
                    now = fingerprint(self.tables)
                    changed = [t for t in self.tables if now[t] != self.baseline[t]]
                if inspect is not None:
                    seen = inspect()
                transaction.set_rollback(True)
        return response, changed, seen


def org_footprint(customer: Any) -> str:
    """A checksum of every row that belongs to ``customer``'s organisation."""
    from aftersales.cases.models import Attachment, Case, CaseEvent, Comment
    from aftersales.catalog.models import Asset, Contract
    from aftersales.customers.models import Contact, Customer, Site

    parts = [
        list(Customer.objects.filter(pk=customer.pk).values()),
        *(
            list(model.objects.filter(customer=customer).order_by("pk").values())
            for model in (Contact, Site, Contract, Asset, Case)
        ),
        *(
            list(model.objects.filter(case__customer=customer).order_by("pk").values())
            for model in (Comment, CaseEvent, Attachment)
        ),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()
