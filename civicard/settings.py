"""Civicard settings: one module, driven by environment variables (see README, "Configuration")."""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.conf.locale import LANG_INFO
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CIVICARD_VAR_DIR", BASE_DIR / "var"))


def env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


PRODUCTION = os.environ.get("CIVICARD_ENV", "development") == "production"
DEBUG = env_flag("CIVICARD_DEBUG", False)

DEVELOPMENT_SECRET_KEY = "development-only-key-never-used-in-production-0123456789abcdef"
SECRET_KEY = os.environ.get("CIVICARD_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("CIVICARD_SECRET_KEY must be set when CIVICARD_ENV=production.")
    SECRET_KEY = DEVELOPMENT_SECRET_KEY

ALLOWED_HOSTS = os.environ.get(
    "CIVICARD_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver"
).split(",")
CSRF_TRUSTED_ORIGINS = [
    origin for origin in os.environ.get("CIVICARD_CSRF_TRUSTED_ORIGINS", "").split(",") if origin
]

DOMAIN_APPS = [
    "civicard.core",
    "civicard.territory",
    "civicard.people",
    "civicard.notifications",
    "civicard.cards",
    "civicard.wallets",
    "civicard.inclusion",
    "civicard.moderation",
    "civicard.mutualaid",  # its demo reports posts to moderation
    "civicard.benefits",
    "civicard.access",
    "civicard.library",
    "civicard.agenda",
    "civicard.bookings",
    "civicard.childhood",
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",  # serves the API docs' assets itself rather than from a CDN
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.mfa",
    "django_tasks",
    "django_tasks_db",
    "csp",
    *DOMAIN_APPS,
    "civicard.simulator",  # `civicard terminal-sim`, a reference terminal
    "civicard.ops",
]

MIDDLEWARE = [
    "civicard.ops.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "civicard.core.middleware.DefaultLanguageMiddleware",
    "civicard.core.middleware.InputGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "civicard.people.middleware.ResidentMiddleware",
    "civicard.people.middleware.StaffMfaMiddleware",
    "civicard.core.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "civicard.urls"
WSGI_APPLICATION = "civicard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "civicard" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "civicard.core.context_processors.civicard",
                "csp.context_processors.nonce",
            ],
            # The territory's names in the reader's language on every page: {{ name|local }}.
            "builtins": ["civicard.territory.templatetags.names"],
        },
    }
]

# Database: DATABASE_URL (sqlite:///path or postgres://user@host:port/name); default a SQLite file.
# Connections are kept an hour: a new one plans every statement again before preparing it,
# which a door feels (docs/benchmarks.md).
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'civicard.sqlite3'}"),
        conn_max_age=int(os.environ.get("CIVICARD_DB_CONN_MAX_AGE", "3600")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has no row locks: take the write lock at BEGIN and wait for it rather than fail.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Server-side parameters and prepared statements: a statement run a few times on a
    # connection is planned once (terminal decisions repeat the same few statements).
    # CIVICARD_DB_PREPARE_THRESHOLD=off turns them off, e.g. behind a pooler in transaction mode.
    threshold = os.environ.get("CIVICARD_DB_PREPARE_THRESHOLD", "5")
    if threshold != "off":
        DATABASES["default"]["OPTIONS"] = {"server_side_binding": True,
                                           "prepare_threshold": int(threshold)}
# A read replica (streaming replication of the primary), for reports, dashboards and exports
# only: DATABASE_REPLICA_URL adds the `replica` alias, and the views that read a report choose it
# (civicard.core.routers, decision 0024). Writes, and a resident's reads of their own data, stay
# on the primary. In tests the replica is a mirror of the test database.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True)
    if DATABASES["replica"]["ENGINE"] == DATABASES["default"]["ENGINE"]:
        DATABASES["replica"]["OPTIONS"] = dict(DATABASES["default"].get("OPTIONS", {}))
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["civicard.core.routers.ReplicaRouter"]
# Where reports read: the replica when there is one. (The tests set it back to "default", and
# the replica's own tests to "replica".)
CIVICARD_REPORTS_DATABASE = "replica" if DATABASE_REPLICA_URL else "default"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Accounts (django-allauth): e-mail login, mandatory verification, rate-limited attempts.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_RATE_LIMITS = {"login_failed": "5/m/ip,5/5m/key", "signup": "10/h/ip"}
ACCOUNT_ADAPTER = "civicard.people.adapters.AccountAdapter"
ACCOUNT_FORMS = {"signup": "civicard.people.forms.SignupForm"}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Civicard] "
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Civicard"
# Every staff role must log in with TOTP; the demo turns this off so its logins work at once.
CIVICARD_REQUIRE_STAFF_MFA = env_flag("CIVICARD_REQUIRE_STAFF_MFA", True)

# OpenID Connect (e.g. FranceConnect): off unless CIVICARD_OIDC_CLIENT_ID is set.
SOCIALACCOUNT_PROVIDERS = {}
if os.environ.get("CIVICARD_OIDC_CLIENT_ID"):
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "APPS": [
            {
                "provider_id": os.environ.get("CIVICARD_OIDC_PROVIDER_ID", "franceconnect"),
                "name": os.environ.get("CIVICARD_OIDC_NAME", "FranceConnect"),
                "client_id": os.environ["CIVICARD_OIDC_CLIENT_ID"],
                "secret": os.environ.get("CIVICARD_OIDC_SECRET", ""),
                "settings": {"server_url": os.environ.get("CIVICARD_OIDC_SERVER_URL", "")},
            }
        ]
    }

# Languages: 15 UI languages, each named in its own language; ar and fa are right-to-left.
LANG_INFO.update(
    {
        "ti": {"bidi": False, "code": "ti", "name": "Tigrinya", "name_local": "ትግርኛ"},
        "so": {"bidi": False, "code": "so", "name": "Somali", "name_local": "Soomaali"},
    }
)
# English is the source language and the fallback of every untranslated string; the territory's
# language is what a visitor who states no preference (no cookie, no browser language) sees.
LANGUAGE_CODE = "en"
CIVICARD_DEFAULT_LANGUAGE = os.environ.get("CIVICARD_LANGUAGE", "fr")
LANGUAGES = [
    ("fr", _("French")),
    ("en", _("English")),
    ("de", _("German")),
    ("it", _("Italian")),
    ("es", _("Spanish")),
    ("pt", _("Portuguese")),
    ("uk", _("Ukrainian")),
    ("ru", _("Russian")),
    ("ar", _("Arabic")),
    ("fa", _("Persian")),
    ("tr", _("Turkish")),
    ("sq", _("Albanian")),
    ("ti", _("Tigrinya")),
    ("so", _("Somali")),
    ("ta", _("Tamil")),
]
LANGUAGES_BIDI = ["ar", "fa"]
FORMAT_MODULE_PATH = ["civicard.formats"]  # one date and time format per language
LOCALE_PATHS = [BASE_DIR / "civicard" / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("CIVICARD_TIME_ZONE", "Europe/Paris")

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "civicard" / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Outside production, serve assets straight from the apps (no collectstatic step needed).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

# E-mail: SMTP in production (EMAIL_URL-style settings), the console in development.
EMAIL_BACKEND = os.environ.get(
    "CIVICARD_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("CIVICARD_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("CIVICARD_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("CIVICARD_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("CIVICARD_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_flag("CIVICARD_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("CIVICARD_FROM_EMAIL", "Civicard <no-reply@civicard.localhost>")

# The public address of this install, for links in e-mails.
CIVICARD_BASE_URL = os.environ.get("CIVICARD_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# Background work: Django's tasks API, run by `civicard worker` (docs/scaling.md). The queue
# lives in the database by default (CIVICARD_TASK_BACKEND=database), or in Redis through RQ
# (CIVICARD_TASK_BACKEND=rq, CIVICARD_REDIS_URL), where workers on several machines share it;
# any other value is a backend's class path.
TASK_BACKENDS = {"database": "django_tasks_db.DatabaseBackend",
                 "rq": "django_tasks_rq.RQBackend"}
TASK_BACKEND = os.environ.get("CIVICARD_TASK_BACKEND", "database")
TASK_BACKEND = TASK_BACKENDS.get(TASK_BACKEND, TASK_BACKEND)
TASK_QUEUES = ["default"]
TASKS = {"default": {"BACKEND": TASK_BACKEND, "QUEUES": TASK_QUEUES}}
CIVICARD_REDIS_URL = os.environ.get("CIVICARD_REDIS_URL", REDIS_URL)
if TASK_BACKEND == TASK_BACKENDS["rq"]:
    if not CIVICARD_REDIS_URL:
        if PRODUCTION:
            raise ImproperlyConfigured(
                "CIVICARD_REDIS_URL must be set when CIVICARD_TASK_BACKEND=rq.")
        CIVICARD_REDIS_URL = "redis://127.0.0.1:6379/0"
    INSTALLED_APPS.append("django_rq")
# A job that runs longer than this is stopped by its RQ worker (seconds).
RQ_QUEUES = {name: {"URL": CIVICARD_REDIS_URL or "redis://127.0.0.1:6379/0",
                    "DEFAULT_TIMEOUT": int(os.environ.get("CIVICARD_TASK_TIMEOUT", "1800"))}
             for name in TASK_QUEUES}

# Notifications: how often a failed delivery is retried, and after how long.
CIVICARD_DELIVERY_MAX_ATTEMPTS = int(os.environ.get("CIVICARD_DELIVERY_MAX_ATTEMPTS", "5"))
CIVICARD_DELIVERY_RETRY_SECONDS = int(os.environ.get("CIVICARD_DELIVERY_RETRY_SECONDS", "300"))

# Web push (docs/agenda.md): the install's VAPID key is created in this file on first use; the
# dummy provider keeps messages instead of sending them and cannot run in production.
CIVICARD_PUSH_PROVIDER = os.environ.get("CIVICARD_PUSH_PROVIDER",
                                        "webpush" if PRODUCTION else "dummy")
if PRODUCTION and CIVICARD_PUSH_PROVIDER == "dummy":
    raise ImproperlyConfigured("The dummy push provider cannot run in production.")
CIVICARD_VAPID_KEY_FILE = Path(os.environ.get("CIVICARD_VAPID_KEY_FILE",
                                              VAR_DIR / "vapid_private.pem"))
CIVICARD_VAPID_SUBJECT = os.environ.get("CIVICARD_VAPID_SUBJECT",
                                        "mailto:no-reply@civicard.localhost")
CIVICARD_PUSH_TIMEOUT_SECONDS = 10
# The agenda: how far ahead recurrences are expanded, and the alerts' batches.
CIVICARD_AGENDA_HORIZON_DAYS = int(os.environ.get("CIVICARD_AGENDA_HORIZON_DAYS", "365"))
CIVICARD_AGENDA_BATCH_SIZE = int(os.environ.get("CIVICARD_AGENDA_BATCH_SIZE", "1000"))
# A batch's e-mails go over up to this many SMTP connections at once, each carrying at least
# the second number of messages (smaller batches use one connection).
CIVICARD_SMTP_CONNECTIONS = int(os.environ.get("CIVICARD_SMTP_CONNECTIONS", "4"))
CIVICARD_SMTP_MESSAGES_PER_CONNECTION = int(os.environ.get(
    "CIVICARD_SMTP_MESSAGES_PER_CONNECTION", "50"))

# Online top-ups: the payment providers offered, the first by default (docs/wallets.md); none
# means residents top up at the counter. The dummy bank, which pays without money for the demo
# and the tests, cannot run in production: the server refuses to start.
CIVICARD_PAYMENT_PROVIDERS = [
    name.strip() for name in
    os.environ.get("CIVICARD_PAYMENT_PROVIDERS", "" if PRODUCTION else "dummy").split(",")
    if name.strip()
]
if PRODUCTION and "dummy" in CIVICARD_PAYMENT_PROVIDERS:
    raise ImproperlyConfigured("The dummy payment provider cannot run in production.")

# Maps (places, neighbourhoods): the tile server ({z}/{x}/{y} URL; empty: no tiles, the maps and
# their lists still work). Digital inclusion: the secret of the accompaniment log's pseudonyms.
CIVICARD_MAP_TILES_URL = os.environ.get("CIVICARD_MAP_TILES_URL", "")
CIVICARD_MAP_TILES_ATTRIBUTION = os.environ.get(
    "CIVICARD_MAP_TILES_ATTRIBUTION", "© OpenStreetMap contributors")
CIVICARD_PSEUDONYM_SECRET = os.environ.get("CIVICARD_PSEUDONYM_SECRET", "")

# Operations (civicard.ops, deploy/). Logs: one JSON object a line with the request id
# (CIVICARD_LOG_FORMAT=json, the production default) or plain text; in production each request
# is logged (logger civicard.request, INFO). Metrics: /metrics in the Prometheus text format, for
# the bearer token CIVICARD_METRICS_TOKEN or an administrator.
CIVICARD_LOG_FORMAT = os.environ.get("CIVICARD_LOG_FORMAT", "json" if PRODUCTION else "text")
LOG_LEVEL = os.environ.get("CIVICARD_LOG_LEVEL", "WARNING")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "civicard.ops.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "civicard.ops.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"],
                             "formatter": CIVICARD_LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"civicard.request": {"level": "INFO" if PRODUCTION else LOG_LEVEL}},
}
CIVICARD_METRICS_TOKEN = os.environ.get("CIVICARD_METRICS_TOKEN", "")

# Content Security Policy (django-csp): scripts and styles only from this site, a page's inline
# script (if one ever needs it) by its nonce, <script nonce="{{ CSP_NONCE }}">; images also from
# the map tiles' server and data: URLs (TOTP QR codes, Leaflet's icons).
MAP_TILES_ORIGIN = "/".join(CIVICARD_MAP_TILES_URL.split("/")[:3]) if CIVICARD_MAP_TILES_URL else ""
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *([MAP_TILES_ORIGIN] if MAP_TILES_ORIGIN else [])],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
    }
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_flag("CIVICARD_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("CIVICARD_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
