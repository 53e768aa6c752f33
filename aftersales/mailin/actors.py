"""Who acts in the case services when an e-mail, not a signed-in person, changes a case.

The case services take an acting user (``by=``) and decide from it what a change means: a public
comment by a customer contact is the customer speaking (it does not count as our response). So
each message needs an actor on the customer's side:

- mail from a known contact is written by their own portal account when they have one (a
  customer contact of the same organisation with that e-mail address), else by a sign-in-less
  account that stands for the contact (``mail-contact-<id>``, created on first use, no usable
  password);
- mail from an unknown sender is written by one sign-in-less account of the shared "unassigned
  senders" customer (``mail-unknown``);
- what no person wrote (the note on a closed case that a late reply opened a new one) is written
  by one staff account of the system (``mailin``), which is never on duty.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from aftersales.accounts.choices import UserRole
from aftersales.accounts.models import User
from aftersales.accounts.services import user_create
from aftersales.customers.models import Contact
from aftersales.customers.services import customer_unassigned

SYSTEM_USERNAME = "mailin"
UNKNOWN_SENDER_USERNAME = "mail-unknown"
CONTACT_USERNAME = "mail-contact-{pk}"


def _get_or_create(username: str, **fields: object) -> User:
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    try:
        with transaction.atomic():
            return user_create(by=None, username=username, **fields)  # type: ignore[arg-type]
    except IntegrityError:
        return User.objects.get(username=username)


def mail_system_user() -> User:
    """Return the staff account that writes what no person wrote, created on first use."""
    return _get_or_create(
        SYSTEM_USERNAME,
        role=UserRole.AGENT,
        first_name=gettext("E-mail intake"),
        is_available=False,
    )


def unknown_sender_user() -> User:
    """Return the customer-side account that writes mail from unknown senders."""
    return _get_or_create(
        UNKNOWN_SENDER_USERNAME,
        role=UserRole.CUSTOMER_CONTACT,
        customer=customer_unassigned(),
        first_name=gettext("Unknown e-mail sender"),
    )


def contact_sender_user(*, contact: Contact, address: str) -> User:
    """Return the customer-side account that writes mail from ``contact`` sent from
    ``address``: their own portal account if one has that address, else the account that
    stands for the contact (kept in the contact's organisation)."""
    own = (
        User.objects.filter(
            role=UserRole.CUSTOMER_CONTACT,
            customer_id=contact.customer_id,
            is_active=True,
            email__iexact=address,
        )
        .exclude(username__startswith="mail-")
        .exclude(username__startswith="sms-")
        .order_by("pk")
        .first()
    )
    if own is not None:
        return own
    user = _get_or_create(
        CONTACT_USERNAME.format(pk=contact.pk),
        role=UserRole.CUSTOMER_CONTACT,
        customer=contact.customer,
        first_name=contact.name[:150],
        email=address[:254],
    )
    if user.customer_id != contact.customer_id:
        user.customer_id = contact.customer_id
        user.save(update_fields=["customer"])
    return user
