"""Run as a separate OS process: one worker's claim loop against the database in DATABASE_URL.

    python tests/coupons/claim_worker.py GATEWAY_URL              (the generic HTTP gateway)
    python tests/coupons/claim_worker.py aliyun|tencent FAKE_URL  (the provider backend, fake's credentials)
Prints the statuses it recorded as JSON.
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from coupons.services import coupon_issue_send_batch  # noqa: E402
from coupons.sms import get_backend  # noqa: E402


def main() -> None:
    if sys.argv[1] in {"aliyun", "tencent"}:
        backend = get_backend(f"coupons.sms.backends.{sys.argv[1]}.SmsBackend", endpoint=sys.argv[2],
                              read_timeout=60, connect_timeout=5)
    else:
        backend = get_backend("coupons.sms.backends.http.SmsBackend", url=sys.argv[1], read_timeout=60,
                              connect_timeout=5, max_retries=0)
    outcome = coupon_issue_send_batch(backend=backend, limit=100_000)
    print(json.dumps({"pid": os.getpid(), "statuses": outcome.statuses}), flush=True)


if __name__ == "__main__":
    main()
