"""Survey invitations and reminders by SMS, through the notifications app's delivery log and its
real SMS backends (the in-memory one keeps what it was handed)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from aftersales.cases.services import case_transition
from aftersales.customers.tests.factories import ContactFactory
from aftersales.notifications.models import Delivery
from aftersales.notifications.services import customer_preferences_set, notifications_deliver
from aftersales.notifications.sms import LocmemSmsBackend
from aftersales.sla.tests.helpers import at
from aftersales.surveys.models import Survey
from aftersales.surveys.services import surveys_invite_resolved, surveys_remind_and_expire

RESOLVED = at(2026, 11, 2, 16, 0)


@pytest.fixture
def texts(settings):
    """What the SMS gateway was handed (the in-memory backend, cleared)."""
    settings.NOTIFICATIONS_SMS_BACKEND = "aftersales.notifications.sms.LocmemSmsBackend"
    LocmemSmsBackend.outbox.clear()
    yield LocmemSmsBackend.outbox
    LocmemSmsBackend.outbox.clear()


def _resolve(case, agent):
    with time_machine.travel(RESOLVED, tick=False):
        case = case_transition(case=case, to="responded", by=agent)
        return case_transition(case=case, to="resolved", by=agent, note="已更换电源模块")


def _survey_texts(texts):
    return [t for t in texts if "/surveys/" in t["text"]]


def _survey_mail(mailoutbox):
    return [m.to for m in mailoutbox if "/surveys/" in m.body]


def _survey_sms():
    return Delivery.objects.filter(kind="survey_invitation", channel="sms").order_by("id")


def test_a_contact_with_a_mobile_gets_one_invitation_and_one_reminder_by_sms(
    agent, customer, make_case, texts, mailoutbox, django_capture_on_commit_callbacks
):
    contact = ContactFactory(
        customer=customer, name="王主任", email="wang@example.cn", mobile="139 0000 3333"
    )
    case = _resolve(make_case(contact=contact), agent)
    with django_capture_on_commit_callbacks(execute=True):
        assert surveys_invite_resolved(now=RESOLVED + dt.timedelta(minutes=5)) == 1
        assert surveys_invite_resolved(now=RESOLVED + dt.timedelta(minutes=10)) == 0
    survey = Survey.objects.get(case=case)
    notifications_deliver()
    notifications_deliver()  # a second run sends nothing again

    [invitation] = _survey_sms()
    assert (invitation.status, invitation.address, invitation.case) == ("sent", "13900003333", case)
    assert invitation.contact == contact
    [text] = _survey_texts(texts)
    assert text["to"] == "13900003333"
    assert text["text"].startswith("【售后服务】")  # the customer's default language: Chinese
    assert f"/surveys/{survey.token}/" in text["text"]
    assert case.number in text["text"]
    assert "提醒" not in text["text"]
    assert _survey_mail(mailoutbox) == [["wang@example.cn"]]  # e-mail as before, once

    with time_machine.travel(survey.sent_at + dt.timedelta(days=2, minutes=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert surveys_remind_and_expire() == (1, 0)
            assert surveys_remind_and_expire() == (0, 0)
        notifications_deliver()
    with time_machine.travel(survey.sent_at + dt.timedelta(days=3), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert surveys_remind_and_expire() == (0, 0)
        notifications_deliver()
    assert [d.status for d in _survey_sms()] == ["sent", "sent"]
    first, reminder = _survey_texts(texts)
    assert first == text
    assert reminder["to"] == "13900003333"
    assert "提醒" in reminder["text"]
    assert f"/surveys/{survey.token}/" in reminder["text"]
    assert len(_survey_mail(mailoutbox)) == 2


def test_a_contact_without_a_mobile_gets_no_sms(
    agent, customer, make_case, texts, mailoutbox, django_capture_on_commit_callbacks
):
    contact = ContactFactory(customer=customer, name="李工", email="li@example.cn", mobile="")
    _resolve(make_case(contact=contact), agent)
    with django_capture_on_commit_callbacks(execute=True):
        assert surveys_invite_resolved(now=RESOLVED + dt.timedelta(minutes=5)) == 1
    survey = Survey.objects.get()
    with time_machine.travel(survey.sent_at + dt.timedelta(days=2, minutes=1), tick=False):
        assert surveys_remind_and_expire() == (1, 0)
        notifications_deliver()
    assert _survey_texts(texts) == []
    # The delivery log says why nothing went out; nothing is left to send.
    assert [(d.status, d.address) for d in _survey_sms()] == [("skipped", ""), ("skipped", "")]
    assert _survey_mail(mailoutbox) == [["li@example.cn"]]


def test_preferences_decide_the_channels_and_the_language(
    agent,
    admin_user,
    customer,
    make_case,
    make_user,
    texts,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    from aftersales.notifications.services import preferences_set

    # The customer's default: survey invitations by e-mail only.
    customer_preferences_set(by=admin_user, customer=customer, choices={"survey_invitation": []})
    quiet = ContactFactory(customer=customer, email="quiet@example.cn", mobile="13900004444")
    # A contact with a portal account that reads English and wants SMS only.
    lina = ContactFactory(customer=customer, email="li.na@example.cn", mobile="13900005555")
    account = make_user(
        "customer_contact",
        customer=customer,
        username="lina",
        email="li.na@example.cn",
        language="en",
    )
    preferences_set(user=account, choices={"survey_invitation": ["sms"]})
    quiet_case = _resolve(make_case(contact=quiet), agent)
    lina_case = _resolve(make_case(contact=lina), agent)
    with django_capture_on_commit_callbacks(execute=True):
        assert surveys_invite_resolved(now=RESOLVED + dt.timedelta(minutes=5)) == 2
    notifications_deliver()

    assert not _survey_sms().filter(case=quiet_case).exists()
    assert _survey_mail(mailoutbox) == []  # neither chose e-mail for survey invitations
    [text] = _survey_texts(texts)
    assert text["to"] == "13900005555"
    survey = Survey.objects.get(case=lina_case)
    assert text["text"].startswith(
        f"Service desk: request {lina_case.number} is resolved. Please rate our service"
    )
    assert text["text"].endswith(f"/surveys/{survey.token}/")
    assert _survey_sms().get(case=lina_case).user == account


def test_a_campaign_invitation_goes_by_sms_too(
    supervisor, customer, region, texts, django_capture_on_commit_callbacks
):
    from aftersales.surveys.models import Questionnaire
    from aftersales.surveys.services import campaign_launch

    ContactFactory(customer=customer, email="a@example.cn", mobile="13900006666", is_primary=True)
    with django_capture_on_commit_callbacks(execute=True):
        campaign_launch(
            by=supervisor,
            name="2026 年度满意度调查",
            questionnaire=Questionnaire.objects.get(code="resolution"),
            region=region,
        )
    notifications_deliver()
    survey = Survey.objects.get(customer=customer)
    [text] = _survey_texts(texts)
    assert text["to"] == "13900006666"
    assert text["text"].startswith("【售后服务】请花一分钟评价我们的服务：")  # no case number
    assert text["text"].endswith(f"/surveys/{survey.token}/")
