"""What an asset is entitled to on a date: service level, warranty, upgrades, service stage.

Pure functions over an asset and its contract (no queries of their own), shared by the API, SLA
policy selection and the pages.
"""

from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from aftersales.catalog.choices import ServiceStage, WarrantyStart

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


def _period(start: date | None, months: int, at: date) -> Period:
    if start is None or months <= 0:
        return Period(active=False, start=start if months > 0 else None, end=None)
    end = add_months(start, months) - timedelta(days=1)
    return Period(active=start <= at <= end, start=start, end=end)


def contract_active_on(contract: Any, at: date) -> bool:
    """Return whether ``contract`` is in force on ``at`` (open-ended dates allowed)."""
    if contract is None:
        return False
    return (contract.start_date is None or contract.start_date <= at) and (
        contract.end_date is None or at <= contract.end_date
    )


def entitlement_at(asset: Any, at: date, *, contract: Any = None) -> Entitlement:
    """Return what ``asset`` is entitled to on ``at``.

    The contract (``asset.contract`` unless given) sets the service level while it is in force,
    and the warranty basis and terms: hardware warranty and software upgrades count from the
    purchase date or from the final acceptance date (not yet started while acceptance is
    pending). Without a contract the warranty is one year from purchase and there is no upgrade
    entitlement. The service stage follows: in warranty, out of warranty, or — before the
    warranty starts — trial operation after installation, installation after delivery, else
    supply and acceptance.
    """
    contract = contract if contract is not None else asset.contract
    if contract is not None:
        basis = contract.warranty_start
        hw_months, sw_months = contract.hardware_warranty_months, contract.software_upgrade_months
    else:
        basis, hw_months, sw_months = WarrantyStart.PURCHASE, DEFAULT_WARRANTY_MONTHS, 0
    start = asset.purchase_date if basis == WarrantyStart.PURCHASE else asset.final_acceptance_date
    hardware = _period(start, hw_months, at)
    software = _period(start, sw_months, at)
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
