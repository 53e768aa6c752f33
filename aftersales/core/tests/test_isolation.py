"""Isolation probes: a customer contact of one organisation tries every route of the project —
pages, API and file downloads — on the other organisation's objects, by id, number, serial and
guessed URL, with every method. Every attempt answers 404 (403, 405 or a redirect to sign-in
where the route is not for customers at all), shows none of the other organisation's data and
changes nothing in the database.

The routes come from the URL resolver and the OpenAPI schema, not from a hand-picked list:
``test_every_route_is_covered`` fails for any route that is neither probed nor allow-listed
with a reason (see ``isolation_probe``).
"""

from __future__ import annotations

import html
import json
from typing import Any
from urllib.parse import unquote, urlencode

import pytest
from django.test import Client
from django.urls import resolve, reverse
from rest_framework.test import APIClient

from aftersales.accounts.services import token_get_or_create
from aftersales.core.tests.isolation_probe import (
    ALLOWED,
    ENUMS,
    LIST_ROUTES,
    METHODS,
    ROUTE_KINDS,
    SHARED_KINDS,
    Route,
    Savepoint,
    all_routes,
    fingerprint,
    fingerprint_tables,
    is_refusal_redirect,
    org_footprint,
    plausible_body,
    route_urls,
)
from aftersales.core.tests.isolation_world import World, build_world

# Statuses that tell the prober nothing and give it nothing.
REFUSED = {403, 404, 405}


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    # The signed webhooks are configured, so an unsigned request is refused (not 503).
    settings.CHANNELS_CTI_SECRET = "iso-cti-secret"  # noqa: S105
    settings.CHANNELS_SMS_SECRET = "iso-sms-secret"  # noqa: S105


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


def _clients(world: World, org: Any) -> tuple[Client, APIClient]:
    page = Client(raise_request_exception=False)
    page.force_login(org.user, backend="django.contrib.auth.backends.ModelBackend")
    api = APIClient(raise_request_exception=False)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_get_or_create(user=org.user)}")
    return page, api


def _send(client: Any, method: str, url: str, body: dict[str, Any], *, api: bool) -> Any:
    if method == "get":
        return client.get(url)
    if api:
        return client.generic(
            method.upper(), url, data=json.dumps(body), content_type="application/json"
        )
    if method == "post":
        return client.post(url, data=body)
    return client.generic(
        method.upper(),
        url,
        data=urlencode(body, doseq=True),
        content_type="application/x-www-form-urlencoded",
    )


def _text(response: Any) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    return content.decode("utf-8", "replace")


def _leaks(response: Any, markers: list[str], url: str = "", body: str = "") -> list[str]:
    """The other organisation's markers found in a response that is not a plain 404 page
    (Django's debug 404 page repeats the requested path, which holds the identifier).

    What the request itself carried is no leak when echoed: the page's own URL (in the language
    switch and in pagination links), a search box's value, a 4xx naming the rejected input.
    """
    if response.status_code == 404:
        return []
    text = _text(response)
    sent = f"{url} {body}"
    if url:
        for form in (url, html.escape(url), unquote(url), html.escape(unquote(url))):
            text = text.replace(form, "")
    if response.status_code >= 400:
        return [m for m in markers if m in text and m not in sent]
    for m in markers:
        text = text.replace(f'value="{m}"', "")
    return [m for m in markers if m in text]


def _probe_routes() -> dict[str, Route]:
    return {r.key: r for r in all_routes() if not r.is_admin}


def test_every_route_is_covered() -> None:
    """Each route of the resolver is probed or allow-listed with a reason; nothing stale."""
    routes = _probe_routes()
    uncovered = sorted(
        f"{r.key} ({r.pattern})"
        for r in routes.values()
        if r.key not in ROUTE_KINDS and r.key not in LIST_ROUTES and r.key not in ALLOWED
    )
    assert uncovered == [], "routes not covered by the isolation probes:\n" + "\n".join(uncovered)
    wrong = sorted(
        r.key
        for r in routes.values()
        if (r.key in ROUTE_KINDS and set(ROUTE_KINDS[r.key]) != set(r.params))
        or (r.key in LIST_ROUTES and r.params)
    )
    assert wrong == [], f"parameters of these routes changed: {wrong}"
    stale = sorted((set(ROUTE_KINDS) | LIST_ROUTES | set(ALLOWED)) - set(routes))
    assert stale == [], f"probe tables name routes that no longer exist: {stale}"


def test_every_api_operation_is_a_probed_route() -> None:
    """The OpenAPI schema's paths all resolve to routes the probes cover."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    missing = []
    for path in schema["paths"]:
        concrete = path
        for name in ("number", "code", "serial_number", "username", "depot", "part_number"):
            concrete = concrete.replace("{" + name + "}", "x1")
        for name in ("pk", "id", "attachment_id"):
            concrete = concrete.replace("{" + name + "}", "1")
        match = resolve(concrete)
        key = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
        if key not in ROUTE_KINDS and key not in LIST_ROUTES and key not in ALLOWED:
            missing.append(f"{path} → {key}")
    assert missing == [], missing


def _allowed_status(route: Route, response: Any, params_kinds: set[str]) -> bool:
    if response.status_code in REFUSED or is_refusal_redirect(response):
        return True
    # Configuration that belongs to no organisation may be read by any signed-in user (or the
    # read refused for a bad query).
    return bool(params_kinds) and params_kinds <= SHARED_KINDS and response.status_code < 500


@pytest.mark.django_db
def test_other_organisations_objects_answer_404_and_change_nothing(world: World) -> None:
    """Every route with parameters, filled with the other organisation's identifiers, every
    method, as a signed-in contact (session for pages, token for the API)."""
    mine, other = world.a, world.b
    page, api = _clients(world, mine)
    tables = fingerprint_tables()
    baseline = fingerprint(tables)
    guard = Savepoint(tables, baseline)
    body = plausible_body(other.ids)
    failures: list[str] = []
    probes = 0
    for route in _probe_routes().values():
        if route.key not in ROUTE_KINDS:
            continue
        kinds = {k for k in ROUTE_KINDS[route.key].values() if k != "enum"}
        client = api if route.is_api else page
        for url, label in route_urls(route, mine=mine.ids, other=other.ids, shared=world.shared):
            for method in METHODS:
                probes += 1
                response, changed, _ = guard.run(
                    lambda c=client, m=method, u=url, a=route.is_api: _send(c, m, u, body, api=a)
                )
                where = f"{method.upper()} {url} [{route.key}: {label}]"
                if response.status_code >= 500:
                    failures.append(f"{where}: {response.status_code}")
                    continue
                if changed:
                    failures.append(f"{where}: {response.status_code}, changed {changed}")
                if not _allowed_status(route, response, kinds if method == "get" else set()):
                    failures.append(f"{where}: answered {response.status_code}")
                leaked = _leaks(response, other.markers)
                if leaked:
                    failures.append(f"{where}: {response.status_code} shows {leaked}")
    assert fingerprint(tables) == baseline
    assert probes > 1000
    assert failures == [], f"{len(failures)} of {probes} probes failed:\n" + "\n".join(failures)


# Routes where a contact reaches the own organisation's objects (the probes are not vacuous).
POSITIVE: frozenset[str] = frozenset(
    {
        "asset-detail",
        "asset-entitlement",
        "asset-extensions",
        "calendar-detail",
        "calendar-export",
        "case-attachment-download",
        "case-attachments",
        "case-checklist",
        "case-claim",
        "case-comments",
        "case-detail",
        "case-loans",
        "case-quotes",
        "case-reports",
        "case-sla-detail",
        "case-survey",
        "case-timeline",
        "case-visits",
        "channels:portal-chat",
        "channels:portal-chat-messages",
        "complaint-detail",
        "contact-detail",
        "contract-detail",
        "contract-renewals",
        "customer-detail",
        "delivery-detail",
        "exchange-detail",
        "file-download",
        "inspection:pdf",
        "inspection:portal-delivery",
        "inspection:xlsx",
        "kb-manual-pdf",
        "portal:case",
        "product-detail",
        "quote-detail",
        "region-detail",
        "replacement-detail",
        "return-detail",
        "site-detail",
        "surveys:survey",
        "user-detail",
    }
)


@pytest.mark.django_db
def test_own_objects_are_reachable(world: World) -> None:
    """The same routes filled with the contact's own identifiers answer 200 where the route is
    for customers: a positive control per route family."""
    mine = world.a
    page, api = _clients(world, mine)
    reachable = set()
    for route in _probe_routes().values():
        if route.key not in ROUTE_KINDS:
            continue
        client = api if route.is_api else page
        kinds = ROUTE_KINDS[route.key]
        kwargs = {}
        for p in route.params:
            kind = kinds[p]
            if kind == "enum":
                kwargs[p] = ENUMS[(route.key, p)][0]
            elif kind == "survey_token_guess":
                kwargs[p] = mine.ids["survey_token"]
            elif kind in SHARED_KINDS:
                kwargs[p] = world.shared[kind]
            else:
                kwargs[p] = mine.ids[kind]
        response = client.get(reverse(route.key, kwargs=kwargs))
        assert response.status_code < 500, route.key
        if response.status_code == 200:
            reachable.add(route.key)
    assert reachable >= POSITIVE, sorted(POSITIVE - reachable)
    assert reachable <= POSITIVE, sorted(reachable - POSITIVE)


@pytest.mark.django_db
def test_lists_and_searches_never_show_the_other_organisation(world: World) -> None:
    """Every route without parameters, read with the other organisation's identifiers as search
    terms and filters, and written with a body naming its objects: none of its rows appear and
    none of its objects change."""
    mine, other = world.a, world.b
    page, api = _clients(world, mine)
    tables = fingerprint_tables()
    guard = Savepoint(tables, fingerprint(tables))
    footprint = org_footprint(other.customer)
    body = plausible_body(other.ids)
    terms = [other.ids["case"], other.ids["asset"], other.ids["customer"], "MARK-B"]
    filters = {
        "customer": other.ids["customer"],
        "asset": other.ids["asset"],
        "serial_number": other.ids["asset"],
    }
    failures: list[str] = []
    own_seen = set()
    for route in _probe_routes().values():
        if route.key not in LIST_ROUTES:
            continue
        client = api if route.is_api else page
        base = reverse(route.key)
        urls = [base] + [f"{base}?{urlencode({**filters, 'search': t, 'q': t})}" for t in terms]
        for url in urls:
            for method in METHODS if url == base else ("get",):
                response, _changed, after = guard.run(
                    lambda c=client, m=method, u=url, a=route.is_api: _send(c, m, u, body, api=a),
                    inspect=lambda: org_footprint(other.customer),
                )
                where = f"{method.upper()} {url} [{route.key}]"
                if response.status_code >= 500:
                    failures.append(f"{where}: {response.status_code}")
                    continue
                if after != footprint:
                    failures.append(f"{where}: {response.status_code} changed the other org")
                leaked = _leaks(response, other.markers, url=url, body=json.dumps(body))
                if leaked:
                    failures.append(f"{where}: {response.status_code} shows {leaked}")
                if (
                    method == "get"
                    and response.status_code == 200
                    and any(m in _text(response) for m in mine.markers)
                ):
                    own_seen.add(route.key)
    assert failures == [], "\n".join(failures)
    # Positive control: the contact's own rows do appear in the customer lists.
    assert own_seen >= OWN_LISTS, sorted(OWN_LISTS - own_seen)


OWN_LISTS = frozenset({"portal:home", "portal:assets", "case-list", "asset-list"})


@pytest.mark.django_db
def test_files_answer_404_by_id_and_by_guessed_path(world: World) -> None:
    """Attachments and exports: the other organisation's by id 404; the storage path is not
    served at all; the own file downloads (the control)."""
    from django.conf import settings

    mine, other = world.a, world.b
    page, api = _clients(world, mine)
    theirs = other.objects["attachment"]
    own = page.get(reverse("file-download", kwargs={"attachment_id": mine.ids["attachment"]}))
    assert own.status_code == 200
    assert "MARK-A-file-content" in _text(own)
    for guess in (
        reverse("file-download", kwargs={"attachment_id": theirs.pk}),
        settings.MEDIA_URL + theirs.file.name,
        "/media/" + theirs.file.name,
        settings.MEDIA_URL + other.objects["export"].file.name,
    ):
        response = page.get(guess)
        assert response.status_code == 404, guess
    for number in (mine.ids["case"], other.ids["case"]):
        url = reverse(
            "case-attachment-download", kwargs={"number": number, "attachment_id": theirs.pk}
        )
        assert api.get(url).status_code == 404, url
    # Exports are staff work: the owner downloads, a contact is sent back to the portal.
    export_url = reverse("exports:download", kwargs={"pk": other.ids["export"]})
    owner = Client()
    owner.force_login(world.staff["agent"], backend="django.contrib.auth.backends.ModelBackend")
    assert owner.get(export_url).status_code == 200
    refused = page.get(export_url)
    assert refused.status_code in REFUSED or is_refusal_redirect(refused)


@pytest.mark.django_db
def test_admin_is_closed_to_customer_contacts(world: World) -> None:
    """Every admin route, with the other organisation's ids, sends a contact to sign in."""
    from aftersales.core.tests.isolation_probe import all_routes as routes

    page, _ = _clients(world, world.a)
    other_case = world.b.objects["case"]
    failures = []
    count = 0
    for route in routes():
        if not route.is_admin or route.key in ("admin:login", "admin/login/", "admin:logout"):
            continue
        kwargs = {
            p: {"object_id": str(other_case.pk), "app_label": "cases", "content_type_id": "1"}.get(
                p, "1"
            )
            for p in route.params
        }
        try:
            url = reverse(route.key, kwargs=kwargs)
        except Exception:  # noqa: BLE001, S112 - an unnamed admin route: nothing to reverse
            continue
        for method in ("get", "post"):
            count += 1
            response = getattr(page, method)(url, {"probe": "1"})
            if not (response.status_code in REFUSED or is_refusal_redirect(response)):
                failures.append(f"{method.upper()} {url}: {response.status_code}")
    assert count > 300
    assert failures == [], failures
