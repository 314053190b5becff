"""PII redaction for text that leaves the user's own record (training data, exports to others).

Uses the detectors of nlu.safety.privacy (emails, phone numbers of 9-15
digits, street addresses and UK postcodes) and replaces each match with a
placeholder, so training never sees them.
"""

from __future__ import annotations

import re

from nlu.safety.privacy import ADDRESS, EMAIL, PHONE, PHONE_DIGITS

PLACEHOLDERS = {"email": "[email]", "phone": "[phone]", "address": "[address]"}


def _phone(match: re.Match[str]) -> str:
    digits = sum(c.isdigit() for c in match.group())
    return PLACEHOLDERS["phone"] if PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1] else match.group()


def redact_pii(text: str) -> str:
    """The text with emails, phone numbers and street addresses replaced by placeholders."""
    text = EMAIL.sub(PLACEHOLDERS["email"], text)
    text = PHONE.sub(_phone, text)
    return ADDRESS.sub(PLACEHOLDERS["address"], text)
