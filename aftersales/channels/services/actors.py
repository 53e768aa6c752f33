"""Who acts in the case services when a call or an SMS, not a signed-in person, changes a case.

The case services always take an acting user (``by=``) and decide from it what a change means: a
public comment by staff is a response to the customer (it meets the response clock), one by a
customer contact is the customer speaking. So each inbound message needs an actor on the right
side:

- an SMS from a known contact is written by that person's portal account when they have one
  (a customer contact of the same organisation whose phone is the sender's number), else by a
  sign-in-less account that stands for the contact (``sms-contact-<id>``, created on first use,
  no usable password; an administrator may later give it a password to invite the contact to
  the portal);
- an SMS from an unknown number is written by one sign-in-less account of the shared
  "unassigned senders" customer (``sms-unknown``);
- what no person wrote (a missed call's note, a warning for the agent) is written by one staff
  account of the system (``channels``), which is never on duty, so it never gets cases or chats.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from aftersales.accounts.choices import UserRole
from aftersales.accounts.models import User
from aftersales.accounts.services import user_create
from aftersales.channels.selectors import normalize
from aftersales.customers.models import Contact
from aftersales.customers.services import customer_unassigned

SYSTEM_USERNAME = "channels"
UNKNOWN_SENDER_USERNAME = "sms-unknown"
CONTACT_USERNAME = "sms-contact-{pk}"


def _get_or_create(username: str, **fields: object) -> User:
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    try:
        with transaction.atomic():
            return user_create(by=None, username=username, **fields)  # type: ignore[arg-type]
    except IntegrityError:
        # Created by a concurrent request in the meantime.
        return User.objects.get(username=username)


def channels_system_user() -> User:
    """Return the staff account that writes what no person wrote, created on first use."""
    return _get_or_create(
        SYSTEM_USERNAME,
        role=UserRole.AGENT,
        first_name=gettext("Phone and SMS system"),
        is_available=False,
    )


def unknown_sender_user() -> User:
    """Return the customer-side account that writes SMS from numbers nobody recognised."""
    return _get_or_create(
        UNKNOWN_SENDER_USERNAME,
        role=UserRole.CUSTOMER_CONTACT,
        customer=customer_unassigned(),
        first_name=gettext("Unknown SMS sender"),
    )


def contact_sender_user(*, contact: Contact, number: str) -> User:
    """Return the customer-side account that writes an SMS from ``contact`` sent from the
    canonical ``number``: their own portal account if one has that phone, else the account that
    stands for the contact (kept in the contact's organisation)."""
    own = (
        User.objects.filter(
            role=UserRole.CUSTOMER_CONTACT, customer_id=contact.customer_id, is_active=True
        )
        .exclude(phone="")
        .exclude(username__startswith="sms-")
        .only("pk", "phone")
    )
    for user in own:
        if normalize(user.phone) == number:
            return User.objects.get(pk=user.pk)
    user = _get_or_create(
        CONTACT_USERNAME.format(pk=contact.pk),
        role=UserRole.CUSTOMER_CONTACT,
        customer=contact.customer,
        first_name=contact.name[:150],
        phone=(contact.mobile or contact.phone)[:40],
    )
    if user.customer_id != contact.customer_id:
        # The contact was moved to another organisation (in the admin): follow it.
        user.customer_id = contact.customer_id
        user.save(update_fields=["customer"])
    return user
