"""Settings for the real Celery worker processes of test_celery.py: the test database, the local gateway."""

import os

from config.settings.test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_URL = os.environ["TEST_CELERY_BROKER_URL"]
CELERY_RESULT_BACKEND = None
SMS_BACKEND = "coupons.sms.backends.http.SmsBackend"
SMS_GATEWAY_URL = os.environ["TEST_SMS_GATEWAY_URL"]
SMS_GATEWAY_MAX_RETRIES = 0
SMS_QUIET_HOURS = ""
SMS_RATE_PER_SECOND = 0
