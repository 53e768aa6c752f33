"""Fixtures of the browser tests: Debian's Chromium, people signed in through the real login
page, screenshots kept as test artifacts.

Every test here runs against pytest-django's ``live_server`` on a transactional database (the
server thread and the test share committed rows) with ``serialized_rollback`` (migrations seed the
calendars and SLA policies that the flush after each test removes).
"""

from __future__ import annotations

import datetime
import re
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
PASSWORD = "pw-Secret-123"  # noqa: S105 (UserFactory's test password)
TIMEOUT_MS = 15_000

expect.set_options(timeout=TIMEOUT_MS)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test of this package ``e2e`` (and none elsewhere: the hook sees all items)."""
    for item in items:
        if Path(str(item.fspath)).resolve().is_relative_to(HERE):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """When a browser test fails, add what every open page shows (its address and text) to the
    report and keep a screenshot of it: the failure can then be read from a CI log."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    browser = getattr(item, "funcargs", {}).get("browser")
    if report.when != "call" or not report.failed or browser is None:
        return
    test_name = re.sub(r"[^\w.-]+", "-", item.name).strip("-")
    for i, context in enumerate(browser.contexts):
        for j, page in enumerate(context.pages):
            try:
                text = page.locator("body").inner_text(timeout=2_000)
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(
                    path=str(SCREENSHOTS / f"{test_name}-failure-{i}-{j}.png"), full_page=True
                )
            except Exception as exc:  # noqa: BLE001 (a diagnostic must not hide the failure)
                text = f"(could not read the page: {exc})"
            report.sections.append((f"browser page {i}.{j} at {page.url}", text[:4_000]))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch Debian's Chromium (never ``playwright install``), as STACK-NOTES.md shows."""
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            *browser_type_launch_args.get("args", []),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session", autouse=True)
def _serialized_rollback_under_playwright(
    request: pytest.FixtureRequest, django_db_setup: None
) -> None:
    """Keep ``serialized_rollback`` working once Playwright has started.

    Playwright's sync API leaves an asyncio loop registered as running in the main thread, so
    Django's thread-critical ``connections`` switch to context-local storage and hand out new
    connection objects. Those lack the ``_test_serialized_contents`` that ``setup_databases``
    stored on the first ones, and every transactional test from then on (these and later ones
    in the same process) would restore nothing after a flush: no calendars, no SLA policies.
    Carry the serialized contents over to the new connection objects.
    """
    from django.db import connections

    contents = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    request.getfixturevalue("playwright")
    for alias, data in contents.items():
        connections[alias]._test_serialized_contents = data


class _InFlight:
    """Requests the live server is handling (it runs in threads of this process)."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    def started(self, **kwargs: Any) -> None:
        with self.lock:
            self.count += 1

    def finished(self, **kwargs: Any) -> None:
        with self.lock:
            self.count -= 1


_in_flight = _InFlight()


@pytest.fixture(scope="session", autouse=True)
def _count_live_requests() -> Iterator[None]:
    from django.core.signals import request_finished, request_started

    request_started.connect(_in_flight.started, weak=False)
    request_finished.connect(_in_flight.finished, weak=False)
    yield
    request_started.disconnect(_in_flight.started)
    request_finished.disconnect(_in_flight.finished)


@pytest.fixture(autouse=True)
def _live_server_idle_before_flush(transactional_db: None) -> Iterator[None]:
    """Let the live server finish what it is serving before the database is flushed.

    The browser contexts close before this teardown, but a request they sent just before (an
    htmx poll) may still be running in the server's thread; the flush's ``TRUNCATE`` of every
    table and that request's queries can then deadlock, and PostgreSQL may end the flush.
    """
    yield
    deadline = time.monotonic() + 10
    while _in_flight.count > 0 and time.monotonic() < deadline:
        time.sleep(0.02)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def photo() -> bytes:
    """A small, valid PNG (an orange rectangle of 8 x 6 pixels), built from scratch."""
    width, height = 8, 6

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + b"\xff\x80\x00" * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    """Save a full-page screenshot as ``test-artifacts/screenshots/<test-name>-<step>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    test_name = re.sub(r"[^\w.-]+", "-", request.node.name).strip("-")

    def shoot(page: Page, step: str) -> Path:
        path = SCREENSHOTS / f"{test_name}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shoot


@pytest.fixture(scope="session")
def base_url(live_server: Any) -> str:
    """Point every browser context at the live server (pages are opened by their path)."""
    return live_server.url


@pytest.fixture
def open_browser(new_context: Callable[..., Any], live_server: Any) -> Callable[[str], Page]:
    """Return a function that opens a fresh browser context (its own cookies: one person) whose
    Accept-Language is ``locale``."""

    def open_(locale: str) -> Page:
        context = new_context(locale=locale, timezone_id="Asia/Shanghai")
        context.set_default_timeout(TIMEOUT_MS)
        return context.new_page()

    return open_


def arrived(page: Page, url: re.Pattern[str] | str) -> None:
    """Wait until ``page`` shows ``url`` and that page has finished loading.

    The address changes as soon as the new page starts to arrive, before its deferred scripts
    run: a press or a choice made then can miss the script that should handle it (an empty
    signature pad posted unchecked, a C-1 confirmation box never shown).
    """
    expect(page).to_have_url(url)
    page.wait_for_load_state("load")


def _sign_in(page: Page, user: Any, *, heading: str | None = None) -> None:
    page.goto("/accounts/login/")
    if heading is not None:
        expect(page.locator("main h1")).to_have_text(heading)
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    landing = "/portal/" if user.is_customer_contact else "/console/"
    arrived(page, re.compile(re.escape(landing) + "$"))


@pytest.fixture
def sign_in() -> Callable[..., None]:
    """Return ``sign_in(page, user, heading=None)``: sign in through the real login page (and
    check that its title reads ``heading``); it waits for the console or the portal."""
    return _sign_in


@pytest.fixture
def unit(customer: Any) -> Any:
    """A unit of ``customer`` under a 7x24 contract in force (response due within 2 hours)."""
    from aftersales.catalog.tests.factories import AssetFactory, ContractFactory
    from aftersales.core import clock

    today = clock.today()
    contract = ContractFactory(
        number="C-E2E-7X24",
        customer=customer,
        service_level="7x24",
        start_date=today - datetime.timedelta(days=30),
        end_date=today + datetime.timedelta(days=365),
    )
    return AssetFactory(
        serial_number="SN-E2E-0001",
        customer=customer,
        contract=contract,
        purchase_date=today - datetime.timedelta(days=20),
    )
