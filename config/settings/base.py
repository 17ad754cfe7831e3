"""Settings shared by every environment, read from the environment (django-environ).

A variable the environment leaves unset is taken from ``var/services.env``, written by the
embedded-server launcher (``python -m config.embedded start``); see README "Configuration".
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import environ
import structlog
from django.core.exceptions import ImproperlyConfigured

from config.embedded import SERVICES_ENV, read_services_env

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
for _key, _value in read_services_env(SERVICES_ENV).items():
    env.ENVIRON.setdefault(_key, _value)

if "DATABASE_URL" not in env.ENVIRON:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set and no embedded server is running: "
        "run `make services` (or set DATABASE_URL)."
    )

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="insecure-development-key-change-me")
ALLOWED_HOSTS: list[str] = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "guardian",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "corsheaders",
    "csp",
    "django_htmx",
    "django_celery_beat",
    "django_prometheus",
    "django_structlog",
    "auditlog",
    "consorcio",
    "apps.accounts",
    "apps.members",
    "apps.documents",
    "apps.groups",
    "apps.finance",
    "apps.draws",
    "apps.credit",
    "apps.reports",
    "apps.notifications",
    "apps.audit",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "consorcio.middleware.PermissionsPolicyMiddleware",
    "consorcio.middleware.RefuseNulInQueryMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Signed-in staff owing a two-factor step (enroll or verify) go there first.
    "apps.accounts.middleware.Require2FAMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_structlog.middlewares.RequestMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout response.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out username/address before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # django-guardian: per-object permission exceptions on top of role permissions.
    "guardian.backends.ObjectPermissionBackend",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "apps.accounts.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {"default": env.db_url("DATABASE_URL")}
DATABASES["default"]["ENGINE"] = "django_prometheus.db.backends.postgresql"
# The embedded server listens on a Unix socket whose path arrives percent-encoded.
DATABASES["default"]["HOST"] = unquote(str(DATABASES["default"].get("HOST", "")))
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, locks, circuit breakers; short socket timeouts so a dead Redis fails fast
REDIS_URL: str = env.str("REDIS_URL")
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=0.5)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="consorcio"),
        "OPTIONS": {
            "socket_timeout": REDIS_SOCKET_TIMEOUT,
            "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
        },
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# --- Staff identity: sessions, password reset e-mail, lockout (axes), 2FA (django-otp) --
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=False)
SESSION_COOKIE_SAMESITE = "Lax"
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3600)
# Console by default: reset links are printed in the log until a real backend is set.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Consórcio <nao-responda@localhost>")

# Lockout after repeated failures, keyed on the pair (username, client address): one
# attacker locks that username from its own address only, never the same username from
# elsewhere nor everyone behind the proxy. The address comes from django-ipware. Without a
# proxy only REMOTE_ADDR counts, so a client cannot choose its address with a forged header.
# Behind the ingress (production defaults): AXES_IPWARE_META_PRECEDENCE_ORDER =
# HTTP_X_FORWARDED_FOR,REMOTE_ADDR and AXES_IPWARE_PROXY_COUNT = how many trusted proxies
# appear in X-Forwarded-For *after* the client (ipware's meaning; the proxy that connects
# to the app is REMOTE_ADDR, not in the header): 0 for ingress-nginx alone (it sends the
# address it saw), 1 with an L7 load balancer before it. Chains of any other length are
# ignored (strict), falling back to REMOTE_ADDR.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_IPWARE_PROXY_COUNT = env.int("AXES_IPWARE_PROXY_COUNT", default=0)
AXES_IPWARE_META_PRECEDENCE_ORDER = env.list(
    "AXES_IPWARE_META_PRECEDENCE_ORDER", default=["REMOTE_ADDR"]
)

# Two-factor authentication (TOTP). Roles listed here must enroll and verify before any
# staff page or the admin (production: admin, finance; superusers too).
OTP_REQUIRED_ROLES: list[str] = env.list("OTP_REQUIRED_ROLES", default=[])
# When some role requires 2FA, superusers (who may do everything) require it too.
OTP_REQUIRED_FOR_SUPERUSERS = env.bool("OTP_REQUIRED_FOR_SUPERUSERS", default=True)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Consórcio")
# Paths reachable while a two-factor step is pending (besides static files and the 2FA pages).
OTP_EXEMPT_PATH_PREFIXES = ["/health/", "/metrics"]

# django-guardian: no anonymous user row (anonymous visitors hold no object permissions).
ANONYMOUS_USER_NAME = None

# --- Language, time -------------------------------------------------------------------
LANGUAGE_CODE = "pt-br"
LANGUAGES = [("pt-br", "Português (Brasil)")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "America/Sao_Paulo"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "var" / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Documents (apps.documents): where uploaded files live, limits, download links --------
# "local" keeps files under MEDIA_ROOT/documents (never served directly: only signed links);
# "s3" uses an S3-compatible bucket (AWS S3, MinIO) through django-storages.
DOCUMENTS_STORAGE = env.str("DOCUMENTS_STORAGE", default="local")
if DOCUMENTS_STORAGE == "s3":
    STORAGES["documents"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("DOCUMENTS_S3_BUCKET"),
            "endpoint_url": env.str("DOCUMENTS_S3_ENDPOINT_URL", default="") or None,
            "access_key": env.str("DOCUMENTS_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("DOCUMENTS_S3_SECRET_ACCESS_KEY", default="") or None,
            "region_name": env.str("DOCUMENTS_S3_REGION", default="") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            "signature_version": "s3v4",
            "addressing_style": env.str("DOCUMENTS_S3_ADDRESSING_STYLE", default="path"),
        },
    }
elif DOCUMENTS_STORAGE == "local":
    STORAGES["documents"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT / "documents", "base_url": None},
    }
else:
    raise ImproperlyConfigured("DOCUMENTS_STORAGE must be 'local' or 's3'.")
# Largest accepted upload, in bytes (default 10 MiB).
DOCUMENTS_MAX_UPLOAD_BYTES = env.int("DOCUMENTS_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
# How long a download link stays valid, in seconds.
DOCUMENTS_LINK_TTL_SECONDS = env.int("DOCUMENTS_LINK_TTL_SECONDS", default=300)

# --- REST API (/api/v1/): JWT or session, Redis-backed throttles, cursor pages, schema ---
REST_FRAMEWORK = {
    "EXCEPTION_HANDLER": "consorcio.errors.problem_exception_handler",
    # Documents problem+json answers and the Idempotency-Key header on every operation.
    "DEFAULT_SCHEMA_CLASS": "consorcio.api_schema.ProblemAutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.api.authentication.FamilyJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": [
        "apps.accounts.api.throttling.AnonymousRateThrottle",
        "apps.accounts.api.throttling.StaffUserRateThrottle",
        "apps.accounts.api.throttling.ApiClientRateThrottle",
    ],
    # "<requests>/<second|minute|hour|day>"; counted in the Django cache (Redis).
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/minute"),
        "user": env.str("API_THROTTLE_USER", default="600/minute"),
        "client": env.str("API_THROTTLE_CLIENT", default="1200/minute"),
        "auth": env.str("API_THROTTLE_AUTH", default="60/minute"),
    },
    # Proxies in front of the app (the ingress): the client address is taken from
    # X-Forwarded-For that many hops from the right; 0 trusts only REMOTE_ADDR.
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
    "DEFAULT_PAGINATION_CLASS": "apps.accounts.api.pagination.DefaultCursorPagination",
    "PAGE_SIZE": env.int("API_PAGE_SIZE", default=50),
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "apps.accounts.api.negotiation.JSONFallbackNegotiation",
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
API_MAX_PAGE_SIZE = env.int("API_MAX_PAGE_SIZE", default=500)

# JWT (djangorestframework-simplejwt): short-lived access tokens, rotating refresh tokens
# blacklisted on rotation and logout (a system check refuses to start otherwise), each
# login one token family that reuse of a rotated refresh token revokes.
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(seconds=env.int("JWT_ACCESS_TOKEN_SECONDS", default=300)),
    "REFRESH_TOKEN_LIFETIME": timedelta(
        seconds=env.int("JWT_REFRESH_TOKEN_SECONDS", default=24 * 3600)
    ),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default=SECRET_KEY),
    "AUTH_HEADER_TYPES": ("Bearer",),
    "AUTH_TOKEN_CLASSES": ("apps.accounts.services.tokens.FamilyAccessToken",),
    "LEEWAY": env.int("JWT_LEEWAY_SECONDS", default=0),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Consórcio API",
    "DESCRIPTION": (
        "API REST da administradora de consórcio. Autenticação por JWT (POST "
        "/api/v1/auth/token/ ou /api/v1/auth/client-token/); erros em "
        "application/problem+json (RFC 9457) com `code` estável; POSTs que criam ou movem "
        "dinheiro aceitam o cabeçalho Idempotency-Key."
    ),
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs pages are public (integrators read them before holding a token).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No online validator badge (it would fetch an image from validator.swagger.io).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "ENUM_NAME_OVERRIDES": {
        "GroupStateEnum": "apps.groups.models.GroupState",
        "DocumentKindEnum": "apps.documents.models.DocumentKind",
        "MemberKindEnum": "apps.members.models.Member.Kind",
        "SalesChannelKindEnum": "apps.accounts.models.SalesChannel.Kind",
        "ChargeKindEnum": "apps.finance.models.billing.ChargeKind",
        "BidKindEnum": "apps.draws.models.BidKind",
        "AwardKindEnum": "apps.draws.models.AwardKind",
    },
}

# CORS for the API only; origins from the environment (scheme://host[:port], comma-separated).
CORS_ALLOWED_ORIGINS: list[str] = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_HEADERS = (
    "accept",
    "authorization",
    "content-type",
    "idempotency-key",
    "x-request-id",
)
CORS_EXPOSE_HEADERS = ["Retry-After", "Idempotent-Replayed", "X-Request-ID"]
CORS_PREFLIGHT_MAX_AGE = env.int("CORS_PREFLIGHT_MAX_AGE", default=600)

# --- Celery ---------------------------------------------------------------------------
CELERY_BROKER_URL: str = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
# With Redis as broker, an unacknowledged task is redelivered after the visibility timeout:
# it must exceed the longest task (acks_late), or a slow task would run twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int(
        "CELERY_VISIBILITY_TIMEOUT", default=CELERY_TASK_TIME_LIMIT + 600
    ),
    "socket_timeout": 5,
    "socket_connect_timeout": 5,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker consumes this queue and tasks go to it; a test or a second deployment sharing a
# broker sets its own name (CELERY_DEFAULT_QUEUE) so the two never take each other's tasks.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_DEFAULT_QUEUE", default="default")
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Save last_run_at after every task beat sends, so /health/ready sees beat within a minute
# (the scheduler otherwise writes it every three minutes).
CELERY_BEAT_SYNC_EVERY = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

# --- Kernel mechanisms ----------------------------------------------------------------
IDEMPOTENCY_KEY_RETENTION = timedelta(hours=env.int("IDEMPOTENCY_KEY_RETENTION_HOURS", default=24))
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
# Backoff between delivery attempts: base * 2**(attempts-1), capped, with jitter.
OUTBOX_RETRY_BASE_SECONDS = env.int("OUTBOX_RETRY_BASE_SECONDS", default=30)
OUTBOX_RETRY_MAX_SECONDS = env.int("OUTBOX_RETRY_MAX_SECONDS", default=3600)
# A pending delivery nobody delivered within this long is enqueued again by the sweeper.
OUTBOX_REDELIVERY_AFTER_SECONDS = env.int("OUTBOX_REDELIVERY_AFTER_SECONDS", default=60)
# A job chunk silent for this long (dead worker, lost message) is re-enqueued by the sweeper,
# at most JOB_CHUNK_MAX_ATTEMPTS claims in all.
JOB_CHUNK_STALL_SECONDS = env.int("JOB_CHUNK_STALL_SECONDS", default=300)
JOB_CHUNK_MAX_ATTEMPTS = env.int("JOB_CHUNK_MAX_ATTEMPTS", default=3)
LOCK_DEFAULT_TTL = env.float("LOCK_DEFAULT_TTL", default=30.0)
QUOTA_RESERVATION_MINUTES = env.int("QUOTA_RESERVATION_MINUTES", default=15)

# --- Loteria Federal results (apps.draws.services.lottery_source) ---------------------
# `fake` serves a local history (LOTTERY_HISTORY_FILE, else ../shared's fixture, else the
# bundled sample); `caixa` asks Caixa's results API at LOTTERY_API_URL.
LOTTERY_SOURCE = env.str("LOTTERY_SOURCE", default="fake")
LOTTERY_API_URL = env.str(
    "LOTTERY_API_URL", default="https://servicebus2.caixa.gov.br/portaldeloterias/api"
)
LOTTERY_API_TIMEOUT_SECONDS = env.float("LOTTERY_API_TIMEOUT_SECONDS", default=5.0)
LOTTERY_HISTORY_FILE = env.str("LOTTERY_HISTORY_FILE", default="")

# --- PIX payment service provider (apps.finance.services.psp) -------------------------
# `fake` registers dynamic charges in memory; `bcb` calls the PSP's BCB API Pix
# (PUT /cob/{txid}) with OAuth 2 client credentials and a mutual-TLS client certificate.
PIX_PSP_ADAPTER = env.str("PIX_PSP_ADAPTER", default="fake")
PIX_PSP_BASE_URL = env.str("PIX_PSP_BASE_URL", default="")
PIX_PSP_OAUTH_URL = env.str("PIX_PSP_OAUTH_URL", default="")
PIX_PSP_CLIENT_ID = env.str("PIX_PSP_CLIENT_ID", default="")
PIX_PSP_CLIENT_SECRET = env.str("PIX_PSP_CLIENT_SECRET", default="")
PIX_PSP_CERT_FILE = env.str("PIX_PSP_CERT_FILE", default="")
PIX_PSP_KEY_FILE = env.str("PIX_PSP_KEY_FILE", default="")
PIX_PSP_TIMEOUT_SECONDS = env.float("PIX_PSP_TIMEOUT_SECONDS", default=5.0)
# City of the PIX receiver (BR Code field 60) on the static codes of charges (billing runs).
PIX_MERCHANT_CITY = env.str("PIX_MERCHANT_CITY", default="SAO PAULO")
# PIX webhook (apps.finance.api.pix_webhook): the PSP signs timestamp + body with HMAC-SHA256
# under this shared secret; an empty secret refuses every call. Mutual TLS is the ingress's.
PIX_WEBHOOK_SECRET = env.str("PIX_WEBHOOK_SECRET", default="")
PIX_WEBHOOK_TOLERANCE_SECONDS = env.int("PIX_WEBHOOK_TOLERANCE_SECONDS", default=300)

# --- Audit ----------------------------------------------------------------------------
AUDITLOG_CID_GETTER = "consorcio.observability.current_request_id"
AUDITLOG_INCLUDE_ALL_MODELS = False

# --- Observability --------------------------------------------------------------------
PROMETHEUS_METRICS_EXPORT_PORT = None
DJANGO_STRUCTLOG_CELERY_ENABLED = True
# Keep the X-Request-ID a proxy/ingress sent (vetted by consorcio.observability); the id
# is echoed in the response header of the same name.
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = env.bool("TRUST_UPSTREAM_REQUEST_ID", default=True)
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="json")  # json | console

_renderer = (
    structlog.dev.ConsoleRenderer()
    if LOG_FORMAT == "console"
    else structlog.processors.JSONRenderer()
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "structured": {
            "()": structlog.stdlib.ProcessorFormatter,
            "processor": _renderer,
            "foreign_pre_chain": [
                structlog.contextvars.merge_contextvars,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
                structlog.stdlib.add_logger_name,
                structlog.stdlib.add_log_level,
            ],
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_structlog": {"level": LOG_LEVEL},
    },
}
structlog.configure(
    processors=[
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.filter_by_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.stdlib.PositionalArgumentsFormatter(),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
        structlog.processors.UnicodeDecoder(),
        structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
    ],
    logger_factory=structlog.stdlib.LoggerFactory(),
    cache_logger_on_first_use=True,
)

SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# --- Content-Security-Policy (django-csp 4) and Permissions-Policy ----------------------
# Enforced in every environment (not report-only), so development and tests exercise it.
# No inline code at all: scripts and styles come from our own origin (static/), htmx runs
# with allowEval off (templates/base.html). `data:` images are Pico CSS's inline SVG icons.
# A page that needs more (e.g. the API docs) loosens it for itself with csp.decorators.
CONTENT_SECURITY_POLICY: dict[str, dict[str, object]] = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Browser features the staff UI never uses are switched off (consorcio.middleware).
PERMISSIONS_POLICY: dict[str, list[str]] = {
    "accelerometer": [],
    "autoplay": [],
    "camera": [],
    "display-capture": [],
    "encrypted-media": [],
    "fullscreen": ["self"],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "picture-in-picture": [],
    "publickey-credentials-get": ["self"],
    "screen-wake-lock": [],
    "usb": [],
    "xr-spatial-tracking": [],
}

# /metrics: public in development; production settings require METRICS_TOKEN.
METRICS_PUBLIC = env.bool("METRICS_PUBLIC", default=True)
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
