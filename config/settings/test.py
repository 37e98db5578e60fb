"""Test settings: SQLite in memory unless DATABASE_URL points elsewhere (CI points it at PostgreSQL)."""

import os

from .base import *  # noqa: F403

SECRET_KEY = "test-only-key"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# In-process tasks, except inside a real worker started by the integration tests (CELERY_WORKER=1).
CELERY_TASK_ALWAYS_EAGER = os.environ.get("CELERY_WORKER") != "1"
SMS_BACKEND = "coupons.sms.backends.locmem.SmsBackend"
LANGUAGE_CODE = "zh-hans"
