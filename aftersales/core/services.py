"""Generic write helpers shared by the apps' services (no domain rules here)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model

M = TypeVar("M", bound=Model)


def model_update(
    *, instance: M, fields: list[str] | tuple[str, ...], data: dict[str, Any]
) -> tuple[M, list[str]]:
    """Set the ``fields`` present in ``data`` on ``instance``, validate and save what changed.

    Returns the instance and the names of the fields that changed. Raises Django's
    ``ValidationError`` (answered as 400 by the API) when the result is invalid.
    """
    changed = []
    for field in fields:
        if field in data and getattr(instance, field) != data[field]:
            setattr(instance, field, data[field])
            changed.append(field)
    if changed:
        instance.full_clean()
        update_fields = [*changed]
        if any(f.name == "updated_at" for f in instance._meta.fields):
            update_fields.append("updated_at")
        instance.save(update_fields=update_fields)
    return instance, changed


def model_create(model: type[M], **data: Any) -> M:
    """Validate and insert one ``model`` row from ``data``."""
    instance = model(**data)
    instance.full_clean()
    instance.save(force_insert=True)
    return instance
