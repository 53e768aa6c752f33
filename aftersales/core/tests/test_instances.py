"""``core.instances.build`` gives what ``Model(**values)`` gives, for every model of the project."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.apps import apps
from django.db.models import DEFERRED, Model
from django.db.models.signals import post_init, pre_init
from django.test import override_settings

from aftersales.accounts.models import User
from aftersales.cases.models import Attachment, Case, CaseEvent
from aftersales.core import instances
from aftersales.core.instances import build
from aftersales.customers.models import Customer
from aftersales.notifications.models import NotificationEvent
from aftersales.sla.models import SlaClock, SlaClockEvent

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


def _models() -> list[type[Model]]:
    return [
        m
        for m in apps.get_models()
        if m._meta.app_label.startswith(("cases", "sla", "notifications", "customers"))
        or m.__module__.startswith("aftersales.")
    ]


def _shape(instance: Model) -> dict[str, Any]:
    """The instance's attributes, with values of callable defaults reduced to their type
    (two calls of ``timezone.now`` or ``uuid4`` differ), and its state."""
    callable_defaults = {
        f.attname
        for f in instance._meta.concrete_fields
        if f.has_default() and callable(f.default) and f.default not in (dict, list)
    }
    attrs = {
        k: (type(v) if k in callable_defaults else v)
        for k, v in instance.__dict__.items()
        if k != "_state"
    }
    state = instance._state
    return {
        "attrs": attrs,
        "order": list(instance.__dict__),
        "db": state.db,
        "adding": state.adding,
        "cache": {k: id(v) for k, v in state.fields_cache.items()},
    }


def _same(model: type[Model], **values: Any) -> Model:
    ours = build(model, **values)
    theirs = model(**values)
    assert type(ours) is model
    assert _shape(ours) == _shape(theirs)
    return ours


@pytest.mark.parametrize("model", _models(), ids=lambda m: m._meta.label)
def test_every_model_with_its_defaults(model: type[Model]) -> None:
    _same(model)


@pytest.fixture
def world() -> dict[str, Any]:
    customer = Customer(pk=7, code="C7", name="客户")
    customer._state.adding, customer._state.db = False, "default"
    user = User(pk=3, username="agent")
    user._state.adding, user._state.db = False, "default"
    return {"customer": customer, "user": user}


def test_case_with_saved_and_missing_relations(world: dict[str, Any]) -> None:
    case = _same(
        Case,
        case_type="fault",
        channel="api",
        severity="C-2",
        customer=world["customer"],
        contact=None,
        site=None,
        asset=None,
        summary="核心交换机端口频繁掉线",
        description="",
        reported_at=NOW,
        assignee=None,
        created_by=world["user"],
    )
    assert case.customer_id == 7
    assert case.customer is world["customer"]  # cached: no query
    assert case.created_by_id == 3
    assert case.assignee is None
    assert case._state.db == "default"
    assert case.status == "new"


def test_relations_to_unsaved_objects_and_their_database(world: dict[str, Any]) -> None:
    theirs_case = Case(customer=world["customer"], summary="x")
    ours_case = Case(customer=world["customer"], summary="x")
    assert theirs_case._state.db == ours_case._state.db == "default"
    fresh_case = Case(summary="unsaved")  # no related object: no database yet
    other_fresh = Case(summary="unsaved")
    assert fresh_case._state.db is None
    ours = build(CaseEvent, case=fresh_case, kind="created", actor=world["user"], at=NOW)
    theirs = CaseEvent(case=other_fresh, kind="created", actor=world["user"], at=NOW)
    assert _shape(ours)["attrs"] == _shape(theirs)["attrs"]
    assert ours.case_id is None
    assert ours.case is fresh_case
    # The descriptor gives the unsaved case the event's database, and the event the case's.
    assert fresh_case._state.db == other_fresh._state.db == "default"
    assert ours._state.db == theirs._state.db == "default"


def test_clock_events_and_outbox_rows(world: dict[str, Any]) -> None:
    case = Case(pk=11, number="SR-2026-000011", customer=world["customer"])
    case._state.adding = False
    clock = _same(
        SlaClock,
        case=case,
        target="response",
        duration_seconds=3600,
        warning_percent=80,
        started_at=NOW,
        is_paused=False,
    )
    clock.pk = 5
    _same(SlaClockEvent, clock=clock, kind="started", at=NOW, actor=None, due_at=NOW, reason="")
    _same(
        NotificationEvent,
        kind="case_created",
        case=case,
        actor=world["user"],
        data={"a": 1},
        created_at=NOW,
        dedupe_key="case_created:11",
    )


def test_keys_given_by_attribute_name(world: dict[str, Any]) -> None:
    event = _same(CaseEvent, case_id=11, actor_id=3, kind="note", at=NOW)
    assert event.case_id == 11


def test_what_django_refuses_is_refused_the_same_way(world: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="must be a"):
        Case(customer=world["user"])
    with pytest.raises(ValueError, match="must be a"):
        build(Case, customer=world["user"])
    with pytest.raises(TypeError, match="unexpected keyword"):
        build(Case, no_such_field=1)
    # Both the relation and its key: Django takes the object, then sets the key.
    assert _same(Case, customer=world["customer"], customer_id=9).customer_id == 9


def test_another_database_is_refused_as_django_does(world: dict[str, Any]) -> None:
    elsewhere = Customer(pk=8, code="C8", name="其他")
    elsewhere._state.adding, elsewhere._state.db = False, "other"
    with pytest.raises(ValueError, match="router prevents"):
        Case(created_by=world["user"], customer=elsewhere)
    with pytest.raises(ValueError, match="router prevents"):
        build(Case, created_by=world["user"], customer=elsewhere)


def test_deferred_values_are_left_to_django() -> None:
    _same(Case, summary=DEFERRED, description="x")
    assert "summary" not in build(Case, summary=DEFERRED).__dict__


def test_models_the_plan_does_not_cover_are_built_by_django() -> None:
    assert instances._make_plan(Attachment) is None  # a file field's own descriptor
    _same(Attachment, name="a.txt", file="cases/a.txt")


def test_init_receivers_still_hear_of_the_instance(world: dict[str, Any]) -> None:
    heard: list[Any] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        heard.append(kwargs.get("instance", sender))

    post_init.connect(receiver, sender=CaseEvent)
    try:
        event = build(CaseEvent, kind="note", at=NOW)
    finally:
        post_init.disconnect(receiver, sender=CaseEvent)
    assert heard == [event]
    pre_init.connect(receiver, sender=CaseEvent)
    try:
        build(CaseEvent, kind="note", at=NOW)
    finally:
        pre_init.disconnect(receiver, sender=CaseEvent)
    assert heard[-1] is CaseEvent


class _Router:
    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return False


@override_settings(DATABASE_ROUTERS=[f"{__name__}._Router"])
def test_configured_routers_are_asked_by_django(world: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="router prevents"):
        build(Case, customer=world["customer"])
