"""OpenAPI: descriptions of our authentication classes and the schema inspector every view uses."""

from __future__ import annotations

import copy
from typing import Any

import drf_spectacular.openapi
from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.authentication import SessionScheme, TokenScheme
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers


class LocalizedSessionScheme(SessionScheme):
    target_class = "aftersales.core.authentication.LocalizedSessionAuthentication"


class LocalizedTokenScheme(TokenScheme):
    target_class = "aftersales.core.authentication.LocalizedTokenAuthentication"


class AutoSchema(drf_spectacular.openapi.AutoSchema):
    """drf-spectacular's inspector, made to describe what the API really answers.

    - Every operation documents its error answers (400, 401, 403, 404; 409 and 415 for writes;
      503 while the database is away) with the shape our exception handler gives them, so
      clients and schemathesis can check them.
    - A read-only field whose source passes through a nullable model field (``case.contract``,
      ``assignee.username``) is marked ``nullable``: DRF renders it as ``null`` then.
    """

    def _get_response_bodies(self, direction="response"):  # type: ignore[no-untyped-def]
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        error = self._error_component()
        codes = ["400", "401", "403", "404", "503"]
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            codes += ["409", "415"]
        for code in codes:
            responses.setdefault(
                code,
                {
                    "description": ERROR_DESCRIPTIONS[code],
                    "content": {"application/json": {"schema": error.ref}},
                },
            )
        return responses

    def _error_component(self) -> ResolvedComponent:
        component = ResolvedComponent(
            name="Error",
            type=ResolvedComponent.SCHEMA,
            object="Error",
            schema={
                "type": "object",
                "description": (
                    "An error: `detail` (a message) and `code` (machine-readable) for the "
                    "request as a whole, or one list of messages per offending field."
                ),
                "additionalProperties": True,
            },
        )
        self.registry.register_on_missing(component)
        return component

    def _map_serializer_field(self, field, direction, bypass_extensions=False):  # type: ignore[no-untyped-def]
        # DRF drops ``allow_blank`` from read-only model fields, yet renders their blank value.
        field = _with_blank_allowed(field, serializers.ChoiceField, _source_is_blank_choice)
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def _insert_field_validators(self, field, schema):  # type: ignore[no-untyped-def]
        # Likewise a read-only e-mail or URL that may be blank: "" is no e-mail address.
        field = _with_blank_allowed(field, serializers.CharField, _source_is_blank)
        return super()._insert_field_validators(field, schema)

    def _get_serializer_field_meta(self, field, direction):  # type: ignore[no-untyped-def]
        meta = super()._get_serializer_field_meta(field, direction)
        if field.read_only and not meta.get("nullable") and _source_is_nullable(field):
            meta["nullable"] = True
        return meta


ERROR_DESCRIPTIONS = {
    "400": "Bad input: one list of messages per field, or `detail`.",
    "401": "Not signed in (no or a bad token).",
    "403": "Signed in, but the role may not do this.",
    "404": "No such object, or not one this user may see.",
    "409": "Conflicts with the object's current state (a stale version, a move the state "
    "machine does not allow, a duplicate).",
    "415": "The body is in a media type this operation does not read.",
    "503": "The database is unreachable for a moment; retry after `Retry-After` seconds.",
}


def _with_blank_allowed(field: Any, kind: type, source_may_be_blank: Any) -> Any:
    """``field``, or a copy that allows "" when it is a read-only ``kind`` showing a model field
    that may be blank."""
    if (
        isinstance(field, kind)
        and field.read_only
        and not getattr(field, "allow_blank", True)
        and source_may_be_blank(field)
    ):
        field = copy.copy(field)
        field.allow_blank = True
    return field


def _source_model_fields(field: serializers.Field) -> list[Any]:
    """The model fields a serializer field's dotted source passes through (``case.contract``:
    Case.contract), or [] when it is not a plain model path."""
    parent = getattr(field, "parent", None)
    model = getattr(getattr(parent, "Meta", None), "model", None)
    source_attrs = getattr(field, "source_attrs", None)
    if model is None or not source_attrs or field.source == "*":
        return []
    found = []
    for attr in source_attrs:
        if model is None:
            return []
        try:
            model_field = model._meta.get_field(attr)
        except FieldDoesNotExist:
            return []
        found.append(model_field)
        model = getattr(model_field, "related_model", None)
    return found


def _source_is_nullable(field: serializers.Field) -> bool:
    """Whether a read-only field's source passes through a nullable model field."""
    return any(getattr(f, "null", False) for f in _source_model_fields(field))


def _source_is_blank(field: serializers.Field) -> bool:
    """Whether a read-only field shows a model field that may be blank ("")."""
    path = _source_model_fields(field)
    return bool(path) and getattr(path[-1], "blank", False)


def _source_is_blank_choice(field: serializers.Field) -> bool:
    """Whether a read-only choice field shows a model field that may be blank ("")."""
    path = _source_model_fields(field)
    return bool(path) and getattr(path[-1], "blank", False) and bool(path[-1].choices)
