"""Reads of training: what qualifies an engineer on a day."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from aftersales.training.choices import TrainingResult
from aftersales.training.models import StaffTraining


def valid_trainings(*, user_ids: Any, on: date) -> QuerySet[StaffTraining]:
    """Passed trainings in a product line whose certificate is valid on ``on``."""
    return (
        StaffTraining.objects.filter(user_id__in=user_ids, result=TrainingResult.PASSED)
        .exclude(course__product_line="")
        .filter(Q(certificate_expires_on__isnull=True) | Q(certificate_expires_on__gte=on))
        .select_related("course")
    )


def trainings_of(*, user: Any) -> QuerySet[StaffTraining]:
    return StaffTraining.objects.filter(user=user).select_related("course").order_by("-held_on")
