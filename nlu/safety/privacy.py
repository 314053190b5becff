"""Private details about people in generated text: contact details and user-named secrets."""

from __future__ import annotations

import re
from collections.abc import Sequence

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.IGNORECASE)
PHONE = re.compile(r"(?<![\w.])(?:\+|00)?\d[\d ().-]{7,18}\d(?![\w])")
# A phone number has 9 to 15 digits; years, dates and year ranges have 8 or fewer.
PHONE_DIGITS = (9, 15)
_STREET = (
    r"Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Boulevard|Blvd|Drive|Dr|Court|Ct|Way|Place|Pl|"
    r"Terrace|Crescent|Close|Square|Sq|Gardens|Grove|Parkway"
)
ADDRESS = re.compile(
    rf"\b\d{{1,5}}[A-Za-z]?,? (?:[A-Z][\w'-]+ ){{1,4}}(?:{_STREET})\b"
    r"|\b(?:Rua|Avenida|Av\.|Travessa|Largo|Praça|Calle|Carrer|Rue|Via|Viale)\s+"
    r"[^\n,.;]{2,40},?\s*"
    r"(?:n\.?º\s*)?\d{1,5}\b"
    r"|\b[A-ZÄÖÜ][a-zäöüß]+(?:straße|strasse|weg|gasse|platz|allee)\s+\d{1,4}[a-z]?\b"
    r"|\b[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}\b"
)
# "<known person>'s number", "<known person> lives at 4 ...": contact talk about a real person.
_ABOUT = (
    r"(?:'s (?:phone|mobile|cell|number|email|e-mail|address|home address)|'s pin|"
    r"(?: lives| lived) (?:at|on) (?:number )?\d|(?:'s)? (?:bank|card|account) (?:number|details))"
)


def contact_findings(text: str) -> list[str]:
    """Reasons for each kind of contact detail found (no text quoted)."""
    found = []
    if EMAIL.search(text):
        found.append("an email address")
    if any(PHONE_DIGITS[0] <= sum(c.isdigit() for c in m.group()) <= PHONE_DIGITS[1]
           for m in PHONE.finditer(text)):
        found.append("a phone number")
    if ADDRESS.search(text):
        found.append("a street address or postcode")
    return found


def detail_findings(
    text: str, known_people: Sequence[str], private_details: Sequence[str]
) -> list[str]:
    """Reasons for user-named private details, and contact talk about people the user knows."""
    low = _squash(text)
    found = []
    for i, detail in enumerate(private_details):
        d = _squash(detail)
        if len(d) >= 3 and re.search(_bounded(d), low):
            found.append(f"private detail #{i + 1}")
    for i, person in enumerate(known_people):
        p = _squash(person)
        if len(p) >= 2 and re.search(_bounded(p) + _ABOUT, low):
            found.append(f"contact or account details about known person #{i + 1}")
    return found


def _squash(s: object) -> str:
    return re.sub(r"\s+", " ", s).strip().lower() if isinstance(s, str) else ""


def _bounded(s: str) -> str:
    """Escaped, with word boundaries where the ends are word characters."""
    left = r"\b" if s[:1].isalnum() else ""
    right = r"\b" if s[-1:].isalnum() else ""
    return left + re.escape(s) + right
