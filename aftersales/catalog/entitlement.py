"""What an asset is entitled to on a date: service level, warranty, upgrades, service stage.

Functions over an asset, its contract and its warranty extensions, shared by the API, SLA policy
selection and the pages. The only query is for the asset's extensions, and none when they are
prefetched (``prefetch_related("warranty_extensions")``) or passed in.
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from aftersales.catalog.choices import CoverageKind, ServiceStage, WarrantyStart

# Without a contract the seed's standard promise holds: one year from the purchase date.
DEFAULT_WARRANTY_MONTHS = 12


def add_months(day: date, months: int) -> date:
    """Return ``day`` moved by ``months`` calendar months (clamped to the month's last day)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, _calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Period:
    """An entitlement period; ``end`` is the last covered day."""

    active: bool
    start: date | None
    end: date | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "active": self.active,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
        }


@dataclass(frozen=True)
class Entitlement:
    """An asset's entitlement at one date."""

    serial_number: str
    at: date
    contract: str | None
    contract_active: bool
    service_level: str | None
    stage: str
    hardware_warranty: Period
    software_upgrades: Period

    @property
    def stage_label(self) -> str:
        return str(ServiceStage(self.stage).label)

    def as_dict(self) -> dict[str, Any]:
        return {
            "serial_number": self.serial_number,
            "at": self.at.isoformat(),
            "contract": self.contract,
            "contract_active": self.contract_active,
            "service_level": self.service_level,
            "stage": self.stage,
            "hardware_warranty": self.hardware_warranty.as_dict(),
            "software_upgrades": self.software_upgrades.as_dict(),
        }


def _base_interval(start: date | None, months: int) -> tuple[date, date] | None:
    if start is None or months <= 0:
        return None
    return start, add_months(start, months) - timedelta(days=1)


def coverage(intervals: Iterable[tuple[date, date]], at: date) -> Period:
    """Return the coverage on ``at`` from covered intervals (first and last covered days).

    Touching or overlapping intervals merge into one period. When ``at`` lies in a period that
    period is returned, active; otherwise the latest period that ended before ``at`` (or, before
    any coverage, the first one), inactive. No intervals: inactive with no dates.
    """
    merged: list[tuple[date, date]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    if not merged:
        return Period(active=False, start=None, end=None)
    for start, end in merged:
        if start <= at <= end:
            return Period(active=True, start=start, end=end)
    ended = [m for m in merged if m[1] < at]
    start, end = ended[-1] if ended else merged[0]
    return Period(active=False, start=start, end=end)


def _extensions_of(asset: Any) -> list[Any]:
    if getattr(asset, "pk", None) is None:
        return []
    return list(asset.warranty_extensions.all())


def contract_active_on(contract: Any, at: date) -> bool:
    """Return whether ``contract`` is in force on ``at`` (open-ended dates allowed)."""
    if contract is None:
        return False
    return (contract.start_date is None or contract.start_date <= at) and (
        contract.end_date is None or at <= contract.end_date
    )


def entitlement_at(
    asset: Any, at: date, *, contract: Any = None, extensions: Iterable[Any] | None = None
) -> Entitlement:
    """Return what ``asset`` is entitled to on ``at``.

    The contract (``asset.contract`` unless given) sets the service level while it is in force,
    and the warranty basis and terms: hardware warranty and software upgrades count from the
    purchase date or from the final acceptance date (not yet started while acceptance is
    pending). Without a contract the warranty is one year from purchase and there is no upgrade
    entitlement. Recorded extensions and renewals (``WarrantyExtension``) add their periods; a
    gap between periods is uncovered. The service stage follows: in warranty, out of warranty,
    or — before the warranty starts — trial operation after installation, installation after
    delivery, else supply and acceptance.
    """
    contract = contract if contract is not None else asset.contract
    if contract is not None:
        basis = contract.warranty_start
        hw_months, sw_months = contract.hardware_warranty_months, contract.software_upgrade_months
    else:
        basis, hw_months, sw_months = WarrantyStart.PURCHASE, DEFAULT_WARRANTY_MONTHS, 0
    start = asset.purchase_date if basis == WarrantyStart.PURCHASE else asset.final_acceptance_date
    extra = _extensions_of(asset) if extensions is None else list(extensions)
    periods: dict[str, list[tuple[date, date]]] = {
        CoverageKind.HARDWARE: [],
        CoverageKind.SOFTWARE: [],
    }
    for kind, months in ((CoverageKind.HARDWARE, hw_months), (CoverageKind.SOFTWARE, sw_months)):
        base = _base_interval(start, months)
        if base is not None:
            periods[kind].append(base)
    for row in extra:
        periods[row.kind].append((row.start, row.end))
    hardware = coverage(periods[CoverageKind.HARDWARE], at)
    software = coverage(periods[CoverageKind.SOFTWARE], at)
    if hardware.active:
        stage = ServiceStage.IN_WARRANTY
    elif hardware.start is not None and hardware.end is not None and at > hardware.end:
        stage = ServiceStage.OUT_OF_WARRANTY
    elif asset.installation_date and at >= asset.installation_date:
        stage = ServiceStage.TRIAL_OPERATION
    elif asset.delivery_date and at >= asset.delivery_date:
        stage = ServiceStage.INSTALLATION
    else:
        stage = ServiceStage.SUPPLY_ACCEPTANCE
    active = contract_active_on(contract, at)
    return Entitlement(
        serial_number=asset.serial_number,
        at=at,
        contract=contract.number if contract is not None else None,
        contract_active=active,
        service_level=contract.service_level if active else None,
        stage=str(stage),
        hardware_warranty=hardware,
        software_upgrades=software,
    )
