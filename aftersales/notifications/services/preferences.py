"""Change notification preferences: a person's own, or a customer's defaults for its contacts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import time
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.accounts.permissions import Capability, has_capability
from aftersales.core.errors import NotAllowed, ValidationFailed
from aftersales.notifications.choices import CUSTOMER_EVENTS, PERSONAL_CHANNELS, Channel
from aftersales.notifications.models import (
    CustomerNotificationSettings,
    EventPreference,
    UserNotificationSettings,
)
from aftersales.notifications.selectors import events_for_user


def _check_choices(
    choices: Mapping[str, Iterable[str]], allowed_events: Iterable[str]
) -> dict[str, frozenset[str]]:
    allowed = set(allowed_events)
    clean: dict[str, frozenset[str]] = {}
    for kind, channels in choices.items():
        if kind not in allowed:
            raise ValidationFailed(
                _("“%(event)s” is not an event you can choose.") % {"event": kind}, field="events"
            )
        chosen = frozenset(channels)
        unknown = chosen - set(PERSONAL_CHANNELS)
        if unknown:
            raise ValidationFailed(
                _("Unknown channel: %(channel)s") % {"channel": ", ".join(sorted(unknown))},
                field="events",
            )
        clean[kind] = chosen
    return clean


def _write(owner: dict[str, Any], choices: dict[str, frozenset[str]]) -> None:
    for kind, channels in choices.items():
        EventPreference.objects.update_or_create(
            **owner,
            event=kind,
            defaults={"email": Channel.EMAIL in channels, "sms": Channel.SMS in channels},
        )


@transaction.atomic
def preferences_set(
    *,
    user: Any,
    choices: Mapping[str, Iterable[str]],
    quiet_hours_start: time | None = None,
    quiet_hours_end: time | None = None,
) -> UserNotificationSettings:
    """Set ``user``'s own channels per event (events not named keep their current choice) and
    their quiet hours (staff only; both ends or neither).

    Raises ValidationFailed, nothing changed.
    """
    clean = _check_choices(choices, events_for_user(user))
    if (quiet_hours_start is None) != (quiet_hours_end is None):
        raise ValidationFailed(
            _("Give both ends of the quiet hours, or neither."), field="quiet_hours_start"
        )
    if quiet_hours_start is not None and user.is_customer_contact:
        raise ValidationFailed(
            _("Quiet hours apply to staff notices only."), field="quiet_hours_start"
        )
    own, _created = UserNotificationSettings.objects.select_for_update().get_or_create(user=user)
    own.quiet_hours_start = quiet_hours_start
    own.quiet_hours_end = quiet_hours_end
    own.save(update_fields=["quiet_hours_start", "quiet_hours_end"])
    _write({"user_settings": own}, clean)
    return own


@transaction.atomic
def customer_preferences_set(
    *,
    by: Any,
    customer: Any,
    choices: Mapping[str, Iterable[str]],
    language: str | None = None,
) -> CustomerNotificationSettings:
    """Set a customer's default channels per event for its contacts, and their language.

    Raises NotAllowed (administrators only), ValidationFailed.
    """
    if not has_capability(by, Capability.MANAGE_CONFIG):
        raise NotAllowed(_("You may not change a customer's notification settings."))
    clean = _check_choices(choices, CUSTOMER_EVENTS)
    if language not in (None, "") and language not in dict(settings.LANGUAGES):
        raise ValidationFailed(_("Unknown language."), field="language")
    org, _created = CustomerNotificationSettings.objects.select_for_update().get_or_create(
        customer=customer
    )
    if language is not None:
        org.language = language
        org.save(update_fields=["language"])
    _write({"customer_settings": org}, clean)
    return org
