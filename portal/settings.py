"""Settings for CCTV Warga.

One file, driven by environment variables only (see docs/operations.md for the
full list with defaults). Helpers in ``portal.env`` fail loudly on values they
do not understand.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from portal.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set (bin/run sets a development key for you)")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # project apps first so their templates override third-party ones
    "portal",
    "accounts",
    "police",
    "owners",
    "consent",
    "registry",
    "connectivity",
    "joining",
    "workspace",
    "notifications",
    "cms",
    "demo",
    # wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.simple_translation",
    "wagtail.locales",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # accounts
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # task engine
    "django_q",
    # django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",  # Wagtail's database search on PostgreSQL
    "django_htmx",
]

MIDDLEWARE = [
    "portal.health.HealthzFirstMiddleware",  # container health checks by 127.0.0.1, plain HTTP
    "django.middleware.security.SecurityMiddleware",
    "portal.csp.SiteContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "police.mfa.StaffMFAMiddleware",
    # innermost: serves anonymous visitors' public pages from the cache
    "cms.page_cache.PublicPageCacheMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "wagtail.contrib.settings.context_processors.settings",
                "police.context_processors.workspace_menu",
                "cms.context_processors.public_links",
            ],
        },
    },
]

# --- database -------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the task cluster read while one writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache ------------------------------------------------------------------
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
elif CACHE_URL in ("", "file"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
elif CACHE_URL == "locmem":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ImproperlyConfigured(
        f"CACHE_URL must be redis://..., 'file' or 'locmem', got {CACHE_URL!r}"
    )

# --- task engines -----------------------------------------------------------
TASK_ENGINE = env_choice("TASK_ENGINE", ("q2", "celery", "immediate"), "q2")
TASK_BACKENDS = {
    "q2": "portal.task_engines.q2.Q2Backend",
    "celery": "portal.task_engines.celery.CeleryBackend",
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
}
TASKS = {"default": {"BACKEND": TASK_BACKENDS[TASK_ENGINE], "QUEUES": []}}

# django-q2 with its ORM broker. Defaults tuned in bench/tasks_bench.py (see
# docs/operations.md, "Task engines"): persistent DB connections (DB_CONN_MAX_AGE)
# matter most; results are kept (save_limit 0 = no pruning at every save, which
# costs a locked scan of the results table) and pruned daily by
# portal.tasks.prune_task_results; failed tasks are not retried (a retried
# WhatsApp send reaches the citizen twice), only lost ones are.
Q_CLUSTER = {
    "name": "cctvwarga",
    "orm": "default",
    "workers": env_int("Q2_WORKERS", 2),
    "timeout": env_int("Q2_TIMEOUT", 120),
    "retry": env_int("Q2_RETRY", 150),
    "max_attempts": 3,
    "ack_failures": True,
    "bulk": env_int("Q2_BULK", 20),
    "poll": float(env_str("Q2_POLL", "0.05")),
    "queue_limit": env_int("Q2_QUEUE_LIMIT", 100),
    "save_limit": env_int("Q2_SAVE_LIMIT", 0),
    "catch_up": False,
    "label": "Tugas latar (django-q2)",
}

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # kombu's Redis transport, reusing its client object (see the module)
    CELERY_BROKER_TRANSPORT = "portal.task_engines.redis_transport:Transport"
CELERY_RESULT_EXTENDED = True  # results carry the task path and arguments (get_result)
CELERY_RESULT_EXPIRES = timedelta(days=env_int("CELERY_RESULT_DAYS", 7))
# STARTED lets get_result say RUNNING, at two more Redis round trips per task
# (about half the throughput of tiny tasks in bench/tasks_bench.py): off by default.
CELERY_TASK_TRACK_STARTED = env_bool("CELERY_TRACK_STARTED", False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TIME_LIMIT", 300)
# Reserve many small tasks per worker process; give long tasks their own queue
# and workers with --prefetch-multiplier 1.
CELERY_WORKER_PREFETCH_MULTIPLIER = env_int("CELERY_PREFETCH", 64)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A message a worker had taken but not acknowledged when its connection to Redis
# broke (a Redis restart) goes back to the queue after this many seconds (Redis
# transport; kombu's default is an hour). It must exceed the longest task
# (CELERY_TIME_LIMIT) and any countdown, or a task would run twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 900),
}
# Workers keep LOGGING below (its handler redacts credentials) instead of
# replacing the root logger's handlers with Celery's own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = "Asia/Jakarta"  # the same as TIME_ZONE below (beat's DailyAt)
CELERY_BEAT_SCHEDULER = "portal.celery:PeriodicRegistryScheduler"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- auth -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# Argon2id (portal/hashers.py: parameters measured, see docs/operations.md). PBKDF2
# stays listed so that older hashes still verify; each is re-hashed with Argon2 at
# its owner's next sign-in.
PASSWORD_HASHERS = [
    "portal.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "signin:landing"  # officers to /polisi/, owners to /saya/
# notifications.adapter extends accounts.adapter: phone codes go out by WhatsApp.
ACCOUNT_ADAPTER = "notifications.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email", "phone"}
ACCOUNT_SIGNUP_FIELDS = ["email", "phone", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
# People sign up with an email address, a phone number, or both (accounts.forms
# requires at least one). allauth's "mandatory" email verification needs email to
# be required, so verification is "optional" (signing in with an unverified address
# is not blocked) and phone numbers are verified with a code. Sign-up must not
# reveal which addresses and numbers have accounts (issue 11, F5): a sign-up that
# gives an email address waits for it to be verified, and a registered one gets the
# same answer (accounts.signup). "none" would sign a new address in at once, which
# a registered one cannot match, so it is refused along with "mandatory".
# The WhatsApp opt-in box joins the sign-up form (notifications.forms).
ACCOUNT_SIGNUP_FORM_CLASS = "notifications.forms.SignupExtraForm"
ACCOUNT_FORMS = {"signup": "accounts.signup.SignupForm"}
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_VERIFICATION = env_choice("ACCOUNT_EMAIL_VERIFICATION", ("optional",), "optional")
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[CCTV Warga] "
# Failed sign-ins lock out the address they come from, not the account: the "key"
# of both rates is the account and the client address together, and second-factor
# codes have their own count (accounts.signin). "ip" caps an address across accounts.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
MFA_RATE_LIMITS = {"authenticate_failed": "10/m/ip,5/5m/key"}
MFA_FORMS = {"authenticate": "accounts.signin.AuthenticateForm"}
# Proxies in front of the web processes that append to X-Forwarded-For (compose.yaml:
# 1). With 0 behind a proxy every client has the proxy's address, so the "ip" rates
# above would throttle everyone together.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "CCTV Warga"
# Phone codes (sign-up verification and sign-in) are 6 digits, sent by WhatsApp
# (notifications.adapter; printed to the console while no WHATSAPP_ACCESS_TOKEN is set).
ACCOUNT_PHONE_VERIFICATION_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
PHONE_DEFAULT_REGION = "ID"

WAGTAILADMIN_LOGIN_URL = "admin-login"  # allauth sign-in, or a 403 for the signed in
WAGTAIL_SITE_NAME = "CCTV Warga"
WAGTAILADMIN_BASE_URL = SITE_URL
# Pages are translated with Wagtail's own i18n: one page tree per locale, the
# Indonesian tree is the source, editors translate with "Terjemahkan"
# (wagtail.contrib.simple_translation). A page with no English translation is
# served in Indonesian at its /en/ address, with a notice (cms.models).
WAGTAIL_I18N_ENABLED = True
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "csv", "txt"]
# Wagtail's database search; on SQLite with serial index writes (cms/search.py)
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "cms.search"}}

# allauth warns when no login method is a required sign-up field; we require
# "email or phone" in accounts.forms instead.
SILENCED_SYSTEM_CHECKS = ["account.W001"]

# --- email ------------------------------------------------------------------
# Django 6.1 MAILERS. EMAIL_URL-style split settings: backend plus SMTP options.
EMAIL_BACKEND_PATH = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
_smtp_options = {
    "host": env_str("EMAIL_HOST", "localhost"),
    "port": env_int("EMAIL_PORT", 25),
    "username": env_str("EMAIL_HOST_USER"),
    "password": env_str("EMAIL_HOST_PASSWORD"),
    "use_tls": env_bool("EMAIL_USE_TLS", False),
    "timeout": env_int("EMAIL_TIMEOUT", 10),
}
MAILERS = {
    "default": {
        "BACKEND": EMAIL_BACKEND_PATH,
        "OPTIONS": _smtp_options if EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend") else {},
    }
}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "CCTV Warga <noreply@cctvwarga.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- i18n -------------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

# --- static and media -------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Files with personal data (snapshots, receipts) live apart from MEDIA_ROOT, so serving
# MEDIA_ROOT never serves them; views hand them out after a permission check.
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": "/private-not-served/"},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- secrets at rest --------------------------------------------------------
# Comma-separated Fernet keys, newest first. Never derived from SECRET_KEY.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")
if not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEYS must be set; generate a key with `python -c 'from "
        "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`"
    )

# --- connectivity -----------------------------------------------------------
CONNECTIVITY_ALLOWED_NETWORKS = env_list("CONNECTIVITY_ALLOWED_NETWORKS")
CONNECTIVITY_ALLOWED_PORTS = [
    int(p)
    for p in env_list(
        "CONNECTIVITY_ALLOWED_PORTS",
        [
            "80",
            "81",
            "82",
            "88",
            "443",
            "554",
            "555",
            "1554",
            "2020",
            "8000",
            "8080",
            "8081",
            "8443",
            "8554",
            "8899",
            "10554",
            "34567",
            "37777",
            "37778",
        ],
    )
]
# Any port for hosts inside CONNECTIVITY_ALLOWED_NETWORKS (tests: loopback listeners on
# random ports). Off in production: the port allowlist applies everywhere.
CONNECTIVITY_ANY_PORT_IN_ALLOWED_NETWORKS = env_bool(
    "CONNECTIVITY_ANY_PORT_IN_ALLOWED_NETWORKS", False
)
# The server's public addresses that NAT hides from its interfaces (refused as targets).
CONNECTIVITY_OWN_ADDRESSES = env_list("CONNECTIVITY_OWN_ADDRESSES")
# Checks per window, per user and per target host (0 disables a limit).
CONNECTIVITY_RATE_LIMIT_PER_USER = env_int("CONNECTIVITY_RATE_LIMIT_PER_USER", 30)
CONNECTIVITY_RATE_LIMIT_PER_HOST = env_int("CONNECTIVITY_RATE_LIMIT_PER_HOST", 20)
CONNECTIVITY_RATE_LIMIT_WINDOW = env_int("CONNECTIVITY_RATE_LIMIT_WINDOW", 600)

# Largest image Pillow decodes (pixels); larger ones are refused as decompression bombs.
IMAGE_MAX_PIXELS = env_int("IMAGE_MAX_PIXELS", 40_000_000)

# Days a field-visit photo is kept (stated on the visit form), then deleted by a daily job.
FIELD_VISIT_PHOTO_RETENTION_DAYS = env_int("FIELD_VISIT_PHOTO_RETENTION_DAYS", 90)

# Hours a staff activation link (first sign-in of an officer or administrator) stays valid.
ACTIVATION_LINK_HOURS = env_int("ACTIVATION_LINK_HOURS", 72)

# Member invitations an owner admin may send per window (0 disables the limit).
INVITATION_RATE_LIMIT = env_int("INVITATION_RATE_LIMIT", 10)
INVITATION_RATE_WINDOW = env_int("INVITATION_RATE_WINDOW", 3600)
CONNECTIVITY_PROBE_BUDGET = float(env_str("CONNECTIVITY_PROBE_BUDGET", "15"))
CONNECTIVITY_RECHECK_HOURS = env_int("CONNECTIVITY_RECHECK_HOURS", 24)
# Minutes a check may wait in the queue; after that the reaper marks it lost
# (a started check's deadline comes from CONNECTIVITY_PROBE_BUDGET).
CONNECTIVITY_QUEUE_MINUTES = env_int("CONNECTIVITY_QUEUE_MINUTES", 10)
# Per-step timeouts inside the budget (seconds): DNS, TCP and each ONVIF call; first frame.
CONNECTIVITY_STEP_TIMEOUT = float(env_str("CONNECTIVITY_STEP_TIMEOUT", "4"))
CONNECTIVITY_FRAME_TIMEOUT = float(env_str("CONNECTIVITY_FRAME_TIMEOUT", "8"))
# Probe worker processes per web/task process (each runs many probes at once).
CONNECTIVITY_PROBE_WORKERS = env_int("CONNECTIVITY_PROBE_WORKERS", 2)
# Checks run at once by one batch task (scheduled re-checks).
CONNECTIVITY_RECHECK_CONCURRENCY = env_int("CONNECTIVITY_RECHECK_CONCURRENCY", 50)
# Estate import (joining.estate_import): a parse or write past this many seconds is
# reaped as failed ("Impor terputus"); an unconfirmed preview expires after the hours.
ESTATE_IMPORT_DEADLINE_SECONDS = env_int("ESTATE_IMPORT_DEADLINE_SECONDS", 900)
ESTATE_IMPORT_PREVIEW_HOURS = env_int("ESTATE_IMPORT_PREVIEW_HOURS", 24)
# A manager's "check all recorders" runs this many checks at once, in one task, so a
# big estate takes a bounded share of probe capacity and other users' checks go on.
ESTATE_CHECK_CONCURRENCY = env_int("ESTATE_CHECK_CONCURRENCY", 4)
# Test hook only, never from the environment: "host:rtsp_port" targets whose worker
# calls os.abort() mid-probe, to prove a crash fails one check and nothing else.
CONNECTIVITY_TEST_ABORT_TARGETS: list[str] = []

# --- WhatsApp Cloud API -----------------------------------------------------
WHATSAPP_API_BASE_URL = env_str("WHATSAPP_API_BASE_URL", "https://graph.facebook.com/v23.0")
WHATSAPP_ACCESS_TOKEN = env_str("WHATSAPP_ACCESS_TOKEN")
WHATSAPP_PHONE_NUMBER_ID = env_str("WHATSAPP_PHONE_NUMBER_ID")
WHATSAPP_APP_SECRET = env_str("WHATSAPP_APP_SECRET")
WHATSAPP_VERIFY_TOKEN = env_str("WHATSAPP_VERIFY_TOKEN")
WHATSAPP_BUSINESS_ACCOUNT_ID = env_str("WHATSAPP_BUSINESS_ACCOUNT_ID")
# Messages per second, shared by every worker (notifications.ratelimit).
WHATSAPP_RATE = env_int("WHATSAPP_RATE", 80)
# Seconds one Graph API request may take; past it the send is "uncertain".
WHATSAPP_TIMEOUT = float(env_str("WHATSAPP_TIMEOUT", "10"))
# A person's events within this many seconds become one message.
WHATSAPP_COALESCE_SECONDS = env_int("WHATSAPP_COALESCE_SECONDS", 60)
# A recorder offline for this many seconds is worth a message.
WHATSAPP_OFFLINE_AFTER = env_int("WHATSAPP_OFFLINE_AFTER", 30 * 60)
# An uncertain send (timeout, dead worker) is resent only if no status webhook came
# within this many seconds; at most WHATSAPP_MAX_ATTEMPTS sends per message.
WHATSAPP_UNCERTAIN_GRACE = env_int("WHATSAPP_UNCERTAIN_GRACE", 15 * 60)
WHATSAPP_MAX_ATTEMPTS = env_int("WHATSAPP_MAX_ATTEMPTS", 5)
# A message not sent within this many seconds of its creation is failed (reaped).
WHATSAPP_MESSAGE_DEADLINE = env_int("WHATSAPP_MESSAGE_DEADLINE", 24 * 3600)
WHATSAPP_WEBHOOK_MAX_BYTES = env_int("WHATSAPP_WEBHOOK_MAX_BYTES", 1024 * 1024)
# Days after which message texts and parameters, received texts and raw webhook
# bodies are erased by the daily retention job (the delivery record stays).
WHATSAPP_BODY_RETENTION_DAYS = env_int("WHATSAPP_BODY_RETENTION_DAYS", 90)

# --- security ---------------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
MAP_TILE_URL = env_str("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
# Public site (cms): how long progress aggregates and whole pages stay cached, and
# how often a web process re-reads the change stamp (0 turns the page cache off).
PROGRESS_CACHE_SECONDS = env_int("PROGRESS_CACHE_SECONDS", 60)
# A connected recorder failing its re-checks this long shows as an outage on the police
# dashboard (keep it below CONNECTIVITY_RECHECK_HOURS: then it appears within one cycle).
POLICE_OUTAGE_AFTER_MINUTES = env_int("POLICE_OUTAGE_AFTER_MINUTES", 60)
# How often a web process re-reads the police dashboard's change stamp; what it read
# from the shared cache it keeps that long in process (0: every request asks).
DASHBOARD_MEMO_SECONDS = float(env_str("DASHBOARD_MEMO_SECONDS", "1"))
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 60)
PAGE_CACHE_MEMO_SECONDS = float(env_str("PAGE_CACHE_MEMO_SECONDS", "1"))

from django.utils.csp import CSP  # noqa: E402

_tile_origin = "/".join(MAP_TILE_URL.split("/")[:3]).replace("{s}.", "*.")
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:", _tile_origin],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# --- logging ----------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "portal.logging.RedactSecretsFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "zeep": {"level": "WARNING"},
        # django-q2 logs every processed task at INFO, and so does django.tasks (its
        # started/finished signals, in whichever worker runs the task): one line per
        # task drowns the rest. Failures are still logged, at ERROR.
        "django-q": {"level": env_str("Q2_LOG_LEVEL", "WARNING")},
        "django.tasks": {"level": env_str("TASKS_LOG_LEVEL", "WARNING")},
    },
}
