"""The Django admin: every page renders in both languages; cases are found by number, serial
number, customer or contact phone; administrators see a notice about missing holiday data."""

from __future__ import annotations

import datetime
import warnings

import pytest
import time_machine
from django.contrib import admin
from django.db import models
from django.urls import reverse

from aftersales.customers.tests.factories import ContactFactory


@pytest.fixture
def admin_client_zh(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_changelist_and_add_page_renders(admin_client_zh, make_case, asset, language):
    make_case(asset=asset)
    for model in admin.site._registry:
        info = f"{model._meta.app_label}_{model._meta.model_name}"
        changelist = admin_client_zh.get(
            reverse(f"admin:{info}_changelist"), HTTP_ACCEPT_LANGUAGE=language
        )
        assert changelist.status_code == 200, info
        add = admin_client_zh.get(reverse(f"admin:{info}_add"), HTTP_ACCEPT_LANGUAGE=language)
        assert add.status_code in (200, 403), info
        first = model._default_manager.first()
        if first is not None:
            change = admin_client_zh.get(
                reverse(f"admin:{info}_change", args=[first.pk]), HTTP_ACCEPT_LANGUAGE=language
            )
            assert change.status_code == 200, info


def test_admin_speaks_chinese_by_default_and_english_on_request(admin_client_zh):
    assert "工单" in admin_client_zh.get(reverse("admin:index")).content.decode()
    english = admin_client_zh.get(
        reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Cases" in english


@pytest.mark.parametrize("term", ["number", "SN-0001", "上海市第一人民医院", "13912345678"])
def test_case_lookup_in_admin(admin_client_zh, make_case, asset, customer, term):
    contact = ContactFactory(customer=customer, mobile="13912345678", name="王伟")
    case = make_case(asset=asset, contact=contact)
    make_case(customer=customer, summary="其他工单")
    query = case.number if term == "number" else term
    page = admin_client_zh.get(
        reverse("admin:cases_case_changelist"), {"q": query}
    ).content.decode()
    assert case.number in page
    if term in ("number", "SN-0001", "13912345678"):
        assert page.count("SR-") >= 1
        assert "其他工单" not in page


def test_admin_edit_of_a_case_goes_through_the_service(admin_client_zh, make_case, admin_user):
    case = make_case()
    url = reverse("admin:cases_case_change", args=[case.pk])
    form = {
        "customer": case.customer_id,
        "case_type": "fault",
        "channel": "phone",
        "severity": "C-1",
        "summary": case.summary,
        "description": case.description,
        "reported_at_0": "2026-11-25",
        "reported_at_1": "10:00:00",
        "cause": "",
        "resolution": "",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
    }
    response = admin_client_zh.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    case.refresh_from_db()
    assert case.severity == "C-1"
    assert case.events.filter(kind="field_changed", field="severity", actor=admin_user).count() == 1


def test_admin_index_warns_about_years_without_holiday_data(admin_client_zh):
    with time_machine.travel(
        datetime.datetime(2026, 11, 25, 10, 0, tzinfo=datetime.UTC), tick=False
    ):
        page = admin_client_zh.get(
            reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    assert "has no holiday data for 2027" in page
    assert "cn-5x8" in page


def test_every_url_field_in_the_admin_reads_a_url_without_scheme_as_https(rf, admin_user):
    """Django 6 assumes https; 5.2 assumes http and warns unless the form field is told."""
    request = rf.get("/")
    request.user = admin_user
    checked = []
    for model, model_admin in admin.site._registry.items():
        for field in model._meta.fields:
            if isinstance(field, models.URLField):
                with warnings.catch_warnings():
                    warnings.simplefilter("error")
                    form_field = model_admin.formfield_for_dbfield(field, request)
                assert form_field.clean("hooks.example.com/in") == "https://hooks.example.com/in"
                checked.append(f"{model._meta.label}.{field.name}")
    assert "notifications.WebhookEndpoint.url" in checked
