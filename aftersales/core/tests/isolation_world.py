"""A fixture world for the isolation probes: two customer organisations, each owning one of
everything a URL parameter can name, and the shared configuration both see.

Every organisation's objects carry a marker in their text (``MARK-A-…`` / ``MARK-B-…``) so a
response can be searched for the other organisation's data whatever its shape.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from aftersales.accounts.choices import UserRole
from aftersales.accounts.models import User
from aftersales.accounts.services import token_get_or_create
from aftersales.catalog.choices import ServiceLevel
from aftersales.catalog.models import Asset, Contract, Product
from aftersales.core import clock
from aftersales.customers.models import Contact, Customer, Region, Site


@dataclass
class Org:
    """One customer organisation: its signed-in contact and one object of every kind."""

    tag: str
    customer: Customer
    user: User
    ids: dict[str, Any] = field(default_factory=dict)  # kind → value in a URL
    markers: list[str] = field(default_factory=list)  # strings only this org's data contains
    objects: dict[str, Any] = field(default_factory=dict)


@dataclass
class World:
    a: Org
    b: Org
    shared: dict[str, Any]  # kind → value of configuration every signed-in user shares
    staff: dict[str, User]


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGBA", (40, 20), (0, 0, 0, 255)).save(buffer, format="PNG")
    return buffer.getvalue()


_PNG = _png()


def _mk(model: Any, **fields: Any) -> Any:
    """``model.objects.create`` with every required date/time the caller left out set to now."""
    from django.db import models
    from django.db.models import NOT_PROVIDED

    now = clock.now()
    for f in model._meta.concrete_fields:
        if f.name in fields or f.null or f.default is not NOT_PROVIDED:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            continue
        if isinstance(f, models.DateTimeField):
            fields[f.name] = now
        elif isinstance(f, models.DateField):
            fields[f.name] = now.date()
    return model.objects.create(**fields)


def _user(username: str, role: str, **extra: Any) -> User:
    user = User.objects.create_user(
        username=username, password="pw-Secret-123", role=role, email=f"{username}@ex.cn", **extra
    )
    return user


def _shared(staff: dict[str, User]) -> dict[str, Any]:
    from aftersales.calendars.models import BusinessCalendar
    from aftersales.knowledge.models import Article, Manual
    from aftersales.mailin.models import Mailbox
    from aftersales.notifications.models import OnCallShift
    from aftersales.parts import services as parts
    from aftersales.parts.models import MinimumLevel, ReplenishmentRequest
    from aftersales.releases.models import SoftwareRelease
    from aftersales.sla.models import EscalationRule, SlaPolicy
    from aftersales.surveys.models import Campaign, Questionnaire

    now = clock.now()
    region = _mk(Region, code="iso-east", name="Isolation East")
    product = _mk(Product, code="ISO-PRD", name="Isolation switch", category="network")
    calendar = BusinessCalendar.objects.order_by("pk").first()
    depot = parts.depot_create(by=staff["clerk"], code="ISO-DEP", name="Depot", region=region)
    part = parts.part_create(by=staff["clerk"], part_number="ISO-PART", name="PSU")
    parts.stock_move(
        by=staff["clerk"], depot=depot, part=part, kind="receipt", to_condition="good", quantity=5
    )
    _mk(MinimumLevel, depot=depot, part=part, minimum=1)
    replenishment = _mk(
        ReplenishmentRequest, depot=depot, part=part, quantity=2, created_by=staff["clerk"]
    )
    questionnaire = _mk(Questionnaire, code="iso-q", name="Isolation questionnaire")
    campaign = _mk(
        Campaign,
        name="Isolation campaign",
        questionnaire=questionnaire,
        created_by=staff["supervisor"],
    )
    public_article = _mk(
        Article,
        title="Public FAQ everyone may read",
        category="faq",
        body="Open to every customer.",
        audience="customer",
        status="published",
        created_by=staff["agent"],
    )
    manual = _mk(Manual, code="iso-manual", title="Isolation manual")
    release = _mk(
        SoftwareRelease,
        product=product,
        version="9.9.9",
        severity="bugfix",
        released_on=now.date(),
        notes_zh="修复",
        created_by=staff["admin"],
    )
    shift = _mk(
        OnCallShift, user=staff["engineer"], starts_at=now, ends_at=now + dt.timedelta(hours=8)
    )
    mailbox = _mk(Mailbox, name="Isolation inbox", host="127.0.0.1", username="support")
    return {
        "region": region.code,
        "product": product.code,
        "calendar": calendar.code if calendar else "24x7",
        "sla_policy": SlaPolicy.objects.order_by("pk").values_list("code", flat=True).first()
        or "default",
        "escalation_rule": EscalationRule.objects.order_by("pk")
        .values_list("pk", flat=True)
        .first()
        or 1,
        "depot": depot.code,
        "part": part.part_number,
        "replenishment": replenishment.pk,
        "campaign": campaign.pk,
        "article_public": public_article.pk,
        "manual": manual.code,
        "release": release.pk,
        "oncall_shift": shift.pk,
        "mailbox": mailbox.pk,
        "engineer": staff["engineer"].username,
        "staff_user": staff["agent"].username,
        "_objects": {
            "region": region,
            "product": product,
            "depot": depot,
            "part": part,
            "questionnaire": questionnaire,
            "release": release,
            "mailbox": mailbox,
        },
    }


def _org(tag: str, shared: dict[str, Any], staff: dict[str, User]) -> Org:
    from aftersales.cases.services import attachment_add, case_comment, case_create
    from aftersales.channels.models import Call, Chat
    from aftersales.complaints.models import Complaint
    from aftersales.dispatch.models import BackupUnit, ChecklistItem, Loan, Visit
    from aftersales.exports.models import ExportJob
    from aftersales.inspection.models import Delivery, DeliveryLine, Dispute, Inspection
    from aftersales.knowledge.models import Article, ArticleCaseLink
    from aftersales.mailin.models import InboundMessage
    from aftersales.notifications.models import Delivery as NotificationDelivery
    from aftersales.notifications.models import NotificationEvent
    from aftersales.parts.models import ExchangeRepair, Replacement
    from aftersales.releases.models import ReleaseNotice
    from aftersales.returns.models import ReturnRequest
    from aftersales.servicereports.models import ReportAddendum, ServiceReport
    from aftersales.surveys.models import FollowUp, Survey
    from aftersales.warranty.models import Quote

    now = clock.now()
    today = now.date()
    objs = shared["_objects"]
    mark = f"MARK-{tag}"
    customer = _mk(Customer, code=f"ISO{tag}", name=f"{mark}-customer", region=objs["region"])
    contact = _mk(
        Contact,
        customer=customer,
        name=f"{mark}-contact",
        email=f"contact-{tag.lower()}@iso.example.cn",
        mobile=f"1390000000{ord(tag) % 10}",
    )
    user = _user(
        f"iso_contact_{tag.lower()}",
        UserRole.CUSTOMER_CONTACT,
        customer=customer,
        first_name=f"{mark}-user",
    )
    site = _mk(Site, customer=customer, name=f"{mark}-site")
    contract = _mk(
        Contract,
        number=f"ISO-CT-{tag}",
        customer=customer,
        service_level=ServiceLevel.PREMIUM_7X24,
        hardware_warranty_months=36,
        software_upgrade_months=36,
        start_date=today - dt.timedelta(days=30),
        end_date=today + dt.timedelta(days=700),
    )
    asset = _mk(
        Asset,
        serial_number=f"ISO-SN-{tag}",
        product=objs["product"],
        customer=customer,
        site=site,
        contract=contract,
        purchase_date=today - dt.timedelta(days=40),
    )

    def new_case(case_type: str, summary: str) -> Any:
        return case_create(
            by=staff["agent"],
            customer=customer,
            asset=asset,
            contact=contact,
            case_type=case_type,
            channel="phone",
            severity="C-1",
            summary=f"{mark}-{summary}",
            description=f"{mark} description of {summary}",
        )

    case = new_case("fault", "fault")
    claim_case = new_case("warranty_claim", "claim")
    return_case = new_case("return_exchange", "return")
    complaint_case = new_case("complaint", "complaint")
    case_comment(case=case, by=staff["agent"], body=f"{mark}-public-reply")
    internal = case_comment(
        case=case, by=staff["agent"], body=f"{mark}-internal-note", public=False
    )
    attachment = attachment_add(
        case=case,
        by=staff["agent"],
        upload=SimpleUploadedFile(
            f"log-{tag}.txt", f"{mark}-file-content".encode(), content_type="text/plain"
        ),
    )
    visit = _mk(
        Visit,
        case=case,
        engineer=staff["engineer"],
        planned_at=now,
        created_by=staff["agent"],
        created_at=now,
    )
    checklist = _mk(ChecklistItem, case=case, position=1, text=f"{mark}-checklist")
    unit = _mk(
        BackupUnit, serial_number=f"ISO-BK-{tag}", product=objs["product"], region=objs["region"]
    )
    loan = _mk(
        Loan,
        unit=unit,
        case=case,
        issued_at=now,
        issued_by=staff["engineer"],
        due_back=today + dt.timedelta(days=10),
    )
    report = _mk(
        ServiceReport,
        case=case,
        visit=visit,
        engineer=staff["engineer"],
        problem=f"{mark}-report-problem",
    )
    _mk(ReportAddendum, report=report, text=f"{mark}-addendum", author=staff["engineer"])
    replacement = _mk(
        Replacement,
        number=f"ISO-RP-{tag}",
        case=case,
        part=objs["part"],
        depot=objs["depot"],
        fault_confirmed_at=now,
        ship_by=now + dt.timedelta(hours=4),
    )
    exchange = _mk(
        ExchangeRepair,
        number=f"ISO-EX-{tag}",
        case=case,
        part=objs["part"],
        depot=objs["depot"],
        received_at=now,
        warn_at=now + dt.timedelta(hours=40),
        due_at=now + dt.timedelta(hours=72),
    )
    quote = _mk(
        Quote,
        number=f"ISO-Q-{tag}",
        case=claim_case,
        total=Decimal("100.00"),
        valid_until=today + dt.timedelta(days=30),
        created_by=staff["supervisor"],
    )
    return_request = _mk(
        ReturnRequest,
        case=return_case,
        kind="return",
        reason="quality",
        requested_on=today,
        asset=asset,
    )
    complaint = _mk(Complaint, case=complaint_case, subject_kind="service", complained_at=now)
    delivery = _mk(
        Delivery,
        customer=customer,
        delivery_date=today,
        purchaser=contact,
        project=f"{mark}-delivery",
        created_by=staff["agent"],
    )
    line = _mk(DeliveryLine, delivery=delivery, product=objs["product"], quantity=1)
    inspection = _mk(
        Inspection,
        delivery=delivery,
        stage="initial",
        signed_by=staff["inspector"],
        signer_name=f"{mark}-inspector",
        signer_role="QC",
        signed_at=now,
        signature=ContentFile(_PNG, name=f"iso-{tag}.png"),
    )
    dispute = _mk(
        Dispute, line=line, report=f"{mark}-dispute", raised_by=staff["inspector"], raised_at=now
    )
    survey = _mk(
        Survey,
        token=f"iso-survey-token-{tag.lower()}-0123456789abcdef",
        questionnaire=objs["questionnaire"],
        customer=customer,
        case=case,
        contact=contact,
        sent_at=now,
        expires_at=now + dt.timedelta(days=14),
    )
    follow_up = _mk(FollowUp, survey=survey)
    _mk(Chat, case=case, started_at=now, last_message_at=now, started_by=user)
    call = _mk(
        Call,
        external_id=f"iso-call-{tag}",
        caller_number=contact.mobile,
        caller_normalized=contact.mobile,
        started_at=now,
        customer=customer,
        contact=contact,
        case=case,
    )
    event = _mk(
        NotificationEvent, kind="case_created", case=case, dedupe_key=f"iso-{tag}", created_at=now
    )
    notification = _mk(
        NotificationDelivery,
        kind="case_created",
        channel="email",
        address=contact.email,
        dedupe_key=f"iso-{tag}",
        created_at=now,
        event=event,
        case=case,
        contact=contact,
        subject=f"{mark}-notification",
    )
    inbound = _mk(
        InboundMessage,
        mailbox=objs["mailbox"],
        message_key=f"iso-mail-{tag}",
        received_at=now,
        case=case,
        subject=f"{mark}-mail",
        raw=ContentFile(f"Subject: {mark}\n\n{mark}".encode(), name=f"iso-{tag}.eml"),
    )
    export = _mk(
        ExportJob,
        user=staff["agent"],  # exports are staff work; the owner's download is the control
        report="cases",
        title=f"{mark}-export",
        format="csv",
        filename=f"iso-{tag}.csv",
        status="done",
        file=ContentFile(f"number\n{mark}-export-row\n".encode(), name=f"iso-{tag}.csv"),
    )
    internal_article = _mk(
        Article,
        title=f"{mark}-internal-article",
        category="solution",
        body=f"{mark} internal solution",
        audience="internal",
        status="published",
        created_by=staff["agent"],
        source_case=case,
    )
    _mk(ArticleCaseLink, article=internal_article, case=case, linked_by=staff["agent"])
    _mk(
        ReleaseNotice,
        release=objs["release"],
        customer=customer,
        contact=contact,
        email=contact.email,
    )
    return Org(
        tag=tag,
        customer=customer,
        user=user,
        ids={
            "case": case.number,
            "claim_case": claim_case.number,
            "return_case": return_case.number,
            "complaint_case": complaint_case.number,
            "comment": internal.pk,
            "attachment": attachment.pk,
            "customer": customer.code,
            "contact": contact.pk,
            "site": site.pk,
            "contract": contract.number,
            "asset": asset.serial_number,
            "user": user.username,
            "visit": visit.pk,
            "checklist": checklist.pk,
            "loan": loan.pk,
            "report": report.pk,
            "replacement": replacement.number,
            "exchange": exchange.number,
            "quote": quote.number,
            "return": return_request.case.number,
            "complaint": complaint.case.number,
            "delivery": delivery.pk,
            "line": line.pk,
            "inspection": inspection.pk,
            "dispute": dispute.pk,
            "survey": survey.pk,
            "survey_token": survey.token,
            "survey_token_guess": f"iso-survey-token-{tag.lower()}-0123456789abcdee",
            "follow_up": follow_up.pk,
            "call": call.pk,
            "notification": notification.pk,
            "inbound": inbound.pk,
            "export": export.pk,
            "article_internal": internal_article.pk,
        },
        markers=[mark, customer.code, case.number, asset.serial_number, contract.number],
        objects={
            "case": case,
            "attachment": attachment,
            "export": export,
            "contact": contact,
            "survey": survey,
        },
    )


def build_world() -> World:
    """Build both organisations and the shared configuration (inside the test's transaction)."""
    staff = {
        "admin": _user("iso_admin", UserRole.ADMIN, is_staff=True, is_superuser=True),
        "supervisor": _user("iso_supervisor", UserRole.SUPERVISOR),
        "agent": _user("iso_agent", UserRole.AGENT),
        "engineer": _user("iso_engineer", UserRole.ENGINEER),
        "clerk": _user("iso_clerk", UserRole.PARTS_CLERK),
        "inspector": _user("iso_inspector", UserRole.INSPECTOR),
    }
    shared = _shared(staff)
    a = _org("A", shared, staff)
    b = _org("B", shared, staff)
    for org in (a, b):
        token_get_or_create(user=org.user)
    return World(a=a, b=b, shared=shared, staff=staff)
