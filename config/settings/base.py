"""Settings shared by every environment; every deploy-time value comes from the environment."""

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
    "django_celery_beat",
    "django_htmx",
    "csp",
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
# Hot reads over every snapshot partition are prepared once per PostgreSQL connection (config/prepared.py);
# false behind a pooler in transaction mode, where a session's statements do not follow the client.
PREPARED_STATEMENTS = env_bool("PREPARED_STATEMENTS", True)
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
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    # DRF defaults to AllowAny: every endpoint needs a login unless it says otherwise.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.StandardPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Distributor BI Cockpit API",
    "DESCRIPTION": "Customers, grades, lifecycle, snapshots, imports and coupons of a wholesale distributor.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
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
    CELERY_BROKER_URL = "filesystem://"
    CELERY_RESULT_BACKEND = None
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"), "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"), "processed_folder": str(BROKER_DIR / "processed"),
        "store_processed": False,
    }
    for _folder in ("queue", "control", "processed"):  # the transport expects its folders to exist
        (BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
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
    # /healthz alerts when no worker has run this for 5 minutes.
    "worker-heartbeat": {"task": "analytics.tasks.worker_heartbeat", "schedule": 60.0},
    # Jobs whose worker died (or whose message the filesystem broker lost) are enqueued again.
    "jobs-resume": {"task": "analytics.tasks.jobs_resume", "schedule": crontab(minute="*/5")},
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

CACHES = {
    "default": (
        {
            "BACKEND": "config.cache.ForgivingRedisCache",
            "LOCATION": REDIS_URL,
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
