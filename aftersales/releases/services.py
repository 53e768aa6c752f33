"""Record and publish software releases; notify exactly the customers entitled to upgrades.

Publishing a release finds the units of its product whose software-upgrade entitlement is active
on the publishing day (the contract's months, 3 years by default in the shipped contracts, plus
any extension), writes one notice per contact with an e-mail address of those units' customers
(unique per release and contact, so publishing twice notifies nobody twice), sends the e-mails
after the transaction commits, and can open one upgrade case per customer.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.models import User
from aftersales.accounts.permissions import Capability, has_capability
from aftersales.catalog.entitlement import entitlement_at
from aftersales.catalog.models import Asset
from aftersales.core import clock
from aftersales.core.errors import Conflict, NotAllowed, ValidationFailed
from aftersales.releases.choices import ReleaseSeverity
from aftersales.releases.models import ReleaseNotice, SoftwareRelease


def _ensure_manager(by: User) -> None:
    if not has_capability(by, Capability.MANAGE_CONTRACTS):
        raise NotAllowed(_("Only supervisors and administrators manage releases."))


@transaction.atomic
def release_create(
    *,
    by: User,
    product: Any,
    version: str,
    severity: str,
    released_on: date,
    notes_zh: str,
    notes_en: str = "",
) -> SoftwareRelease:
    """Record a software release (not yet published)."""
    _ensure_manager(by)
    version = (version or "").strip()
    if not version or len(version) > 40:
        raise ValidationFailed(_("Give the version (at most 40 characters)."), field="version")
    if severity not in ReleaseSeverity.values:
        raise ValidationFailed(_("Choose security fix, bug fix or new features."), field="severity")
    if not (notes_zh or "").strip():
        raise ValidationFailed(_("Write the release notes in Chinese."), field="notes_zh")
    if SoftwareRelease.objects.filter(product=product, version=version).exists():
        raise ValidationFailed(
            _("This version of the product is already recorded."), field="version"
        )
    return SoftwareRelease.objects.create(
        product=product,
        version=version,
        severity=severity,
        released_on=released_on,
        notes_zh=notes_zh.strip(),
        notes_en=(notes_en or "").strip(),
        created_by=by,
        created_at=clock.now(),
    )


def entitled_assets(*, release: SoftwareRelease, on: date) -> list[Asset]:
    """Return the units of the release's product entitled to software upgrades on ``on``."""
    units = (
        Asset.objects.filter(product=release.product)
        .select_related("contract", "customer")
        .prefetch_related("warranty_extensions")
        .order_by("customer__code", "serial_number")
    )
    return [a for a in units if entitlement_at(a, on).software_upgrades.active]


def _mail(release: SoftwareRelease, notice: ReleaseNotice) -> EmailMessage:
    product = release.product
    subject = f"[{product.name}] 软件升级通知 / Software upgrade: {release.version}"
    lines = [
        f"{notice.customer.name}：",
        "",
        f"{product.name} 发布了新版本 {release.version}（{release.get_severity_display()}），"
        f"您的以下设备在软件升级服务期内：{'、'.join(notice.assets)}。",
        "",
        release.notes_zh,
    ]
    if release.notes_en:
        lines += ["", "—", "", f"{product.name} {release.version}:", "", release.notes_en]
    return EmailMessage(
        subject=subject,
        body="\n".join(lines),
        from_email=getattr(settings, "NOTIFICATIONS_FROM_EMAIL", None)
        or settings.DEFAULT_FROM_EMAIL,
        to=[notice.email],
        headers={"Auto-Submitted": "auto-generated"},
    )


def _send(notice_ids: list[int]) -> None:
    notices = ReleaseNotice.objects.filter(pk__in=notice_ids, sent_at__isnull=True).select_related(
        "release__product", "customer"
    )
    for notice in notices:
        try:
            _mail(notice.release, notice).send()
        except Exception as exc:  # noqa: BLE001 - any failure is recorded on the notice
            notice.error = str(exc)[:300]
            notice.save(update_fields=["error"])
        else:
            notice.sent_at, notice.error = clock.now(), ""
            notice.save(update_fields=["sent_at", "error"])


@transaction.atomic
def release_publish(
    *, release: SoftwareRelease, by: User, open_cases: bool = False
) -> list[ReleaseNotice]:
    """Publish ``release``: notify every contact (with an e-mail) of the entitled customers.

    Returns the notices written now. ``open_cases`` opens one upgrade case per entitled customer
    for its first entitled unit. Publishing again is refused (409).
    """
    from aftersales.cases.services import case_create

    _ensure_manager(by)
    release = SoftwareRelease.objects.select_for_update().get(pk=release.pk)
    if release.published_at is not None:
        raise Conflict(_("The release was already published."), code="published")
    now = clock.now()
    on = timezone.localdate(now)
    by_customer: dict[int, list[Asset]] = defaultdict(list)
    for asset in entitled_assets(release=release, on=on):
        by_customer[asset.customer_id].append(asset)
    notices: list[ReleaseNotice] = []
    for units in by_customer.values():
        customer = units[0].customer
        case = None
        if open_cases:
            case = case_create(
                by=by,
                customer=customer,
                asset=units[0],
                case_type="upgrade",
                channel="api",
                severity="C-3",
                summary=(_("Software upgrade to %(version)s") % {"version": release.version})[:200],
                description="\n".join(a.serial_number for a in units),
            )
        serials = [a.serial_number for a in units]
        for contact in customer.contacts.exclude(email="").order_by("pk"):
            notices.append(
                ReleaseNotice(
                    release=release,
                    customer=customer,
                    contact=contact,
                    email=contact.email,
                    assets=serials,
                    case=case,
                    created_at=now,
                )
            )
    ReleaseNotice.objects.bulk_create(notices, ignore_conflicts=True)
    release.published_at, release.published_by = now, by
    release.save(update_fields=["published_at", "published_by"])
    ids = list(ReleaseNotice.objects.filter(release=release).values_list("pk", flat=True))
    transaction.on_commit(lambda: _send(ids))
    return list(ReleaseNotice.objects.filter(release=release).select_related("customer", "contact"))
