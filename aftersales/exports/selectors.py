"""Reads of the exports app: whose jobs a user sees."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from aftersales.accounts.choices import UserRole
from aftersales.exports.models import ExportJob


def exports_of(*, user: Any) -> QuerySet[ExportJob]:
    """Return the export jobs ``user`` requested, newest first."""
    return ExportJob.objects.filter(user=user).order_by("-created_at", "-id")


def export_get_for_download(*, user: Any, pk: int) -> ExportJob | None:
    """Return job ``pk`` if ``user`` requested it or is an administrator, else None."""
    jobs = ExportJob.objects.all()
    if not (user.is_superuser or getattr(user, "role", None) == UserRole.ADMIN):
        jobs = jobs.filter(user=user)
    return jobs.filter(pk=pk).first()
