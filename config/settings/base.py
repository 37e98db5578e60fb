"""Settings shared by every environment; every deploy-time value comes from the environment."""

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

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
    "drf_spectacular_sidecar",  # Swagger UI served from our own static files: the CSP allows no CDN
    "django_celery_beat",
    "django_htmx",
    "csp",
    "axes",
    "customers",
    "sales",
    "analytics",
    "coupons",
    "cockpit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "cockpit.middleware.LoginRequiredEverywhereMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as axes asks: turns a refused sign-in into the lockout page
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "cockpit.context_processors.roles",
                "customers.context_processors.scope_notice",
                "analytics.context_processors.first_fill",
            ],
        },
    },
]

# Embedded default: a SQLite file in the project folder; production points DATABASE_URL at PostgreSQL.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # psycopg 3 as Django runs it. A pool per process keeps connections, and with them their prepared statements,
    # across requests: up to DB_POOL_SIZE at once, which must cover gunicorn's --threads (Celery's prefork children
    # close theirs after each task: its Django fix-up). Server-side binding lets psycopg prepare a statement once it
    # has run `prepare_threshold` times on a connection: the profile's grade history reads every snapshot
    # partition and costs PostgreSQL more to plan than to run. Behind a pooler in transaction mode (PgBouncer) a
    # session's prepared statements do not follow the client: PREPARED_STATEMENTS=false there. DB_POOL=false goes
    # back to one connection per thread, kept DB_CONN_MAX_AGE seconds.
    _pool = env_bool("DB_POOL", True)
    DATABASES["default"]["OPTIONS"] = {
        "server_side_binding": True,
        "prepare_threshold": 5 if env_bool("PREPARED_STATEMENTS", True) else None,
        "pool": {"min_size": 1, "max_size": int(os.environ.get("DB_POOL_SIZE", "8")), "timeout": 10} if _pool
        else False,
    }
    if _pool:
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # Django refuses persistent connections with a pool
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The worker writes (imports, snapshot jobs) while the web process serves pages: WAL lets readers read during a
    # write; `timeout` is SQLite's busy timeout (a writer waits up to 20 s for the lock instead of failing); IMMEDIATE
    # takes the write lock when a transaction begins, so two writers queue instead of one failing with "database
    # is locked" when its read lock cannot be upgraded. tests/config/test_recompute_under_load.py checks it.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in throttling (django-axes; customers/login.py): failures in the database, a username from one address
# locked after 5, an address after 50 over any usernames, for 15 minutes after the last counted failure; both
# /accounts/login/ and /admin/login/ (axes sees every authenticate()).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "customers.login.LoginThrottleHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_FAILURE_LIMIT = 5
LOGIN_ADDRESS_FAILURE_LIMIT = 50
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
AXES_RESET_ON_SUCCESS = True  # the username's failures from that address (LoginThrottleHandler.reset_user_attempts)
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # the page can say until when, and that stays true
AXES_CLIENT_IP_CALLABLE = "customers.login.client_address"
AXES_USERNAME_CALLABLE = "customers.login.login_username"
AXES_LOCKOUT_CALLABLE = "customers.login.lockout_response"
AXES_VERBOSE = False  # no banner on every manage.py command
# Reverse proxies in front of the app that append to X-Forwarded-For (production: 1, the TLS proxy).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
# API rate limits per scope (config.throttles): "N/second|minute|hour|day", or empty to switch one off.
API_RATES = {
    "anon": os.environ.get("API_RATE_ANON", "60/minute") or None,
    "user": os.environ.get("API_RATE_USER", "1200/minute") or None,
    "token": os.environ.get("API_RATE_TOKEN", "1200/minute") or None,
}
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
FORMAT_MODULE_PATH = ["config.formats"]  # zh-Hans counts as 1,220 like its money (config/formats/zh_Hans)
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Files a browser asks for at the site's root whatever the page says (/favicon.ico from the admin, the API's
# browsable pages and Swagger UI, which do not use our base template): WhiteNoise serves them.
WHITENOISE_ROOT = BASE_DIR / "webroot"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

REST_FRAMEWORK = {
    # Token first: DRF answers a missing or bad credential with the first class's challenge, so a bad token is a
    # 401 with "WWW-Authenticate: Token" rather than a 403 (issue 17 item 9). Sessions still work (and keep CSRF).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "customers.tokens.ApiTokenAuthentication",  # keys stored as hashes (customers.ApiToken)
        "rest_framework.authentication.SessionAuthentication",
    ],
    # DRF defaults to AllowAny: every endpoint needs a login unless it says otherwise.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "config.ordering.StrictOrderingFilter",  # unknown terms are a 400 (issue 17 item 10)
    ],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.StandardPagination",
    "EXCEPTION_HANDLER": "config.api_errors.exception_handler",  # a refused body is a JSON 400, not Django's HTML
    # Rate limits (config.throttles; rates in API_RATES below); anonymous callers by the address TRUSTED_PROXY_COUNT
    # proxies report, like the sign-in throttle.
    "DEFAULT_THROTTLE_CLASSES": ["config.throttles.AnonThrottle", "config.throttles.UserThrottle",
                                 "config.throttles.TokenThrottle"],
    "NUM_PROXIES": TRUSTED_PROXY_COUNT or None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Distributor BI Cockpit API",
    "DESCRIPTION": "Customers, grades, lifecycle, snapshots, imports and coupons of a wholesale distributor.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Request bodies are documented as JSON: a form cannot say null or a nested object, so a schema-valid body
    # (next_date: null) sent as a form was refused. Views still parse forms; the contract is JSON.
    "PARSER_WHITELIST": ["rest_framework.parsers.JSONParser"],
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "config.schema.document_errors"],
    "ENUM_NAME_OVERRIDES": {
        "GradeEnum": "customers.models.GRADES",
        "LifecycleEnum": "analytics.models.Lifecycle",
        "VisitKindEnum": "customers.models.Visit.Kind",
        "ImportKindEnum": "sales.models.ImportBatch.Kind",
        "ImportStatusEnum": "sales.models.ImportBatch.Status",
        "SnapshotRunKindEnum": "analytics.models.SnapshotRun.Kind",
        "SnapshotRunStatusEnum": "analytics.models.SnapshotRun.Status",
        "CampaignKindEnum": "coupons.models.Campaign.Kind",
        "CareRuleKindEnum": "coupons.models.CareRule.Kind",
        "CouponIssueStatusEnum": "coupons.models.CouponIssue.Status",
    },
}

# Celery runs real workers in every set-up (no eager mode outside unit tests: a task inside a request holds it and
# every other writer). Production: Redis (REDIS_URL). The embedded default: kombu's filesystem transport, messages
# as files in var/broker/ beside the SQLite database, so `make run` needs no server; no result backend there
# (progress lives in BackgroundJob rows, nothing waits on a result). The filesystem transport removes a message when
# a worker takes it: a worker killed mid-task loses that message, and the beat's fill step and job sweep redo it.
REDIS_URL = os.environ.get("REDIS_URL", "")
BROKER_DIR = Path(os.environ.get("CELERY_BROKER_DIR", str(BASE_DIR / "var" / "broker")))
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 60 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 55 * 60
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND: str | None = REDIS_URL
    # The visibility timeout must outlast the longest task (and any countdown), or Redis redelivers a running task.
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {"visibility_timeout": 2 * 60 * 60}
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60}
else:
    # The transport has no host, but kombu warns "No hostname was supplied" on every connection to a URL without
    # one (every command that enqueues a task, the worker, the beat); the name is never used.
    CELERY_BROKER_URL = "filesystem://localhost/"
    CELERY_RESULT_BACKEND = None
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"), "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"), "processed_folder": str(BROKER_DIR / "processed"),
        "store_processed": False,
    }
    for _folder in ("queue", "control", "processed"):  # the transport expects its folders to exist
        (BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The beat saves each entry's last_run_at after every task it sends (not every 3 minutes): /healthz reads it.
CELERY_BEAT_SYNC_EVERY = 1
CELERY_BEAT_SCHEDULE = {
    "close-last-month": {
        "task": "analytics.tasks.close_last_month",
        "schedule": crontab(minute=0, hour=2, day_of_month=1),
    },
    "daily-pulse": {
        "task": "analytics.tasks.daily_pulse",
        "schedule": crontab(minute=30, hour=2),
    },
    # The fill step: every closed month never computed or stale since an import, oldest first.
    "recompute-stale-periods": {
        "task": "analytics.tasks.recompute_stale_periods",
        "schedule": crontab(minute="*/15"),
    },
    # /healthz alerts when the beat has not sent this for 5 minutes (workers record themselves: config.celery).
    "worker-heartbeat": {"task": "analytics.tasks.worker_heartbeat", "schedule": 60.0},
    # Jobs whose worker died (or whose message the filesystem broker lost) are enqueued again.
    "jobs-resume": {"task": "analytics.tasks.jobs_resume", "schedule": crontab(minute="*/5")},
    # Imports whose worker or command was killed are marked failed, with why (sales.imports.sweep).
    "imports-sweep": {"task": "sales.tasks.import_sweep", "schedule": crontab(minute="*/10")},
    # Churn-risk model retrained on the month that just closed, after the monthly snapshot.
    "churn-retrain": {
        "task": "analytics.churn.tasks.churn_retrain",
        "schedule": crontab(minute=0, hour=3, day_of_month=1),
    },
    # Sends held over quiet hours, and stale `sending` rows marked unknown (never resent blindly).
    "coupons-send-pending": {"task": "coupons.tasks.send_pending", "schedule": 60.0},
    # Outbox rows whose publish failed while the broker was down.
    "coupons-relay-outbox": {"task": "coupons.tasks.relay_outbox", "schedule": 60.0},
    # Care campaigns (birthday, no order for N days, grade dropped, welcome) after quiet hours.
    "coupons-care-rules": {"task": "coupons.tasks.run_care_rules", "schedule": crontab(minute=0, hour=9)},
}

# The release being served (a deploy sets it to the commit or image tag). It prefixes every cache key, so figures
# and fragments an earlier release computed or rendered are never served by this one: no flush at deploy. The
# embedded default's cache lives in each process and starts empty with it.
RELEASE = os.environ.get("RELEASE", "").strip()
CACHES = {
    "default": (
        {
            "BACKEND": "config.cache.ForgivingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"cockpit-{RELEASE}" if RELEASE else "cockpit",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Content-Security-Policy (django-csp 4): no inline script anywhere, charts travel as JSON.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

SMS_BACKEND = os.environ.get("SMS_BACKEND", "coupons.sms.backends.console.SmsBackend")
COMPANY_NAME = os.environ.get("COMPANY_NAME", "示例商贸")
# How many follow-ups make a salesperson's day on /worklist/; the rest wait under "later".
WORKLIST_DAILY_CAPACITY = int(os.environ.get("WORKLIST_DAILY_CAPACITY", "20"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_errors_without_traceback": {"()": "config.log_filters.ClientErrorsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["client_errors_without_traceback"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # axes logs every sign-in at INFO; its warnings (failures, lockouts) are the ones worth keeping
    "loggers": {"axes": {"level": os.environ.get("AXES_LOG_LEVEL", "WARNING")}},
}

# Imports (issue 17 item 5): the largest upload taken, and what an XLSX may unpack to before it is parsed.
IMPORT_MAX_UPLOAD_MB = int(os.environ.get("IMPORT_MAX_UPLOAD_MB", "50"))
# A file the import commands read from the server's own disk (an operator's, not a browser's): the reference
# ledger of 1,000,000 lines is about 90 MB, a year of a large distributor several times that.
IMPORT_MAX_FILE_MB = int(os.environ.get("IMPORT_MAX_FILE_MB", "1024"))
IMPORT_XLSX_MAX_UNCOMPRESSED_MB = int(os.environ.get("IMPORT_XLSX_MAX_UNCOMPRESSED_MB", "500"))
IMPORT_XLSX_MAX_SHARED_STRINGS_MB = int(os.environ.get("IMPORT_XLSX_MAX_SHARED_STRINGS_MB", "100"))
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "1048576"))  # Excel's sheet size
