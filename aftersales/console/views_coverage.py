"""Console pages for coverage: warranty extensions on an asset, contracts due for renewal."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.accounts.permissions import Capability, has_capability
from aftersales.catalog import selectors as catalog_selectors
from aftersales.catalog import services as catalog_services
from aftersales.console.forms import ExtensionForm, RenewalWindowForm, RenewForm
from aftersales.console.views import staff_required
from aftersales.core import clock
from aftersales.core.errors import DomainError
from aftersales.core.pages import report_domain_error, report_form_errors

# Assets without a contract shown on the renewals page (the API pages through all of them).
UNCOVERED_SHOWN = 200


@require_POST
@staff_required
def asset_extend(request: HttpRequest, serial: str) -> HttpResponse:
    """Record a warranty extension or renewal on an asset (supervisors and administrators)."""
    asset = (
        catalog_selectors.asset_list_visible_to(user=request.user)
        .filter(serial_number=serial)
        .first()
    )
    if asset is None:
        raise Http404
    form = ExtensionForm(request.POST, prefix="extend")
    if form.is_valid():
        try:
            row = catalog_services.warranty_extend(
                by=request.user, asset=asset, **form.cleaned_data
            )  # type: ignore[arg-type]
        except DomainError as exc:
            report_domain_error(request, exc)
        else:
            messages.success(
                request,
                _("Coverage extended: %(start)s to %(end)s.")
                % {"start": row.start.isoformat(), "end": row.end.isoformat()},
            )
    else:
        report_form_errors(request, form)
    return redirect(reverse("console:asset", kwargs={"serial": serial}))


@staff_required
def renewals(request: HttpRequest) -> HttpResponse:
    """Contracts ending soon (for renewal) and assets that no contract covers."""
    default = catalog_selectors.renewal_notice_days()
    form = RenewalWindowForm(request.GET or None, initial={"within": default})
    within = form.cleaned_data["within"] if form.is_bound and form.is_valid() else default
    today = clock.today()
    can_renew = has_capability(request.user, Capability.MANAGE_CONTRACTS)
    contracts = list(
        catalog_selectors.contracts_expiring(
            user=request.user, today=today, within_days=within
        ).select_related("customer")[:1000]
    )
    uncovered = catalog_selectors.assets_without_contract(user=request.user).order_by(
        "customer__name", "serial_number"
    )
    shown = list(uncovered[: UNCOVERED_SHOWN + 1])
    context = {
        "nav": "renewals",
        "form": form,
        "within": within,
        "today": today,
        "contracts": [
            (c, (c.end_date - today).days, RenewForm(prefix=f"renew-{c.pk}") if can_renew else None)
            for c in contracts
        ],
        "uncovered": shown[:UNCOVERED_SHOWN],
        "uncovered_more": len(shown) > UNCOVERED_SHOWN,
        "can_renew": can_renew,
    }
    return render(request, "console/renewals.html", context)


@require_POST
@staff_required
def contract_renew(request: HttpRequest, number: str) -> HttpResponse:
    """Renew a contract from the renewals page (supervisors and administrators)."""
    contract = (
        catalog_selectors.contract_list_visible_to(user=request.user).filter(number=number).first()
    )
    if contract is None:
        raise Http404
    form = RenewForm(request.POST, prefix=f"renew-{contract.pk}")
    if form.is_valid():
        data = dict(form.cleaned_data)
        data["service_level"] = data.get("service_level") or None
        try:
            catalog_services.contract_renew(by=request.user, contract=contract, **data)  # type: ignore[arg-type]
        except DomainError as exc:
            report_domain_error(request, exc)
        else:
            messages.success(
                request,
                _("Contract %(number)s renewed to %(end)s.")
                % {"number": contract.number, "end": data["end_date"].isoformat()},
            )
    else:
        report_form_errors(request, form)
    return redirect(reverse("console:renewals"))
