"""One settings module, read from the environment (see README, "Production").

SMARTCOOP_ENV is `development` (default: `make run`, `manage.py` on a fresh clone), `test` (the
pytest suite) or `production`. Production refuses to start on a missing or unsafe value, naming the
variable in one line; development falls back to the embedded PostgreSQL and Redis under `.data/`.
"""

import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import django_stubs_ext
from django.utils.translation import gettext_lazy as _

from smartcoop import config

BASE_DIR = Path(__file__).resolve().parent.parent

# Generic admin and manager classes (ModelAdmin[Model]) at run time, as the type checker sees them.
django_stubs_ext.monkeypatch()


try:
    SMARTCOOP_ENV = config.env_str("SMARTCOOP_ENV", "development") or "development"
    if SMARTCOOP_ENV not in {"development", "test", "production"}:
        raise config.ConfigError(f"SMARTCOOP_ENV must be development, test or production, not {SMARTCOOP_ENV!r}")
    _production = SMARTCOOP_ENV == "production"
    DEBUG = config.env_bool("DEBUG", default=SMARTCOOP_ENV == "development")
    SECRET_KEY = config.secret_key(production=_production)
    ALLOWED_HOSTS = config.env_list(
        "ALLOWED_HOSTS", [] if _production else ["127.0.0.1", "localhost", "[::1]", "testserver"]
    )
    if _production and not ALLOWED_HOSTS:
        raise config.ConfigError("ALLOWED_HOSTS must list the site's host names in production")
    CSRF_TRUSTED_ORIGINS = config.env_list("CSRF_TRUSTED_ORIGINS", [])

    # A new connection per request costs about ten times the throughput: keep them open, and
    # check them before reuse so a restarted PostgreSQL does not fail the first request.
    _conn_max_age = config.env_int("CONN_MAX_AGE", 600)
    _database_url = config.env_str("DATABASE_URL", required=_production)
    _database: dict[str, Any]
    if _database_url:
        import dj_database_url

        if not _database_url.startswith(("postgres://", "postgresql://")):
            raise config.ConfigError("DATABASE_URL must be a postgresql:// URL (PostgreSQL is the only database)")
        _database = dict(dj_database_url.parse(_database_url, conn_max_age=_conn_max_age, conn_health_checks=True))
        _database["ENGINE"] = "django.db.backends.postgresql"
    else:
        from smartcoop import embedded

        _database = {
            "ENGINE": "smartcoop.db",
            "NAME": embedded.DATABASE_NAME,
            "USER": "postgres",
            "CONN_MAX_AGE": _conn_max_age,
            "CONN_HEALTH_CHECKS": True,
        }
    DATABASES = {"default": _database}

    _redis_url = config.env_str("REDIS_URL", required=_production)
    if _redis_url:
        if not _redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise config.ConfigError("REDIS_URL must be a redis://, rediss:// or unix:// URL")
        # kombu names a Unix socket redis+socket://, redis-py names it unix://
        CELERY_BROKER_URL = (
            "redis+socket://" + _redis_url.removeprefix("unix://").split("?")[0]
            if _redis_url.startswith("unix://")
            else _redis_url
        )
        # The cache gets its own Redis database, so clearing it can never drop queued tasks.
        REDIS_URL = config.env_str("CACHE_URL") or config.redis_url_with_db(_redis_url, 1)
    else:
        from smartcoop import embedded

        _socket_path = embedded.ensure_redis()
        # The test suite uses its own databases of the shared embedded Redis, so a running
        # `make run` never takes the suite's tasks and the suite never clears its cache.
        _broker_db, _cache_db = (3, 4) if SMARTCOOP_ENV == "test" else (0, 1)
        CELERY_BROKER_URL = f"redis+socket://{_socket_path}?virtual_host={_broker_db}"
        REDIS_URL = f"unix://{_socket_path}?db={_cache_db}"

    EMAIL_BACKEND = config.env_str(
        "EMAIL_BACKEND",
        "django.core.mail.backends.smtp.EmailBackend"
        if _production
        else "django.core.mail.backends.console.EmailBackend",
    )
    EMAIL_HOST = config.env_str("EMAIL_HOST", "localhost")
    EMAIL_PORT = config.env_int("EMAIL_PORT", 587 if _production else 25)
    EMAIL_HOST_USER = config.env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = config.env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = config.env_bool("EMAIL_USE_TLS", _production)
    EMAIL_TIMEOUT = 20
    DEFAULT_FROM_EMAIL = config.env_str("DEFAULT_FROM_EMAIL", "SmartCoop <noreply@localhost>", required=_production)
    SERVER_EMAIL = DEFAULT_FROM_EMAIL
    # Links in e-mails that workers send: they have no request to take the host from.
    SITE_URL = (
        config.env_str("SITE_URL")
        or (
            f"https://{ALLOWED_HOSTS[0].lstrip('.')}"
            if _production
            else f"http://127.0.0.1:{config.env_int('PORT', 8000)}"
        )
    ).rstrip("/")
    if "*" in SITE_URL:
        raise config.ConfigError("SITE_URL must be set when ALLOWED_HOSTS starts with a wildcard")
    if (
        _production
        and EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"
        and not config.env_str("EMAIL_HOST")
    ):
        raise config.ConfigError("EMAIL_HOST must be set in production (sign-up sends a verification e-mail)")

    if _production:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        SECURE_SSL_REDIRECT = config.env_bool("SECURE_SSL_REDIRECT", True)
        SESSION_COOKIE_SECURE = True
        CSRF_COOKIE_SECURE = True
        SECURE_HSTS_SECONDS = config.env_int("SECURE_HSTS_SECONDS", 31536000)
        SECURE_HSTS_INCLUDE_SUBDOMAINS = True
        SECURE_HSTS_PRELOAD = config.env_bool("SECURE_HSTS_PRELOAD", True)
        # /healthz is probed over plain HTTP by the container health check.
        SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    LOG_LEVEL = config.env_str("LOG_LEVEL", "INFO")
    # Behind N reverse proxies the client's address is the Nth from the right in X-Forwarded-For;
    # without it, login throttling would count every member's failures as one address.
    TRUSTED_PROXY_COUNT = config.env_int("TRUSTED_PROXY_COUNT", 0)
    # An API token works this many days at most (it also ends with a password change or revocation).
    API_TOKEN_LIFETIME_DAYS = config.env_int("API_TOKEN_LIFETIME_DAYS", 30)
    if API_TOKEN_LIFETIME_DAYS < 1:
        raise config.ConfigError("API_TOKEN_LIFETIME_DAYS must be at least 1")
except config.ConfigError as _error:
    # One clear line naming the variable, not a traceback.
    sys.stderr.write(f"Configuration error: {_error}\n")
    raise SystemExit(2) from None

INSTALLED_APPS = [
    "smartcoop.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_celery_beat",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "smartcoop",
    "smartcoop.ledger",
    "smartcoop.audit",
    "members",
    "activities",
    "contracts",
    "invoicing",
    "payroll",
    "governance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # First after security: every later layer, and the audit trail, knows which request this is.
    "smartcoop.audit.middleware.RequestContextMiddleware",
    # Before WhiteNoise, so static files carry the policy too.
    "smartcoop.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Right after the language is known, so refusals speak it, and before anything reads the request.
    "smartcoop.middleware.ApiErrorShapeMiddleware",
    "smartcoop.middleware.NulCharacterMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "members.middleware.UserLanguageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "smartcoop.middleware.ApplicationErrorMiddleware",
]

ROOT_URLCONF = "smartcoop.urls"
WSGI_APPLICATION = "smartcoop.wsgi.application"
AUTH_USER_MODEL = "members.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
                "smartcoop.context_processors.notifications",
            ],
            "builtins": ["smartcoop.templatetags.money"],
        },
    },
]

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- accounts (django-allauth) ---------------------------------------------------------------
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_ADAPTER = "members.adapters.AccountAdapter"
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
# Failed logins, on the form and the API alike, are counted per account first: after 5 failures in
# 5 minutes that e-mail address is refused for a while. The per-address ceiling is far higher, so
# one person behind an office's shared address cannot lock out every advisor behind it.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "5/5m/key,100/5m/ip",
    "signup": "20/h/ip",
    "reset_password": "5/h/ip,3/h/key",
    "confirm_email": "3/10m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "SmartCoop"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "members:dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "smartcoop",
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- i18n -------------------------------------------------------------------------------------
LANGUAGE_CODE = "fr"
# Ledger memos are written in one language whoever posts, so the journal an accountant exports reads as one.
BOOKS_LANGUAGE = LANGUAGE_CODE
LANGUAGES = [("fr", _("French")), ("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates day first (dd/mm/yyyy) in every language, as Belgians write them (smartcoop/formats).
FORMAT_MODULE_PATH = ["smartcoop.formats"]
USE_I18N = True
TIME_ZONE = "Europe/Brussels"
USE_TZ = True

# --- static and uploaded files ----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / ".data" / "static"
MEDIA_ROOT = BASE_DIR / ".data" / "media"  # never served as static: private documents

# Peppol: the access point adapter (a dotted path) and where the default one, working offline,
# keeps the documents it sends (outbox) and those a supplier's access point delivered (inbox).
PEPPOL_ACCESS_POINT = config.env_str("PEPPOL_ACCESS_POINT", "invoicing.peppol.DirectoryAccessPoint")
PEPPOL_DIRECTORY = Path(config.env_str("PEPPOL_DIRECTORY", "") or BASE_DIR / ".data" / "peppol")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or SMARTCOOP_ENV == "test"
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Tests and development serve static files straight from the apps; production from collectstatic.
WHITENOISE_USE_FINDERS = DEBUG or SMARTCOOP_ENV == "test"
if WHITENOISE_USE_FINDERS:
    # WhiteNoise also scans STATIC_ROOT and warns on every start when it does not exist yet.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# --- API --------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # The token class first: its `WWW-Authenticate` turns an anonymous request's answer into a 401.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "members.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "smartcoop.api.Pagination",
    "PAGE_SIZE": 50,
    # drf-spectacular's, plus every operation's error statuses and the input limits (smartcoop.api_schema).
    "DEFAULT_SCHEMA_CLASS": "smartcoop.api_schema.AutoSchema",
    "EXCEPTION_HANDLER": "smartcoop.api.exception_handler",
    # Guessing passwords through the API (POST /api/token/) spends the login form's own allowances
    # (ACCOUNT_RATE_LIMITS, see members.tokens); scoped throttles remain for other uses.
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.ScopedRateThrottle"],
    # 0, not None: None would make DRF believe any X-Forwarded-For a client sends.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SmartCoop API",
    "DESCRIPTION": "The API of the shared-enterprise platform: members, Activities, contracts, invoices, payroll. "
    "Errors come as `{message, fields}` in the language of the request; no text may hold the NUL "
    "character (U+0000): a request carrying one is refused with 400.",
    "VERSION": "1",
    # A request body has its own component: what a client must send (no read-only fields, no blank
    # text where the server refuses it) differs from what it reads back.
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI served from our own static files: no external CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a `status` or `kind`: each enum gets its domain name, not a hash suffix.
    "ENUM_NAME_OVERRIDES": {
        "ActivityStatusEnum": "activities.models.ActivityStatus",
        "ClaimStatusEnum": "activities.models.ClaimStatus",
        "PurchaseStatusEnum": "activities.models.PurchaseStatus",
        "TransferStatusEnum": "activities.models.TransferStatus",
        "TradeApprovalEnum": "activities.models.TradeApproval",
        "ThirdPartyKindEnum": "activities.models.ThirdPartyKind",
        "TransferKindEnum": "activities.models.TransferKind",
        "MemberStatusEnum": "members.models.MemberStatus",
        "PersonKindEnum": "members.models.PersonKind",
        "InvoiceKindEnum": "invoicing.models.InvoiceKind",
        "InvoiceStatusEnum": "invoicing.models.InvoiceStatus",
        "InvoiceStateEnum": "invoicing.models.InvoiceState",
        "VatCategoryEnum": "invoicing.models.VatCategory",
        "SupplyKindEnum": "invoicing.models.SupplyKind",
        "PaymentSourceEnum": "invoicing.models.PaymentSource",
        "StatementFormatEnum": "invoicing.models.StatementFormat",
        "StatementLineStatusEnum": "invoicing.models.LineStatus",
        "PeppolDirectionEnum": "invoicing.models.PeppolDirection",
        "PeppolStatusEnum": "invoicing.models.PeppolStatus",
    },
}

# --- Celery -----------------------------------------------------------------------------------
CELERY_TASK_ACKS_LATE = True  # a task killed mid-run is redelivered; tasks are idempotent
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "smartcoop.tasks.worker_heartbeat", "schedule": timedelta(seconds=30)},
    # E-mails whose first delivery and its retries all failed (SMTP or the broker down for longer).
    "resend-notifications": {"task": "smartcoop.tasks.resend_notifications", "schedule": timedelta(minutes=15)},
}
CELERY_BEAT_SCHEDULE["peppol-inbox"] = {
    # Documents the access point dropped in the inbox since the last look (invoicing.peppol).
    "task": "invoicing.tasks.peppol_receive",
    "schedule": timedelta(minutes=5),
}
CELERY_BEAT_SCHEDULE["invoice-deliveries"] = {
    # Issued invoices whose sending was lost or refused for now, queued again (invoicing.delivery).
    "task": "invoicing.tasks.invoice_deliver_pending",
    "schedule": timedelta(minutes=15),
}
# /healthz says the worker is down when its last heartbeat is older than this.
WORKER_HEARTBEAT_MAX_AGE = timedelta(seconds=120)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # WeasyPrint and fontTools narrate every rendering step at INFO.
    "loggers": {
        "pgserver": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

if SMARTCOOP_ENV == "test":
    # Tests never store a real password; the slow default hasher would dominate their run time.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # One test database per run: two suites at once on the shared server never drop each other's.
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
    # The live server's threads would keep their connections open past the run, and the test
    # database could not be dropped at the end.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
