"""The portal page of available software upgrades per unit."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from aftersales.core import clock
from aftersales.portal.views import contact_required
from aftersales.releases import selectors


@contact_required
def upgrades(request: HttpRequest) -> HttpResponse:
    rows = selectors.upgrades_by_asset(user=request.user, on=clock.today())
    return render(request, "releases/upgrades.html", {"rows": rows, "nav": "assets"})
