"""Keep the directory of known numbers in step with contacts and customers."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from aftersales.customers.models import Contact, Customer


@receiver(post_save, sender=Contact, dispatch_uid="channels_contact_numbers")
def _contact_saved(sender: Any, instance: Contact, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    from aftersales.channels.services.directory import known_numbers_refresh_contact

    known_numbers_refresh_contact(contact=instance)


@receiver(post_save, sender=Customer, dispatch_uid="channels_customer_numbers")
def _customer_saved(sender: Any, instance: Customer, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    from aftersales.channels.services.directory import known_numbers_refresh_customer

    known_numbers_refresh_customer(customer=instance)
