"""Build unsaved model instances on hot paths, as ``Model(**values)`` builds them, faster.

``Model.__init__`` walks every field of the model with generic code: it pops each keyword,
asks each field for its default, and assigns related objects through their descriptors, which
check the object's type and consult the database routers on every call. Creating a case builds
eight such instances (the case, its clocks, their events, its timeline, its outbox event), and
that generic walk cost as much as the rules that decide what goes in them.

``build(Model, **values)`` does the same from a plan made once per model: values and defaults go
straight into the instance's ``__dict__``, a related object's key into its ``*_id`` attribute
and the object into the relation's cache, with the database bookkeeping the descriptor does
(``_state.db`` of both objects, as Django's router decides it when no router is configured).
It hands the call to ``Model(**values)`` — which then decides, errors included — whenever the
plan does not cover it: a model with ``pre_init``/``post_init`` receivers, configured database
routers, a field with a descriptor of its own (files) or a relation other than a plain foreign
key, a value that is not a concrete field (a property, a generic relation), a deferred value,
a related object of another model or from another database than the instance's. Tests hold the
result to ``Model(**values)`` for every model of the project.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, router
from django.db.models import DEFERRED, ForeignKey, Model
from django.db.models.base import ModelState
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init

M = TypeVar("M", bound=Model)

# A foreign key's remote model (concrete), cache name and the remote attribute it copies.
_Relation = tuple[type[Model], str, str]
# Per field: (name, attname, default, relation or None); None when the model is not covered.
_Plan = list[tuple[str, str, Callable[[], Any], _Relation | None]] | None

_plans: dict[type[Model], _Plan] = {}


def _make_plan(model: type[Model]) -> _Plan:
    opts = model._meta
    if opts.abstract or opts.private_fields:
        return None
    plan = []
    for field in opts.fields:
        if field.column is None or field.generated:
            return None  # virtual or generated fields: Django's own walk
        relation = None
        if field.is_relation:
            if type(field) is not ForeignKey or len(field.related_fields) != 1:
                return None  # one-to-one (reverse caches), composite relations
            relation = (
                field.remote_field.model._meta.concrete_model,
                field.cache_name,
                field.target_field.attname,
            )
        elif type(inspect.getattr_static(model, field.attname, None)) is not DeferredAttribute:
            return None  # a descriptor of its own (files) sets more than the attribute
        plan.append((field.name, field.attname, field.get_default, relation))
    return plan


def build(model: type[M], **values: Any) -> M:
    """Return ``model(**values)``: an unsaved instance with those values and the defaults."""
    plan = _plans.get(model, _plans)
    if plan is _plans:
        plan = _plans[model] = _make_plan(model)
    if (
        plan is None
        or router.routers
        or (pre_init.receivers and pre_init.has_listeners(model))
        or (post_init.receivers and post_init.has_listeners(model))
    ):
        return model(**values)
    state = ModelState()
    cache = state.fields_cache
    attrs: dict[str, Any] = {"_state": state}
    taken = 0
    for name, attname, default, relation in plan:  # type: ignore[union-attr]
        if relation is not None and name in values:
            related = values[name]
            taken += 1
            if related is None:
                attrs[attname] = None
                cache[relation[1]] = None
                continue
            if related is DEFERRED or not isinstance(related, relation[0]):
                return model(**values)  # Django skips it, or refuses it
            # As the descriptor, through a router that has no router to ask.
            related_state = related._state
            if state.db is None:
                state.db = related_state.db or DEFAULT_DB_ALIAS
            if related_state.db is None:
                related_state.db = state.db
            elif related_state.db != state.db:
                return model(**values)  # Django refuses the relation
            attrs[attname] = getattr(related, relation[2])
            cache[relation[1]] = related
        elif attname in values:
            value = values[attname]
            if value is DEFERRED:
                return model(**values)
            attrs[attname] = value
            taken += 1
        else:
            attrs[attname] = default()
    if taken != len(values):
        # Something else: a property, an unknown name, a relation given twice.
        return model(**values)
    instance = model.__new__(model)
    instance.__dict__.update(attrs)
    return instance
