"""The second factor: TOTP secrets (RFC 6238, through pyotp), their enrolment link, and
checking a code once (a code that was used cannot be replayed within its window)."""

from __future__ import annotations

import hmac
import time

import pyotp

from worker.store.store import Store

ISSUER = "storyloom"
STEP_S = 30
# Codes one step either side still count: phones' clocks drift.
DRIFT_STEPS = 1


def new_secret() -> str:
    """A fresh base32 secret (160 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(email: str, secret: str) -> str:
    """The otpauth:// address an authenticator app reads (typed, pasted or as a QR code)."""
    return pyotp.TOTP(secret, interval=STEP_S).provisioning_uri(name=email, issuer_name=ISSUER)


def check_code(store: Store, account_id: str, secret: str, code: str) -> bool:
    """True when the code is the secret's for now (give or take a step) and was not used."""
    digits = "".join(ch for ch in code if not ch.isspace())
    if len(digits) != 6 or not digits.isdigit():
        return False
    totp = pyotp.TOTP(secret, interval=STEP_S)
    now = time.time()
    for offset in range(-DRIFT_STEPS, DRIFT_STEPS + 1):
        moment = now + offset * STEP_S
        if hmac.compare_digest(totp.at(moment), digits):
            return store.use_totp_step(account_id, int(moment // STEP_S))
    return False
