"""Preferences (page and service), quiet hours, on-call routing, SLA notices by e-mail."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine

from aftersales.core import clock
from aftersales.core.errors import ValidationFailed
from aftersales.notifications.choices import DeliveryStatus
from aftersales.notifications.models import Delivery, EventPreference, Notification, OnCallShift
from aftersales.notifications.selectors import preferences_for
from aftersales.notifications.services import (
    customer_preferences_set,
    notifications_build,
    notifications_deliver,
    notifications_save,
    preferences_set,
)

pytestmark = pytest.mark.django_db
SH = zoneinfo.ZoneInfo("Asia/Shanghai")


def test_defaults_and_own_choices(contact_user, agent):
    prefs = {r.event: (r.email, r.sms) for r in preferences_for(user=contact_user).events}
    assert prefs["case_created"] == (True, True)
    assert prefs["case_resolved"] == (True, False)
    assert "sla_breach" not in prefs  # staff events are not offered to customers
    staff = {r.event for r in preferences_for(user=agent).events}
    assert staff == {"sla_warning", "sla_breach", "escalation", "urgent_case"}
    preferences_set(user=contact_user, choices={"case_created": ["email"]})
    prefs = {r.event: (r.email, r.sms) for r in preferences_for(user=contact_user).events}
    assert prefs["case_created"] == (True, False)


def test_bad_choices_change_nothing(contact_user):
    with pytest.raises(ValidationFailed):
        preferences_set(user=contact_user, choices={"case_created": ["pigeon"]})
    with pytest.raises(ValidationFailed):
        preferences_set(user=contact_user, choices={"sla_breach": ["email"]})
    with pytest.raises(ValidationFailed):
        preferences_set(
            user=contact_user, choices={}, quiet_hours_start=dt.time(22), quiet_hours_end=dt.time(7)
        )
    assert EventPreference.objects.count() == 0


def test_a_customer_default_and_a_contacts_own_choice(
    smtp, make_case, customer, admin_user, en_contact, settings
):
    settings.NOTIFICATIONS_SMS_BACKEND = "aftersales.notifications.sms.LocmemSmsBackend"
    from aftersales.notifications.sms import LocmemSmsBackend

    LocmemSmsBackend.outbox.clear()
    customer_preferences_set(by=admin_user, customer=customer, choices={"case_created": []})
    make_case(contact=en_contact)
    notifications_deliver()
    assert smtp.messages == []
    assert LocmemSmsBackend.outbox == []
    from aftersales.accounts.models import User

    lina = User.objects.get(username="lina")
    preferences_set(user=lina, choices={"case_created": ["sms"]})
    case = make_case(contact=en_contact)
    notifications_deliver()
    assert smtp.messages == []
    [text] = LocmemSmsBackend.outbox
    assert text["to"] == "13900002222"
    assert text["text"].startswith(f"Service desk: request {case.number} registered")


def test_the_preferences_page_for_a_portal_user(client, contact_user):
    client.force_login(contact_user)
    page = client.get("/notifications/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="case_resolved:email"' in html
    assert 'name="quiet_hours_start"' not in html  # quiet hours are for staff notices
    answer = client.post("/notifications/", {"case_resolved:email": "1", "case_resolved:sms": "1"})
    assert answer.status_code == 302
    prefs = {r.event: (r.email, r.sms) for r in preferences_for(user=contact_user).events}
    assert prefs["case_resolved"] == (True, True)
    assert prefs["case_created"] == (False, False)  # unticked boxes mean "not on this channel"


def test_the_preferences_page_for_staff_with_quiet_hours(client, agent):
    client.force_login(agent)
    answer = client.post(
        "/notifications/",
        {"sla_breach:sms": "1", "quiet_hours_start": "22:00", "quiet_hours_end": "07:30"},
    )
    assert answer.status_code == 302
    prefs = preferences_for(user=agent)
    assert (prefs.quiet_hours_start, prefs.quiet_hours_end) == (dt.time(22), dt.time(7, 30))
    bad = client.post("/notifications/", {"quiet_hours_start": "22:00"})
    assert bad.status_code == 400
    assert preferences_for(user=agent).quiet_hours_end == dt.time(7, 30)  # nothing changed
    assert (
        client.post(
            "/notifications/", {"quiet_hours_start": "25:99", "quiet_hours_end": "07:00"}
        ).status_code
        == 400
    )


def test_the_page_needs_a_signed_in_user(client):
    answer = client.get("/notifications/")
    assert answer.status_code == 302
    assert "login" in answer["Location"]


def notice(user, kind, case, key):
    notifications_save(
        notifications_build(
            recipients=[user],
            kind=kind,
            case=case,
            at=clock.now(),
            dedupe_key=key,
            render=lambda: (f"Case {case.number}: {kind}", case.summary),
        )
    )


def test_quiet_hours_hold_non_urgent_staff_notices_until_they_end(smtp, make_case, engineer):
    engineer.language, engineer.timezone = "en", "Asia/Shanghai"
    engineer.save()
    preferences_set(
        user=engineer, choices={}, quiet_hours_start=dt.time(22), quiet_hours_end=dt.time(7)
    )
    night = dt.datetime(2026, 11, 25, 23, 30, tzinfo=SH)
    with time_machine.travel(night, tick=False):
        case = make_case()
        notice(engineer, "sla_warning", case, "w1")
        notice(engineer, "sla_breach", case, "b1")
        notifications_deliver()
    subjects = [str(m["Subject"]).strip() for m in smtp.to(engineer.email)]
    assert subjects == [f"[{case.number}] Case {case.number}: sla_breach"]  # urgent: at once
    held = Delivery.objects.get(notification__kind="sla_warning", channel="email")
    assert held.status == DeliveryStatus.PENDING
    assert held.next_attempt_at == dt.datetime(2026, 11, 26, 7, 0, tzinfo=SH)
    with time_machine.travel(dt.datetime(2026, 11, 26, 7, 1, tzinfo=SH), tick=False):
        notifications_deliver()
    assert len(smtp.to(engineer.email)) == 2  # held, not dropped


def test_sla_notices_reach_staff_by_email_in_their_language(smtp, make_case, engineer, supervisor):
    engineer.language = "en"
    engineer.save()
    case = make_case()
    notice(engineer, "sla_warning", case, "w2")
    notice(supervisor, "escalation", case, "e2")
    notice(supervisor, "chat_message", case, "c2")  # in-app only kinds stay in-app
    notifications_deliver()
    [mail] = smtp.to(engineer.email)
    assert "Open the case:" in mail.get_body(preferencelist=("plain",)).get_content()
    [mail] = smtp.to(supervisor.email)
    assert "打开受理单" in mail.get_body(preferencelist=("plain",)).get_content()
    assert Notification.objects.filter(dispatched_at__isnull=True).count() == 0


@pytest.fixture
def oncall(make_user):
    person = make_user(
        "engineer", username="oncall", email="oncall@example.com", phone="13700000000"
    )
    OnCallShift.objects.create(
        user=person,
        starts_at=dt.datetime(2026, 11, 28, 18, 0, tzinfo=SH),
        ends_at=dt.datetime(2026, 11, 30, 9, 0, tzinfo=SH),
    )
    return person


def test_after_hours_an_urgent_case_reaches_the_on_call_person(smtp, make_case, oncall, settings):
    settings.NOTIFICATIONS_SMS_BACKEND = "aftersales.notifications.sms.LocmemSmsBackend"
    from aftersales.notifications.sms import LocmemSmsBackend

    LocmemSmsBackend.outbox.clear()
    sunday_night = dt.datetime(2026, 11, 29, 2, 0, tzinfo=SH)
    with time_machine.travel(sunday_night, tick=False):
        case = make_case(severity="C-1")
        make_case(severity="C-3")  # not urgent: nobody is woken
        notifications_deliver()
    [mail] = smtp.to("oncall@example.com")
    assert case.number in str(mail["Subject"])
    assert "值班" in mail.get_body(preferencelist=("plain",)).get_content()
    assert [t["to"] for t in LocmemSmsBackend.outbox] == ["13700000000"]
    assert Notification.objects.filter(recipient=oncall, kind="urgent_case").count() == 1


def test_in_working_hours_the_on_call_person_is_not_called(smtp, make_case, oncall):
    OnCallShift.objects.update(starts_at=dt.datetime(2026, 11, 25, 0, 0, tzinfo=SH))
    with time_machine.travel(dt.datetime(2026, 11, 25, 10, 0, tzinfo=SH), tick=False):
        make_case(severity="C-1")
        notifications_deliver()
    assert smtp.to("oncall@example.com") == []


def test_after_hours_an_sla_breach_reaches_the_on_call_person_once(
    smtp, make_case, oncall, agent, customer, engineer
):
    from aftersales.sla.services import sla_sweep
    from aftersales.sla.tests.helpers import asset_with_contract

    friday_evening = dt.datetime(2026, 11, 28, 19, 0, tzinfo=SH)
    with time_machine.travel(friday_evening, tick=False):
        asset = asset_with_contract(customer)
        case = make_case(asset=asset, severity="C-1", assignee=engineer)
    with time_machine.travel(friday_evening + dt.timedelta(hours=3), tick=False):
        sla_sweep()
        notifications_deliver()
        sla_sweep()
        notifications_deliver()
    # The assignee hears through the ladder; the on-call person hears after hours, once per
    # breach and escalation, however often the sweep and the delivery run.
    from aftersales.notifications.models import NotificationEvent

    urgent = NotificationEvent.objects.filter(case=case, kind__in=["sla_breach", "escalation"])
    assert urgent.count() >= 1
    assert smtp.to(engineer.email)
    oncall_notices = Notification.objects.filter(
        recipient=oncall, data__oncall=True, kind__in=["sla_breach", "escalation"]
    )
    assert oncall_notices.count() == urgent.count()
    oncall_mail = [m for m in smtp.to("oncall@example.com") if "C-1" not in str(m["Subject"])]
    assert len(oncall_mail) == urgent.count()  # besides the new C-1 case itself
    assert all(case.number in str(m["Subject"]) for m in oncall_mail)


def test_the_page_is_linked_from_the_console_and_the_portal(client, agent, contact_user):
    for user in (agent, contact_user):
        client.force_login(user)
        page = client.get("/notifications/")
        assert 'href="/notifications/" aria-current="page"' in page.content.decode()
