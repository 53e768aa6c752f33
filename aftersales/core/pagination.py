"""Keyset (cursor) pagination for every list.

Kept apart from ``core.api`` because DRF imports it while it loads its generic views.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination


class KeysetPagination(CursorPagination):
    """Cursor pagination: constant cost per page however large the table (no COUNT, no OFFSET).

    The answer is ``{"next", "previous", "results"}`` as API.md fixes it. A view sets
    ``cursor_ordering`` to choose the order (default: newest first).
    """

    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_ordering(self, request, queryset, view):  # type: ignore[no-untyped-def]
        requested = request.query_params.get("ordering")
        choices = getattr(view, "ordering_choices", ())
        if requested:
            if requested not in choices:
                raise exceptions.ValidationError(
                    {
                        "ordering": [
                            _("Choose one of: %(choices)s.")
                            % {"choices": ", ".join(choices) or "-"}
                        ]
                    }
                )
            return (requested,)
        ordering = getattr(view, "cursor_ordering", None) or self.ordering
        return (ordering,) if isinstance(ordering, str) else tuple(ordering)

    def get_page_size(self, request):  # type: ignore[no-untyped-def]
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [_("A whole number is required.")]}
            ) from None
        if not 1 <= size <= self.max_page_size:
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        _("Must be between 1 and %(max)d.") % {"max": self.max_page_size}
                    ]
                }
            )
        return size

    def decode_cursor(self, request):  # type: ignore[no-untyped-def]
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError(
                {self.cursor_query_param: [_("Invalid cursor.")]}
            ) from None
