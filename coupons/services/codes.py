"""Coupon codes: unique and unguessable (secrets, an alphabet without look-alike characters)."""

import secrets

from coupons import conf

SAMPLE_CODE = "7KQ4M9XR2T"


def coupon_code_new() -> str:
    """A fresh random code; 30**10 (about 6e14) possibilities, so guessing one is hopeless."""
    alphabet = conf.COUPON_CODE_ALPHABET
    return "".join(secrets.choice(alphabet) for _ in range(int(conf.get("COUPON_CODE_LENGTH"))))
