"""Settings for aftersales, read from the environment (12-factor).

With no environment at all the embedded default runs: DEBUG on, SQLite under ``data/``, locmem
cache, console email and background tasks inside the server process. Every variable is listed in
``.env.example`` and the README.
"""

from __future__ import annotations

import secrets
import warnings
from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(environ.Env().str("AFTERSALES_DATA_DIR", default=str(BASE_DIR / "data")))

env = environ.Env()
env_file = BASE_DIR / ".env"
if env_file.exists():
    environ.Env.read_env(str(env_file))

DEBUG = env.bool("DEBUG", default=True)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Embedded mode: keep a random key beside the database so sessions survive a restart.
    key_file = DATA_DIR / "secret_key"
    try:
        SECRET_KEY = key_file.read_text().strip()
    except OSError:
        SECRET_KEY = ""
    if not SECRET_KEY:
        SECRET_KEY = secrets.token_urlsafe(50)
        try:
            DATA_DIR.mkdir(parents=True, exist_ok=True)
            key_file.write_text(SECRET_KEY)
            key_file.chmod(0o600)
        except OSError:
            pass
        warnings.warn(
            "SECRET_KEY is not set; generated a random one for this embedded install.", stacklevel=1
        )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "aftersales.core",
    "aftersales.accounts",
    "aftersales.customers",
    "aftersales.catalog",
    "aftersales.calendars",
    "aftersales.cases",
    "aftersales.sla",
    "aftersales.notifications",
    "aftersales.mailin",
    "aftersales.channels",
    "aftersales.warranty",
    "aftersales.returns",
    "aftersales.complaints",
    "aftersales.dispatch",
    "aftersales.servicereports",
    "aftersales.parts",
    "aftersales.inspection",
    "aftersales.releases",
    "aftersales.training",
    "aftersales.knowledge",
    "aftersales.kpi",
    "aftersales.exports",
    "aftersales.surveys",
    "aftersales.console",
    "aftersales.portal",
    "aftersales.demo",
    "aftersales.ops",
    "aftersales.audit",
]

MIDDLEWARE = [
    "aftersales.ops.middleware.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "aftersales.core.middleware.RejectNulBytesMiddleware",
    # Django's session and message middleware; their stores are built on first use (core.lazy).
    "aftersales.core.lazy.SessionMiddleware",
    # Django's, without the URL-prefix look-ups of i18n_patterns, which we do not use.
    "aftersales.core.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Marks request.user verified when the session passed a two-factor code.
    "django_otp.middleware.OTPMiddleware",
    # Remembers who acts and from where for the audit trail (aftersales.audit).
    "aftersales.audit.context.AuditContextMiddleware",
    "aftersales.core.middleware.UserPreferencesMiddleware",
    "aftersales.core.lazy.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Downloads: allow-listed type, attachment, nosniff, a sandboxing CSP (aftersales.core).
    "aftersales.core.downloads.DownloadHeadersMiddleware",
    # django-csp's, with the settings' policy built once (aftersales.core.csp).
    "aftersales.core.csp.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Administrators without a verified second factor go to the two-factor pages (when required).
    "aftersales.accounts.middleware.TwoFactorRequiredMiddleware",
    # A database that went away in a view answers 503 with Retry-After (aftersales.ops).
    "aftersales.ops.middleware.DatabaseUnavailableMiddleware",
    # Last: turns a refused sign-in of a locked-out username or address into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # Production serves collected static files itself (runserver does it under DEBUG).
    MIDDLEWARE.insert(2, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "aftersales.config.urls"
WSGI_APPLICATION = "aftersales.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "aftersales" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so concurrent writers (web threads and
    # the in-process scheduler) queue on the busy timeout instead of failing to upgrade a lock.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # The same backend, with a health check that looks at the socket instead of a
        # round trip (aftersales.core.postgresql).
        DATABASES["default"]["ENGINE"] = "aftersales.core.postgresql"
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache --------------------------------------------------------------------------------------
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://aftersales")}

# --- Auth ---------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# django-axes checks every sign-in (console, portal, admin, API session login) for a lock-out
# before the model backend tries the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# --- Sign-in throttling (django-axes, see docs/SECURITY.md) -------------------------------------
# A username is locked after LOGIN_FAILURE_LIMIT failed sign-ins, a client address after
# LOGIN_FAILURE_LIMIT_IP (higher: offices share one address), for LOGIN_LOCKOUT_MINUTES after the
# last failure. Administrators unlock in the admin (users: "Unlock sign-in"; access attempts) or
# with `aftersales axes_reset_username NAME` / `aftersales axes_reset_ip ADDRESS`.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_LIMIT_IP = env.int("LOGIN_FAILURE_LIMIT_IP", default=20)
LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MINUTES", default=15)
# Reverse proxies in front of the application that append to X-Forwarded-For (0: none, the
# client address is REMOTE_ADDR and a forged X-Forwarded-For header is ignored).
LOGIN_TRUSTED_PROXY_COUNT = env.int("LOGIN_TRUSTED_PROXY_COUNT", default=0)
AXES_HANDLER = "aftersales.accounts.throttling.LoginThrottleHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "aftersales.accounts.throttling.lockout_response"
AXES_SENSITIVE_PARAMETERS = ["password", "otp_token"]
AXES_CLIENT_IP_CALLABLE = "aftersales.accounts.throttling.client_ip"
AXES_VERBOSE = False

# --- Two-factor sign-in (django-otp, TOTP apps and recovery codes) ------------------------------
# Staff may turn on a second factor on /accounts/two-factor/. With TWO_FACTOR_REQUIRED_FOR_ADMINS
# (on by default in production) administrators must enrol before they can do anything else.
TWO_FACTOR_REQUIRED_FOR_ADMINS = env.bool("TWO_FACTOR_REQUIRED_FOR_ADMINS", default=not DEBUG)
TWO_FACTOR_RECOVERY_CODES = 10
# A password accepted for an account with a second factor waits this long for the code.
TWO_FACTOR_PENDING_SECONDS = 300
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="aftersales")

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}


def s3_storage(
    *, bucket: str, endpoint_url: str, region: str, access_key: str, secret_key: str
) -> dict[str, Any]:
    """The ``STORAGES["default"]`` entry for case files on an S3-compatible store (the tests in
    aftersales/ops/tests/test_s3_storage.py build theirs with it, for their own server)."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url or None,
            "region_name": region or None,
            "access_key": access_key or None,
            "secret_key": secret_key or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }


# Case files: a local folder by default; any S3-compatible store when S3_BUCKET is set (install
# the extra: pip install "aftersales[s3]"). Files are always served through /files/<id>/.
S3_BUCKET = env.str("S3_BUCKET", default="")
if S3_BUCKET:
    try:
        import storages  # noqa: F401
    except ImportError as exc:
        raise ImproperlyConfigured(
            "S3_BUCKET is set but django-storages is missing: pip install 'aftersales[s3]'"
        ) from exc
    STORAGES["default"] = s3_storage(
        bucket=S3_BUCKET,
        endpoint_url=env.str("S3_ENDPOINT_URL", default=""),
        region=env.str("S3_REGION", default=""),
        access_key=env.str("S3_ACCESS_KEY", default=""),
        secret_key=env.str("S3_SECRET_KEY", default=""),
    )
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # larger uploads spool to a temporary file

# --- Email --------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="aftersales@localhost")

# --- REST API -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "aftersales.core.authentication.LocalizedTokenAuthentication",
        "aftersales.core.authentication.LocalizedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "aftersales.core.pagination.KeysetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "aftersales.core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "aftersales.core.api.exception_handler",
    # DRF's JSON renderer, the document written by orjson (core.renderers).
    "DEFAULT_RENDERER_CLASSES": ["aftersales.core.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DATETIME_FORMAT": "iso-8601",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # `format` is a plain query parameter of ours (calendar exports), not DRF's renderer switch.
    "URL_FORMAT_OVERRIDE": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "aftersales API",
    "DESCRIPTION": "After-sales service and technical-support management system.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Some fields are left out for some roles (a customer contact sees no investigation notes).
    "COMPONENT_NO_READ_ONLY_REQUIRED": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {},
}

# --- Background work ----------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE

# --- Security (production values switch on when DEBUG is off) -----------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# A session lasts SESSION_COOKIE_AGE_HOURS from sign-in (default 12 hours: one working day).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE_HOURS", default=12) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=False)
# Sessions are read from the cache (Redis in production) before the database.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Pages carry the CSRF token in their forms and htmx headers; no script reads the cookie.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "aftersales.accounts.auth_views.csrf_failure"
# Content-Security-Policy (django-csp): scripts and style sheets only from our own origin, no
# inline or eval'd script; style attributes (bar widths) are the one inline thing allowed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-elem": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "media-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Logging ------------------------------------------------------------------------------------
# LOG_FORMAT=json writes one JSON object per line (for a log shipper); the default is plain text.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "aftersales.ops.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Operations: probes and metrics --------------------------------------------------------------
# /metrics asks for "Authorization: Bearer <METRICS_TOKEN>" when set (answering 404 otherwise).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Installation-wide figures (open cases, clocks by state) are recomputed at most this often.
OPS_METRICS_CACHE_SECONDS = env.int("OPS_METRICS_CACHE_SECONDS", default=30)
OPS_METRICS_QUEUES = env.list("OPS_METRICS_QUEUES", default=["celery"])
# The Retry-After a client gets with a 503 while the database is away.
OPS_RETRY_AFTER_SECONDS = env.int("OPS_RETRY_AFTER_SECONDS", default=5)

# --- Application tunables -----------------------------------------------------------------------
CASES_NUMBER_PREFIX = env.str("CASES_NUMBER_PREFIX", default="SR")
CASES_MAX_TEXT_LENGTH = env.int("CASES_MAX_TEXT_LENGTH", default=20000)
# Plain token-authenticated creates skip DRF (cases/api/intake.py); same answers, sooner.
CASES_FAST_CREATE = env.bool("CASES_FAST_CREATE", default=True)
# The hot write paths' statements are prepared once per database session (core.batch); a pooler
# that shares sessions between clients (PgBouncer in transaction mode) needs this off.
DB_PREPARED_STATEMENTS = env.bool("DB_PREPARED_STATEMENTS", default=True)
CASES_IDEMPOTENCY_TTL_HOURS = env.int("CASES_IDEMPOTENCY_TTL_HOURS", default=24)
CASES_ATTACHMENT_MAX_BYTES = env.int("CASES_ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)
# Contracts ending within this many days are listed for renewal.
CONTRACTS_RENEWAL_NOTICE_DAYS = env.int("CONTRACTS_RENEWAL_NOTICE_DAYS", default=60)
# Field service: travel time assumed per distance class, in hours (for dispatch ETAs).
DISPATCH_TRAVEL_HOURS = {
    "local": env.float("DISPATCH_TRAVEL_HOURS_LOCAL", default=2),
    "served": env.float("DISPATCH_TRAVEL_HOURS_SERVED", default=6),
    "remote": env.float("DISPATCH_TRAVEL_HOURS_REMOTE", default=24),
}
# Satisfaction surveys: remind once after N days, expire after M days; an overall score at or
# below SURVEYS_LOW_SCORE opens a follow-up for the region's supervisor.
SURVEYS_REMIND_AFTER_DAYS = env.int("SURVEYS_REMIND_AFTER_DAYS", default=2)
SURVEYS_EXPIRE_AFTER_DAYS = env.int("SURVEYS_EXPIRE_AFTER_DAYS", default=7)
SURVEYS_LOW_SCORE = env.int("SURVEYS_LOW_SCORE", default=2)
# How long a quote for work not covered by the warranty stays valid (days).
WARRANTY_QUOTE_VALID_DAYS = env.int("WARRANTY_QUOTE_VALID_DAYS", default=15)
# One name per choice set in the API schema (several models have a "status", "kind", ...).
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "ContractServiceLevelEnum": "aftersales.catalog.choices.ServiceLevel",
        "CoverageKindEnum": "aftersales.catalog.choices.CoverageKind",
        "ClockStateEnum": "aftersales.sla.choices.ClockState",
        "CallStateEnum": "aftersales.channels.choices.CallState",
        "CaseStatusEnum": "aftersales.cases.choices.CaseStatus",
        "VisitKindEnum": "aftersales.dispatch.choices.VisitKind",
        "VisitStatusEnum": "aftersales.dispatch.choices.VisitStatus",
        "QuoteStatusEnum": "aftersales.warranty.choices.QuoteStatus",
        "QuoteLineKindEnum": "aftersales.warranty.choices.QuoteLineKind",
        "ClaimDecisionEnum": "aftersales.warranty.choices.ClaimDecision",
        "ClaimRemedyEnum": "aftersales.warranty.choices.ClaimRemedy",
        "CaseSeverityEnum": "aftersales.cases.choices.CaseSeverity",
        "ReleaseSeverityEnum": "aftersales.releases.choices.ReleaseSeverity",
    }
)

# Periodic background tasks: (dotted path of a task function, interval in seconds). Celery beat
# runs them in production; `aftersales serve` runs them in-process in the embedded mode.
AFTERSALES_PERIODIC_TASKS = [
    ("aftersales.sla.tasks.sla_sweep_task", 60),
    ("aftersales.cases.tasks.idempotency_records_purge_task", 3600),
    ("aftersales.mailin.tasks.mailin_fetch_task", 60),
    ("aftersales.channels.tasks.webhook_events_purge_task", 3600),
    ("aftersales.notifications.tasks.notifications_deliver_task", 5),
    ("aftersales.notifications.tasks.notifications_purge_task", 86400),
    ("aftersales.dispatch.tasks.rotations_generate_task", 3600),
    ("aftersales.dispatch.tasks.plans_open_due_task", 3600),
    ("aftersales.dispatch.tasks.auto_dispatch_task", 60),
    ("aftersales.surveys.tasks.surveys_task", 300),
    ("aftersales.kpi.tasks.report_schedules_task", 3600),
    ("aftersales.kpi.tasks.kpi_rollup_task", 60),
    ("aftersales.parts.tasks.returns_overdue_task", 3600),
    ("aftersales.parts.tasks.exchange_clock_task", 300),
    ("aftersales.exports.tasks.exports_sweep_task", 60),
]
AFTERSALES_SCHEDULER_ENABLED = env.bool("AFTERSALES_SCHEDULER_ENABLED", default=True)

# --- Background exports (aftersales.exports) ---------------------------------------------------
# A report export of more rows than this runs in the background (progress on /exports/).
EXPORTS_INLINE_MAX_ROWS = env.int("EXPORTS_INLINE_MAX_ROWS", default=5000)
# Finished export files are deleted this many days after they were made.
EXPORTS_KEEP_DAYS = env.int("EXPORTS_KEEP_DAYS", default=7)
# A running export saves its progress at most this often (seconds).
EXPORTS_PROGRESS_SECONDS = env.float("EXPORTS_PROGRESS_SECONDS", default=1.0)
# A job still queued after this many seconds is run by the periodic sweep; one running for more
# than EXPORTS_STALE_HOURS is marked failed.
EXPORTS_REQUEUE_SECONDS = env.int("EXPORTS_REQUEUE_SECONDS", default=60)
EXPORTS_STALE_HOURS = env.int("EXPORTS_STALE_HOURS", default=6)

# --- E-mail intake (aftersales.mailin) ----------------------------------------------------------
# A message larger than this (IMAP RFC822.SIZE) is not downloaded: it is listed in quarantine,
# where an administrator may release it. A mailbox may set its own limit.
MAILIN_MAX_MESSAGE_BYTES = env.int("MAILIN_MAX_MESSAGE_BYTES", default=25 * 1024 * 1024)
# At most this many new messages are taken from one mailbox per fetch round.
MAILIN_FETCH_BATCH = env.int("MAILIN_FETCH_BATCH", default=500)
# Network timeout (seconds) of one IMAP connection.
MAILIN_TIMEOUT = env.int("MAILIN_TIMEOUT", default=30)
# The IMAP keyword that marks a message as recorded (set only after its case is committed).
# (Read without django-environ's "$VAR" interpolation: IMAP keywords start with "$".)
MAILIN_DONE_KEYWORD = env.ENVIRON.get("MAILIN_DONE_KEYWORD") or "$AftersalesDone"
# Quarantined messages are retried: the n-th failure waits BASE * 2**(n-1) seconds (at most MAX);
# after MAX_ATTEMPTS failures only an administrator retries (the message is kept regardless).
MAILIN_RETRY_BASE_SECONDS = env.int("MAILIN_RETRY_BASE_SECONDS", default=300)
MAILIN_RETRY_MAX_SECONDS = env.int("MAILIN_RETRY_MAX_SECONDS", default=6 * 3600)
MAILIN_MAX_ATTEMPTS = env.int("MAILIN_MAX_ATTEMPTS", default=10)
# Administrators get one e-mail after this many failed fetch rounds of a mailbox in a row.
MAILIN_ALERT_AFTER_FAILURES = env.int("MAILIN_ALERT_AFTER_FAILURES", default=3)

# --- Phone, SMS and chat (aftersales.channels) -------------------------------------------------
# Shared secrets of the CTI (call-center) and SMS-gateway webhooks (HMAC-SHA256 signatures, see
# docs/API.md). Empty: the webhook refuses every request (503) until a secret is configured.
CHANNELS_CTI_SECRET = env.str("CHANNELS_CTI_SECRET", default="")
CHANNELS_SMS_SECRET = env.str("CHANNELS_SMS_SECRET", default="")
# A signed request older or newer than this (seconds) is refused as a possible replay.
CHANNELS_SIGNATURE_TOLERANCE_SECONDS = env.int("CHANNELS_SIGNATURE_TOLERANCE_SECONDS", default=300)
# Webhook event ids are remembered this long (days) to answer retried deliveries.
CHANNELS_EVENT_RETENTION_DAYS = env.int("CHANNELS_EVENT_RETENTION_DAYS", default=30)
# The area code (without the trunk 0, e.g. "21" for Shanghai) that completes 7-8 digit local
# landline numbers; empty: local numbers are matched as dialled.
CHANNELS_LOCAL_AREA_CODE = env.str("CHANNELS_LOCAL_AREA_CODE", default="")
# Calls older than this (hours) never pop up (their end event may have been lost).
CHANNELS_CALL_STALE_HOURS = env.int("CHANNELS_CALL_STALE_HOURS", default=4)
# How often (seconds) the console asks for screen-pops and waiting chats, and chats for messages.
CHANNELS_POLL_SECONDS = env.int("CHANNELS_POLL_SECONDS", default=3)
# Longest chat message (characters).
CHANNELS_CHAT_MAX_CHARS = env.int("CHANNELS_CHAT_MAX_CHARS", default=2000)


# --- Notifications out (aftersales.notifications) ----------------------------------------------
# Absolute links in messages (the portal page where a customer confirms and rates a resolution).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# The sender of case e-mails, and the mailbox customers reply to (the e-mail intake reads it).
NOTIFICATIONS_FROM_EMAIL = env.str("NOTIFICATIONS_FROM_EMAIL", default="") or DEFAULT_FROM_EMAIL
NOTIFICATIONS_REPLY_TO = env.str("NOTIFICATIONS_REPLY_TO", default="")  # empty: the sender
# The right-hand side of Message-IDs (<case.NUMBER.random@domain>); empty: the sender's domain.
NOTIFICATIONS_MESSAGE_ID_DOMAIN = env.str("NOTIFICATIONS_MESSAGE_ID_DOMAIN", default="")
# SMS: a backend class (dotted path). With NOTIFICATIONS_SMS_URL set, the generic HTTP gateway
# backend is the default (POST JSON {to, text, id} with "Authorization: Bearer TOKEN").
NOTIFICATIONS_SMS_URL = env.str("NOTIFICATIONS_SMS_URL", default="")
NOTIFICATIONS_SMS_TOKEN = env.str("NOTIFICATIONS_SMS_TOKEN", default="")
NOTIFICATIONS_SMS_BACKEND = env.str(
    "NOTIFICATIONS_SMS_BACKEND",
    default=(
        "aftersales.notifications.sms.HttpGatewaySmsBackend"
        if NOTIFICATIONS_SMS_URL
        else "aftersales.notifications.sms.ConsoleSmsBackend"
    ),
)
NOTIFICATIONS_SMS_MAX_CHARS = env.int("NOTIFICATIONS_SMS_MAX_CHARS", default=300)
# Network timeouts (seconds) of one SMTP, SMS-gateway or webhook call.
NOTIFICATIONS_SEND_TIMEOUT = env.int("NOTIFICATIONS_SEND_TIMEOUT", default=10)
# Retries: the n-th failed attempt waits RETRY_BASE * 2**(n-1) seconds (at most RETRY_MAX), and
# after MAX_ATTEMPTS attempts the delivery is marked failed (visible in the admin).
NOTIFICATIONS_MAX_ATTEMPTS = env.int("NOTIFICATIONS_MAX_ATTEMPTS", default=8)
NOTIFICATIONS_RETRY_BASE_SECONDS = env.int("NOTIFICATIONS_RETRY_BASE_SECONDS", default=30)
NOTIFICATIONS_RETRY_MAX_SECONDS = env.int("NOTIFICATIONS_RETRY_MAX_SECONDS", default=3600)
# Deliveries a worker claims at a time, and how long the claim holds before another worker may
# take over (a crashed sender's messages are retried after it).
NOTIFICATIONS_BATCH = env.int("NOTIFICATIONS_BATCH", default=50)
NOTIFICATIONS_LEASE_SECONDS = env.int("NOTIFICATIONS_LEASE_SECONDS", default=300)
# One run of the delivery task stops taking new work after this many seconds.
NOTIFICATIONS_RUN_SECONDS = env.int("NOTIFICATIONS_RUN_SECONDS", default=30)
# Events older than this when the task first sees them are not sent (e.g. after a long outage).
NOTIFICATIONS_EVENT_MAX_AGE_HOURS = env.int("NOTIFICATIONS_EVENT_MAX_AGE_HOURS", default=48)
# Status changes the customer hears about (first response, resolution and reopening always).
NOTIFICATIONS_CUSTOMER_STATUSES = env.list(
    "NOTIFICATIONS_CUSTOMER_STATUSES",
    default=["dispatched", "waiting_customer", "waiting_parts", "closed"],
)
# After hours (outside this business calendar) urgent staff notices also go to the on-call
# person, and so does a new case of these severities.
NOTIFICATIONS_ONCALL_CALENDAR = env.str("NOTIFICATIONS_ONCALL_CALENDAR", default="cn-5x8")
NOTIFICATIONS_URGENT_SEVERITIES = env.list("NOTIFICATIONS_URGENT_SEVERITIES", default=["C-1"])
# Finished deliveries (sent, failed for good, skipped), staff notices and outbox events older
# than this many days are deleted by a daily task (`aftersales notifications_purge`); 0 keeps all.
NOTIFICATIONS_RETENTION_DAYS = env.int("NOTIFICATIONS_RETENTION_DAYS", default=180)

# Service levels: statuses in which clocks stand still, and the sweep's batch size.
SLA_PAUSING_STATUSES = env.list("SLA_PAUSING_STATUSES", default=["waiting_customer"])
SLA_SWEEP_BATCH = env.int("SLA_SWEEP_BATCH", default=500)

# --- Returns and complaints (aftersales.returns, aftersales.complaints) ---
# Return windows in calendar days counted from the delivery day (day 0); the last day of the
# window is inside (delivered on the 1st with 7 days: requests up to and including the 8th).
# RETURN_DAYS and EXCHANGE_DAYS apply to the reasons in RETURNS_QUALITY_REASONS; any other reason
# gets NO_REASON_DAYS, where 0 means such returns and exchanges are not offered at all.
RETURNS_RETURN_DAYS = env.int("RETURNS_RETURN_DAYS", default=7)
RETURNS_EXCHANGE_DAYS = env.int("RETURNS_EXCHANGE_DAYS", default=15)
RETURNS_NO_REASON_DAYS = env.int("RETURNS_NO_REASON_DAYS", default=0)
RETURNS_QUALITY_REASONS = env.list(
    "RETURNS_QUALITY_REASONS", default=["quality", "damaged_in_transport", "not_as_described"]
)
# Prefix of the RMA numbers issued on approval (RMA-YYYYMMDD-NNNN).
RETURNS_RMA_PREFIX = env.str("RETURNS_RMA_PREFIX", default="RMA")
# One name per choice set in the API schema ("kind" and "reason" are common field names).
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "ReturnKindEnum": "aftersales.returns.choices.ReturnKind",
        "ReturnReasonEnum": "aftersales.returns.choices.ReturnReason",
        "ReturnStepEnum": "aftersales.returns.choices.ReturnStep",
        "ComplaintSubjectEnum": "aftersales.complaints.choices.ComplaintSubject",
        "ComplaintOutcomeEnum": "aftersales.complaints.choices.ComplaintOutcome",
        "CompensationKindEnum": "aftersales.complaints.choices.CompensationKind",
        "CompensationStateEnum": "aftersales.complaints.choices.CompensationState",
    }
)

# --- Spare parts (aftersales.parts) -------------------------------------------------------------
# One name per choice set in the API schema ("status" and "kind" are common field names).
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "ReplacementStatusEnum": "aftersales.parts.choices.ReplacementStatus",
        "ExchangeRepairStatusEnum": "aftersales.parts.choices.ExchangeStatus",
        "StockMoveKindEnum": "aftersales.parts.choices.MoveKind",
        "StockConditionEnum": "aftersales.parts.choices.Condition",
        "ReplenishmentStatusEnum": "aftersales.parts.choices.RequestStatus",
    }
)

# --- Knowledge base (aftersales.knowledge) ------------------------------------------------------
KNOWLEDGE_PAGE_SIZE = env.int("KNOWLEDGE_PAGE_SIZE", default=20)  # search results per page
KNOWLEDGE_SUGGESTIONS = env.int("KNOWLEDGE_SUGGESTIONS", default=5)  # portal suggestions shown
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "ArticleStatusEnum": "aftersales.knowledge.choices.ArticleStatus",
        "ArticleCategoryEnum": "aftersales.knowledge.choices.ArticleCategory",
        "ArticleAudienceEnum": "aftersales.knowledge.choices.ArticleAudience",
    }
)
