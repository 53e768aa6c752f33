"""Record training; a passed course with a product line qualifies an engineer for dispatch."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.accounts.models import User
from aftersales.accounts.permissions import Capability, has_capability
from aftersales.catalog.entitlement import add_months
from aftersales.core.errors import NotAllowed, ValidationFailed
from aftersales.core.uploads import check_upload
from aftersales.training.choices import CourseAudience, TrainingResult
from aftersales.training.models import Attendee, Course, CustomerTrainingSession, StaffTraining


def _ensure_manager(by: User) -> None:
    if not has_capability(by, Capability.MANAGE_CONTRACTS):  # supervisors and administrators
        raise NotAllowed(_("Only supervisors and administrators record training."))


@transaction.atomic
def staff_training_record(
    *,
    by: User,
    user: User,
    course: Course,
    held_on: date,
    result: str,
    trainer: str = "",
    certificate_expires_on: date | None = None,
) -> StaffTraining:
    """Record a staff member's training; a passed course with a certificate period gets its
    expiry from the course when none is given."""
    _ensure_manager(by)
    if course.audience != CourseAudience.STAFF:
        raise ValidationFailed(_("This course is for customers' operators."), field="course")
    if not user.is_service_staff:
        raise ValidationFailed(_("Training records are for staff."), field="user")
    if result not in TrainingResult.values:
        raise ValidationFailed(_("Choose passed, failed or attended."), field="result")
    if (
        certificate_expires_on is None
        and result == TrainingResult.PASSED
        and course.certificate_months
    ):
        certificate_expires_on = add_months(held_on, course.certificate_months)
    if certificate_expires_on is not None and certificate_expires_on < held_on:
        raise ValidationFailed(
            _("The certificate cannot expire before the training."), field="certificate_expires_on"
        )
    return StaffTraining.objects.create(
        user=user,
        course=course,
        held_on=held_on,
        trainer=(trainer or "").strip()[:100],
        result=result,
        certificate_expires_on=certificate_expires_on,
        recorded_by=by,
    )


@transaction.atomic
def customer_session_record(
    *,
    by: User,
    course: Course,
    customer: Any,
    held_on: date,
    attendees: list[dict[str, Any]],
    location: str = "",
    notes: str = "",
    materials: Any = None,
) -> CustomerTrainingSession:
    """Record a training session for a customer's operators, with its attendees."""
    if not has_capability(by, Capability.WORK_CASES):
        raise NotAllowed(_("You may not record training sessions."))
    if course.audience != CourseAudience.CUSTOMER:
        raise ValidationFailed(_("This course is for staff."), field="course")
    names = [(a.get("name") or "").strip() for a in attendees]
    if not attendees or not all(names):
        raise ValidationFailed(_("List the attendees by name."), field="attendees")
    if materials:
        check_upload(materials, field="materials")
    session = CustomerTrainingSession.objects.create(
        course=course,
        customer=customer,
        held_on=held_on,
        trainer=by,
        location=(location or "").strip()[:200],
        notes=notes or "",
        **({"materials": materials} if materials else {}),
    )
    contacts = {c.pk: c for c in customer.contacts.all()}
    rows = []
    for attendee, name in zip(attendees, names, strict=True):
        result = attendee.get("result") or TrainingResult.ATTENDED
        if result not in TrainingResult.values:
            raise ValidationFailed(_("Choose passed, failed or attended."), field="attendees")
        rows.append(
            Attendee(
                session=session,
                name=name[:100],
                title=(attendee.get("title") or "")[:100],
                contact=contacts.get(attendee.get("contact")),
                result=result,
            )
        )
    Attendee.objects.bulk_create(rows)
    return session
