"""Record changes of the audited models and sign-ins, whichever way they happen.

The admin, the API, the services, commands and tasks all save through the ORM, so the model
signals catch every one of them (bulk writes excepted: the services that write in bulk call
:func:`aftersales.audit.services.audit_record` themselves). Before a row is saved its stored
values are read, so each entry holds every changed field before and after.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from django.apps import apps
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from aftersales.audit.registry import AUDITED_MODELS, IGNORED_FIELDS, MASK, SECRET_FIELDS

_BEFORE = "_audit_before"


def audited_models() -> list[type[models.Model]]:
    """Return the audited model classes that are installed."""
    found = []
    for label in AUDITED_MODELS:
        try:
            found.append(apps.get_model(label))
        except LookupError:
            continue
    return found


def object_type(model: type[models.Model] | models.Model) -> str:
    return model._meta.label_lower


def _fields(instance: models.Model) -> list[models.Field]:
    return [
        f
        for f in instance._meta.concrete_fields
        if f.name not in IGNORED_FIELDS and not f.primary_key
    ]


def is_secret(name: str) -> bool:
    return name in SECRET_FIELDS or name.endswith(("password", "secret", "token"))


def as_text(value: Any) -> str | None:
    """Return ``value`` as the text the trail keeps (None stays None)."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bool | int | float | str):
        return str(value)
    return str(value)


def _values(instance: models.Model) -> dict[str, str | None]:
    return {f.name: as_text(f.value_from_object(instance)) for f in _fields(instance)}


def _diff(
    before: dict[str, str | None], after: dict[str, str | None]
) -> dict[str, list[str | None]]:
    changes: dict[str, list[str | None]] = {}
    for name, new in after.items():
        old = before.get(name)
        if old != new:
            changes[name] = [MASK, MASK] if is_secret(name) else [old, new]
    return changes


def _on_pre_save(sender: type[models.Model], instance: models.Model, raw: bool, **kw: Any) -> None:
    if raw or instance.pk is None or instance._state.adding:
        return
    stored = sender._default_manager.filter(pk=instance.pk).first()
    if stored is not None:
        instance.__dict__[_BEFORE] = _values(stored)


def _on_post_save(
    sender: type[models.Model], instance: models.Model, created: bool, raw: bool, **kw: Any
) -> None:
    from aftersales.audit.services import audit_record

    if raw:
        return
    after = _values(instance)
    before = instance.__dict__.pop(_BEFORE, None)
    if created or before is None:
        changes = _diff({}, {k: v for k, v in after.items() if v not in (None, "")})
        action = "create"
    else:
        changes = _diff(before, after)
        update_fields = kw.get("update_fields")
        if update_fields:
            changes = {k: v for k, v in changes.items() if k in update_fields}
        if not changes:
            return
        action = "update"
    audit_record(action=action, obj=instance, changes=changes)


def _on_post_delete(sender: type[models.Model], instance: models.Model, **kw: Any) -> None:
    from aftersales.audit.services import audit_record

    changes = _diff({k: v for k, v in _values(instance).items() if v not in (None, "")}, {})
    changes = {k: [v[0], None] for k, v in changes.items()}
    audit_record(action="delete", obj=instance, changes=changes)


def _on_m2m(
    sender: Any,
    instance: models.Model,
    action: str,
    reverse: bool,
    model: type[models.Model],
    pk_set: set[Any] | None,
    **kw: Any,
) -> None:
    """Group memberships and permissions of users and groups."""
    from aftersales.audit.services import audit_record

    if reverse or action not in ("post_add", "post_remove", "pre_clear", "post_clear"):
        return
    field = next(
        (
            f
            for f in instance._meta.many_to_many
            if getattr(f.remote_field, "through", None) is sender
        ),
        None,
    )
    if field is None:
        return
    manager = getattr(instance, field.name)
    if action == "pre_clear":
        instance.__dict__[f"{_BEFORE}_{field.name}"] = sorted(str(o) for o in manager.all())
        return
    now = sorted(str(o) for o in manager.all())
    if action == "post_clear":
        then = instance.__dict__.pop(f"{_BEFORE}_{field.name}", [])
    else:
        touched = {str(o) for o in model._default_manager.filter(pk__in=pk_set or [])}
        then = sorted(set(now) - touched) if action == "post_add" else sorted(set(now) | touched)
    if then != now:
        audit_record(
            action="update", obj=instance, changes={field.name: ["; ".join(then), "; ".join(now)]}
        )


def _on_login(sender: Any, request: Any, user: Any, **kw: Any) -> None:
    from aftersales.audit.services import audit_record

    audit_record(action="login", obj=user, actor=user)


def _on_logout(sender: Any, request: Any, user: Any, **kw: Any) -> None:
    from aftersales.audit.services import audit_record

    if user is not None:
        audit_record(action="logout", obj=user, actor=user)


def _on_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any
) -> None:
    from aftersales.audit.services import audit_record

    username = str(credentials.get("username") or "")[:150]
    user_model = apps.get_model("accounts", "User")
    user = user_model._default_manager.filter(username=username).first()
    audit_record(
        action="login_failed",
        obj=user,
        object_type=object_type(user_model),
        object_repr=username,
        actor=None,
    )


def connect() -> None:
    """Connect the receivers (AppConfig.ready)."""
    for model in audited_models():
        uid = f"audit-{object_type(model)}"
        pre_save.connect(_on_pre_save, sender=model, dispatch_uid=f"{uid}-pre", weak=False)
        post_save.connect(_on_post_save, sender=model, dispatch_uid=f"{uid}-post", weak=False)
        post_delete.connect(_on_post_delete, sender=model, dispatch_uid=f"{uid}-del", weak=False)
        for field in model._meta.many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(
                _on_m2m, sender=through, dispatch_uid=f"{uid}-m2m-{field.name}", weak=False
            )
    user_logged_in.connect(_on_login, dispatch_uid="audit-login", weak=False)
    user_logged_out.connect(_on_logout, dispatch_uid="audit-logout", weak=False)
    user_login_failed.connect(_on_login_failed, dispatch_uid="audit-login-failed", weak=False)
