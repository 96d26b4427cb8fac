"""The one settings file: everything that differs between machines comes from the environment."""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
# var/ holds the embedded database and other local state; it sits beside src/ in a checkout.
VAR_DIR = Path(os.environ.get("RANKS_VAR_DIR", Path.cwd() / "var"))


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    return default if value is None or value == "" else value.lower() in {"1", "true", "yes"}


DEBUG = _flag("RANKS_DEBUG")
SECRET_KEY = os.environ.get("RANKS_SECRET_KEY", "")
if not SECRET_KEY:
    # A local secret, made once and kept under var/, so sessions survive restarts.
    _key_file = VAR_DIR / "secret_key"
    try:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        if not _key_file.exists():
            import secrets

            _key_file.write_text(secrets.token_urlsafe(50))
        SECRET_KEY = _key_file.read_text().strip()
    except OSError:
        SECRET_KEY = "ranks-insecure-fallback-key-for-read-only-checkouts"

# The data key (core.crypto, docs/privacy.md): what encrypts the national ID at rest. A list,
# newest first: values are encrypted under the first and read under any (`ranks datakey rotate`
# re-encrypts them under the first). RANKS_DATA_KEY holds it comma-separated; without it a key is
# made once and kept in var/data_key (one a line), like the secret key. It is never in a backup.
RANKS_DATA_KEY_FILE: Path | None = None
RANKS_DATA_KEYS = [k.strip() for k in os.environ.get("RANKS_DATA_KEY", "").split(",") if k.strip()]
if not RANKS_DATA_KEYS:
    RANKS_DATA_KEY_FILE = VAR_DIR / "data_key"
    try:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        if not RANKS_DATA_KEY_FILE.exists():
            import base64
            import secrets

            try:  # readable by its owner only; made by one process if several start at once
                _fd = os.open(RANKS_DATA_KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(_fd, "w") as _out:
                    _out.write(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode() + "\n")
        RANKS_DATA_KEYS = RANKS_DATA_KEY_FILE.read_text().split()
    except OSError:
        # No key: encrypting or reading a national ID fails with a message saying so.
        RANKS_DATA_KEYS = []

ALLOWED_HOSTS = [
    h for h in os.environ.get("RANKS_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "axes",
    "ranks.core",
    "ranks.org",
    "ranks.people",
    "ranks.counters",
    "ranks.access",
    "ranks.pipeline",
    "ranks.targets",
    "ranks.coverage",
    "ranks.web",
    "ranks.demo",
    "ranks.interchange",
    "ranks.bench",
    "ranks.reports",
    "ranks.restructure",
    "ranks.privacy",
    "ranks.offline",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "ranks.api",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    # Outermost, so that it compresses the pages and the static files alike (docs/install.md).
    "ranks.web.staticfiles.CompressionMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy header on every page (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    # WhiteNoise, also serving each static file under the name with its hash (cached for good).
    "ranks.web.staticfiles.StaticFilesMiddleware",
    # /healthz and /readyz, before the session is read (ranks.web.middleware).
    "ranks.web.middleware.HealthCheckMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ranks.web.middleware.IgnoreAcceptLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Whether this request wrote, so that its user's next reads skip the replica (core.replica).
    "ranks.web.middleware.ReplicaMiddleware",
    # Every page needs a signed-in user, except those marked @login_not_required (login, health).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last, so that it is the first to see what a view raised.
    "ranks.web.middleware.RefusalMiddleware",
]

ROOT_URLCONF = "ranks.urls"
WSGI_APPLICATION = "ranks.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'ranks.sqlite3'}"),
        conn_max_age=int(os.environ.get("RANKS_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work while a writer commits; IMMEDIATE avoids lock upgrades failing.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: the counters' rollups are wide statements run inside each write, whose estimated
    # cost on fresh or unanalysed tables crosses the JIT thresholds; compiling them took 1-3 s a
    # statement against milliseconds to run them (docs/counters.md). Ranks' reads are indexed.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"]["options"] = "-c jit=off"

# An optional PostgreSQL read replica for reports and dashboards (ranks.core.replica,
# docs/deploy.md): reads that may lag a moment go there, except a user's own right after they
# wrote. A test run mirrors it onto the test database, as Django does for replicas.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=int(os.environ.get("RANKS_CONN_MAX_AGE", "0")),
    )
    DATABASES["replica"]["OPTIONS"] = dict(DATABASES["default"].get("OPTIONS", {}))
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["ranks.core.replica.ReplicaRouter"]
RANKS_REPLICA_PIN_SECONDS = int(os.environ.get("RANKS_REPLICA_PIN_SECONDS", "30"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, whose user read for each request carries the user's grants.
    "ranks.access.backends.UserWithGrantsBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Repeated failed logins lock the account (by username, whatever the address) for a while.
AXES_FAILURE_LIMIT = int(os.environ.get("RANKS_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("RANKS_LOGIN_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
SILENCED_SYSTEM_CHECKS = [
    # Lock by username only: officers of one commune often share one address (an office network,
    # a mobile carrier's NAT), and locking the address would lock all of them out at once.
    "axes.W006",
]
if not _flag("RANKS_HSTS_PRELOAD"):
    # HSTS preload is a commitment of the whole domain, its subdomains included, to the browsers'
    # built-in list, hard to undo: the owner of the domain decides (RANKS_HSTS_PRELOAD=1), not
    # Ranks' defaults. HSTS itself is on under TLS (docs/deploy.md).
    SILENCED_SYSTEM_CHECKS.append("security.W021")

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
# The language switch is kept for the session (Django keeps it in this cookie).
LANGUAGE_COOKIE_AGE = None

# Imports started on the web page run as jobs (django-tasks, queued in the database and run by
# `ranks worker`, docs/deploy.md "Jobs"), so that the page can show their progress and a phone on
# a bad connection need not hold the request open. False runs them inside the request instead:
# tests set it, because an in-memory SQLite database is not shared with a worker. Uploaded files
# wait under VAR_DIR/uploads until the import is done or rejected.
RANKS_IMPORT_IN_BACKGROUND = os.environ.get("RANKS_IMPORT_IN_BACKGROUND", "true").lower() in {
    "1",
    "true",
    "yes",
}
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
# A running job whose worker has given no sign of life for this many seconds died with it (a
# `kill -9`, a crash of the machine): it is run again once, then marked failed. The worker's
# heartbeat comes six times as often.
RANKS_JOB_LOST_AFTER = float(os.environ.get("RANKS_JOB_LOST_AFTER", "60"))
# What every worker runs at its start and then every RANKS_JOB_LOST_AFTER / 2 seconds: the
# refresh that queues again an import's step whose worker died (ranks.interchange.jobs), and the
# one that marks failed a queued command whose worker died (ranks.core.queued).
RANKS_JOB_SWEEPS = ["ranks.interchange.jobs.jobs_sweep", "ranks.core.queued.commands_sweep"]
# Test-only: an import that is writing pauses this many seconds after each batch, inside its
# transaction (tests/interchange/test_worker.py kills the worker there).
RANKS_TEST_IMPORT_PAUSE = float(os.environ.get("RANKS_TEST_IMPORT_PAUSE", "0"))

STATIC_URL = "static/"
# Only needed to run `collectstatic` for a front web server; otherwise whitenoise serves the
# apps' static files straight from the package.
STATIC_ROOT = os.environ.get("RANKS_STATIC_ROOT") or None
WHITENOISE_USE_FINDERS = True
# `{% static %}` names a file with a hash of its content, which WhiteNoise caches for a year.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "ranks.web.staticfiles.HashedStaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = DEBUG

# The production server (`ranks serve`, gunicorn; docs/deploy.md): where it listens, how many
# processes and threads in each. Threads share a process's memory; processes use the cores.
RANKS_BIND = os.environ.get("RANKS_BIND", "127.0.0.1:8000")
RANKS_WEB_WORKERS = int(os.environ.get("RANKS_WEB_WORKERS", "2"))
RANKS_WEB_THREADS = int(os.environ.get("RANKS_WEB_THREADS", "4"))
# A request longer than this many seconds (a large PDF report) is ended and its worker restarted.
RANKS_WEB_TIMEOUT = int(os.environ.get("RANKS_WEB_TIMEOUT", "120"))

# Sessions end this many hours after signing in (a working day by default), and, if asked, when
# the browser closes. An expired session in the installed app asks to sign in again before the
# outbox is sent (docs/offline.md).
SESSION_COOKIE_AGE = int(float(os.environ.get("RANKS_SESSION_HOURS", "8")) * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = _flag("RANKS_SESSION_AT_BROWSER_CLOSE")
SESSION_COOKIE_HTTPONLY = True
# The pages' scripts read the CSRF token from the cookie to send records (offline/outbox.js).
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Behind a reverse proxy that ends TLS (docs/deploy.md): the proxy says the request came over
# https in X-Forwarded-Proto, which it must set itself (never pass on the client's). Then cookies
# go only over https, plain http is sent to https, and browsers are told to use https only.
RANKS_TLS = _flag("RANKS_TLS")
if RANKS_TLS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    # The health checks answer over plain http too: a load balancer or systemd probes the app
    # server directly, not through the proxy.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("RANKS_HSTS_SECONDS", str(365 * 24 * 60 * 60)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _flag("RANKS_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = _flag("RANKS_HSTS_PRELOAD")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("RANKS_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# What a page may load: only its own site's scripts, styles, images (and the favicon, a data:
# URL), its service worker and its own API; no inline script or style, no frames, no plugins.
# Data handed to scripts sits in <script type="application/json">, which is never run.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "manifest-src": [SELF],
        "worker-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"axes": {"handlers": ["console"], "level": "WARNING", "propagate": False}},
}

# The REST API (ranks.api, docs/api.md): a personal token or the session (with CSRF); cursor
# pages; one error shape; throttled per token. The schema is docs/api/openapi.yaml.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "ranks.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "ranks.api.authentication.ReadOnlyTokenPermission",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["ranks.api.throttling.TokenRateThrottle"],
    # OPTIONS is not answered with a description of the view (it would look for a queryset).
    "DEFAULT_METADATA_CLASS": None,
    "DEFAULT_THROTTLE_RATES": {"token": os.environ.get("RANKS_API_RATE", "600/minute")},
    "EXCEPTION_HANDLER": "ranks.api.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Ranks API",
    "DESCRIPTION": "Units and people of Ranks, within the caller's grants. See docs/api.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets used by several serializers under one field name get one name each.
    "ENUM_NAME_OVERRIDES": {
        "PlaceKindEnum": "ranks.org.models.PlaceKind",
        "MembershipStatusEnum": "ranks.api.endpoints.people_serializers.STATUSES",
        "FileKindEnum": "ranks.interchange.schema.KIND_ORDER",
        "RegisterStatusEnum": "ranks.people.selectors.REGISTER_STATUSES",
        "RestructureKindEnum": "ranks.restructure.models.RestructureKind",
        "RestructureStatusEnum": "ranks.restructure.models.RestructureStatus",
        "WhereKindEnum": "ranks.people.models.AbsenceWhere",
        "SuggestWeightEnum": "ranks.targets.metrics.WEIGHTS",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "ranks.api.links.add_links",
        "ranks.api.idempotency.document_reused_key",
    ],
}
