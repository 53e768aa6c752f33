"""``{% case_panels "console" %}``: the panels other apps add to a case page."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from aftersales.core.panels import render_panels

register = template.Library()


@register.simple_tag(takes_context=True)
def case_panels(context: dict[str, Any], surface: str) -> SafeString:
    return render_panels(surface, context["request"], context["case"])
