"""CSRF on every form, a strict Content-Security-Policy, session settings, and `check --deploy`
clean under the production settings."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.views import APIView

import aftersales

ROOT = Path(aftersales.__file__).resolve().parent
# Templates that are never served as web pages (PDFs made by WeasyPrint, e-mails).
NOT_PAGES = re.compile(r"(pdf|/email/|/sms/)")


def page_templates() -> list[Path]:
    found = [
        p
        for p in ROOT.rglob("*.html")
        if "templates" in p.parts and not NOT_PAGES.search(str(p.relative_to(ROOT)))
    ]
    assert len(found) > 50
    return found


class Scan(HTMLParser):
    """Collects POST forms (with or without a CSRF field) and anything CSP would block."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self.inline_scripts: list[str] = []
        self.handlers: list[str] = []
        self.style_elements = 0
        self._form: dict | None = None
        self._in_script = False

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        a = dict(attrs)
        for name, value in attrs:
            if name.startswith("on") or name.startswith("hx-on"):
                self.handlers.append(f"<{tag} {name}={value!r}>")
            if value and "javascript:" in value.lower():
                self.handlers.append(f"<{tag} {name}={value!r}>")
        if tag == "form":
            self._form = {"method": (a.get("method") or "get").lower(), "csrf": False, "attrs": a}
            self.forms.append(self._form)
        elif tag == "input" and self._form is not None and a.get("name") == "csrfmiddlewaretoken":
            self._form["csrf"] = bool(a.get("value"))
        elif tag == "script":
            self._in_script = "src" not in a and a.get("type") != "application/json"
        elif tag == "style":
            self.style_elements += 1

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag == "form":
            self._form = None
        elif tag == "script":
            self._in_script = False

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self._in_script and data.strip():
            self.inline_scripts.append(data.strip()[:80])


def scan(html: str) -> Scan:
    parser = Scan()
    parser.feed(html)
    return parser


# --- CSRF ---------------------------------------------------------------------------------------


def test_every_post_form_in_the_templates_carries_the_csrf_token():
    missing = []
    for path in page_templates():
        text = path.read_text()
        for match in re.finditer(r"<form\b[^>]*>", text, flags=re.IGNORECASE):
            if not re.search(r"method=[\"']?post", match.group(0), flags=re.IGNORECASE):
                continue
            end = text.find("</form>", match.end())
            body = text[match.end() : end if end != -1 else len(text)]
            if "{% csrf_token %}" not in body:
                missing.append(f"{path.relative_to(ROOT)}: {match.group(0)[:80]}")
    assert missing == []


def test_no_view_skips_the_csrf_check_except_the_api():
    """Only DRF views are csrf-exempt: DRF checks CSRF itself for session-authenticated calls
    (tokens and signed webhooks need none)."""

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), p.callback

    exempt = [
        route
        for route, view in walk(get_resolver().url_patterns)
        if getattr(view, "csrf_exempt", False)
        and not issubclass(getattr(view, "cls", object), APIView)
    ]
    assert exempt == []


def test_pages_render_the_token_in_every_post_form(make_case, agent, contact_user, admin_user):
    case = make_case()
    pages = [
        (None, "/accounts/login/"),
        (agent, "/console/"),
        (agent, "/console/cases/"),
        (agent, f"/console/cases/{case.number}/"),
        (agent, "/accounts/two-factor/"),
        (contact_user, "/portal/"),
        (contact_user, f"/portal/cases/{case.number}/"),
        (admin_user, "/admin/"),
        (admin_user, f"/admin/accounts/user/{agent.pk}/change/"),
    ]
    checked = 0
    for user, url in pages:
        client = Client()
        if user:
            client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, url
        for form in scan(response.content.decode()).forms:
            if form["method"] == "post":
                assert form["csrf"], (url, form["attrs"])
                checked += 1
    assert checked >= 10


@pytest.mark.parametrize(
    ("who", "url", "data"),
    [
        (None, "/accounts/login/", {"username": "agent", "password": "pw-Secret-123"}),
        ("agent", "/accounts/language/", {"language": "en"}),
        ("agent", "/accounts/logout/", {}),
        ("agent", "/accounts/two-factor/setup/", {}),
        ("contact", "/portal/requests/new/", {"summary": "x"}),
        ("admin", "/admin/accounts/user/", {"action": "unlock_sign_in"}),
    ],
)
def test_a_post_without_the_token_is_refused(who, url, data, agent, contact_user, admin_user):
    client = Client(enforce_csrf_checks=True)
    user = {"agent": agent, "contact": contact_user, "admin": admin_user}.get(who)
    if user:
        client.force_login(user)
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "did not come from this site" in response.content.decode()
    if who is None:
        assert "_auth_user_id" not in client.session
    # With the token from the page the same kind of request goes through.
    if url == "/accounts/login/":
        page = client.get(url)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
        ok = client.post(url, {**data, "csrfmiddlewaretoken": token.group(1)})
        assert ok.status_code == 302


def test_the_api_refuses_a_session_post_without_the_token(agent):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    response = client.patch(
        "/api/v1/users/me/", {"language": "en"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    agent.refresh_from_db()
    assert agent.language != "en"


# --- Content-Security-Policy --------------------------------------------------------------------


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_pages_send_a_strict_content_security_policy(agent):
    client = Client()
    client.force_login(agent)
    directives = csp_directives(client.get("/console/"))
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src-elem"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    for values in directives.values():
        assert "'unsafe-eval'" not in values
    assert "'unsafe-inline'" not in directives["script-src"] + directives["style-src"]
    # The sign-in page and the API carry it too.
    assert "script-src 'self'" in Client().get("/accounts/login/")["Content-Security-Policy"]
    assert "Content-Security-Policy" in client.get("/api/v1/users/me/")


def test_no_template_has_inline_script_handlers_or_style_elements():
    offenders = []
    for path in page_templates():
        text = path.read_text()
        found = scan(text)
        name = str(path.relative_to(ROOT))
        offenders += [f"{name}: script {s!r}" for s in found.inline_scripts]
        offenders += [f"{name}: {h}" for h in found.handlers]
        if found.style_elements:
            offenders.append(f"{name}: <style>")
        if re.search(r"\bjs:|hx-vals=[\"']javascript", text):
            offenders.append(f"{name}: js: expression")
        # htmx trigger filters ("click[ctrlKey]") are evaluated with eval.
        offenders += [f"{name}: {m}" for m in re.findall(r'hx-trigger="[^"]*\[[^"]*"', text)]
    assert offenders == []


def test_rendered_pages_have_no_inline_script(make_case, agent, contact_user, admin_user):
    case = make_case()
    pages = [
        (None, "/accounts/login/"),
        (agent, f"/console/cases/{case.number}/"),
        (agent, "/console/cases/"),
        (contact_user, f"/portal/cases/{case.number}/"),
        (admin_user, "/admin/"),
        (admin_user, f"/admin/accounts/user/{agent.pk}/change/"),
        (admin_user, "/admin/cases/case/"),
    ]
    for user, url in pages:
        client = Client()
        if user:
            client.force_login(user)
        html = client.get(url).content.decode()
        found = scan(html)
        assert found.inline_scripts == [], url
        assert found.handlers == [], url
        assert found.style_elements == 0, url
        if url.startswith("/console/"):
            # htmx runs without eval and without injecting its own <style>.
            assert '"allowEval": false' in html
            assert '"includeIndicatorStyles": false' in html


def test_the_api_docs_page_loads_its_script_from_a_file(agent):
    client = Client()
    client.force_login(agent)
    page = client.get("/api/docs/")
    assert page.status_code == 200
    found = scan(page.content.decode())
    assert found.inline_scripts == []
    assert "script-src 'self' https://cdn.jsdelivr.net" in page["Content-Security-Policy"]
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


# --- Sessions -----------------------------------------------------------------------------------


def test_session_and_csrf_cookies_are_locked_down(agent):
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.SESSION_COOKIE_AGE == 12 * 3600
    assert settings.CSRF_COOKIE_HTTPONLY
    client = Client()
    page = client.get("/accounts/login/")
    csrf = page.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["httponly"]
    assert csrf["samesite"] == "Lax"
    response = client.post("/accounts/login/", {"username": "agent", "password": "pw-Secret-123"})
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["httponly"]
    assert session["samesite"] == "Lax"
    assert int(session["max-age"]) == 12 * 3600


# --- Production settings ------------------------------------------------------------------------


def production_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DEBUG"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "aftersales.config.settings",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "aftersales.example.com",
            "CSRF_TRUSTED_ORIGINS": "https://aftersales.example.com",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
            "AFTERSALES_DATA_DIR": str(tmp_path),
        }
    )
    return env


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    cli = Path(sys.executable).with_name("aftersales")
    return subprocess.run(
        [str(cli), *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    env = production_env(tmp_path)
    result = run_cli(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stderr


def test_production_settings_switch_on_the_protections(tmp_path):
    env = production_env(tmp_path)
    script = (
        "from django.conf import settings as s; "
        "print(s.TWO_FACTOR_REQUIRED_FOR_ADMINS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0, s.PASSWORD_HASHERS[0].split('.')[-1])"
    )
    result = run_cli(env, "shell", "--no-imports", "-c", script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["True"] * 5 + ["Argon2PasswordHasher"]
