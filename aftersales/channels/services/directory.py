"""The directory of known numbers: kept in step with contacts and customers."""

from __future__ import annotations

from itertools import chain

from django.db import transaction

from aftersales.channels.choices import KnownNumberSource
from aftersales.channels.models import KnownNumber
from aftersales.channels.selectors import normalize
from aftersales.customers.models import Contact, Customer

S = KnownNumberSource


def _rows_for_contact(contact: Contact) -> list[KnownNumber]:
    rows = []
    for source, raw in ((S.CONTACT_MOBILE, contact.mobile), (S.CONTACT_PHONE, contact.phone)):
        number = normalize(raw)
        if number:
            rows.append(
                KnownNumber(
                    number=number,
                    source=source,
                    customer_id=contact.customer_id,
                    contact_id=contact.pk,
                )
            )
    return rows


def _rows_for_customer(customer: Customer) -> list[KnownNumber]:
    number = normalize(customer.phone)
    if not number:
        return []
    return [KnownNumber(number=number, source=S.CUSTOMER_PHONE, customer_id=customer.pk)]


def _replace(existing: list[KnownNumber], wanted: list[KnownNumber]) -> bool:
    def key(row: KnownNumber) -> tuple[str, str, int, int | None]:
        return (row.number, row.source, row.customer_id, row.contact_id)

    if sorted(map(key, existing)) == sorted(map(key, wanted)):
        return False
    KnownNumber.objects.filter(pk__in=[r.pk for r in existing]).delete()
    KnownNumber.objects.bulk_create(wanted)
    return True


@transaction.atomic
def known_numbers_refresh_contact(*, contact: Contact) -> bool:
    """Bring ``contact``'s entries in the directory up to date; return whether they changed."""
    existing = list(KnownNumber.objects.filter(contact_id=contact.pk))
    return _replace(existing, _rows_for_contact(contact))


@transaction.atomic
def known_numbers_refresh_customer(*, customer: Customer) -> bool:
    """Bring the entry of ``customer``'s own phone (switchboard) up to date."""
    existing = list(
        KnownNumber.objects.filter(
            customer_id=customer.pk, contact__isnull=True, source=S.CUSTOMER_PHONE
        )
    )
    return _replace(existing, _rows_for_customer(customer))


@transaction.atomic
def known_numbers_rebuild(*, batch_size: int = 2000) -> int:
    """Rebuild the whole directory from contacts and customers; return how many entries.

    For bulk imports that bypassed ``save()`` and for a changed ``CHANNELS_LOCAL_AREA_CODE``.
    """
    KnownNumber.objects.all().delete()
    count = 0
    batch: list[KnownNumber] = []
    customers = Customer.objects.only("pk", "phone").iterator(chunk_size=batch_size)
    contacts = Contact.objects.only("pk", "customer_id", "phone", "mobile").iterator(
        chunk_size=batch_size
    )
    for owner in chain(customers, contacts):
        if isinstance(owner, Customer):
            batch += _rows_for_customer(owner)
        else:
            batch += _rows_for_contact(owner)
        if len(batch) >= batch_size:
            KnownNumber.objects.bulk_create(batch)
            count, batch = count + len(batch), []
    KnownNumber.objects.bulk_create(batch)
    return count + len(batch)
