"""PII redaction for training data: contact details go, the story stays."""

from __future__ import annotations

from worker.counsel.pii import redact_pii


def test_contact_details_are_replaced_and_the_story_kept() -> None:
    text = ("Write to ana.silva@example.pt or call +351 912 345 678. She lived at "
            "42 Juniper Lane, then Rua das Flores, 12 in Porto. In 1962 we married; "
            "the 1990-1995 years were hard.")
    out = redact_pii(text)
    for gone in ("ana.silva@example.pt", "912 345 678", "42 Juniper Lane", "Rua das Flores, 12"):
        assert gone not in out
    assert "[email]" in out and "[phone]" in out and out.count("[address]") == 2
    assert "In 1962 we married" in out and "1990-1995" in out, "years are not phone numbers"
    assert redact_pii("") == ""
