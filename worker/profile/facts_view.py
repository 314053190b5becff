"""Profile facts said back to the user in plain words."""

from __future__ import annotations

from datetime import date

from nlu.profile import Contradiction, ProfileFact

_PAST = {
    "lives_in": "you lived in {}", "grew_up_in": "you grew up in {}",
    "born_in": "you were born in {}",
    "occupation": "you worked as {}", "employer": "you worked at {}", "diet": "you ate {}",
    "spouse": "you were married to {}", "partner": "your partner was {}",
    "children": "you had {} children", "grandchildren": "you had {} grandchildren",
    "birth_year": "you were born in {}", "age": "you were {}", "pet": "you had {}",
    "speaks": "you spoke {}",
    "likes": "you liked {}", "dislikes": "you disliked {}", "habit": "you used to {}",
    "routine": "you used to {}", "has": "you had {}", "comes_from": "you came from {}",
    "studies": "you studied {}",
}
_PRESENT = {
    "lives_in": "you live in {}", "grew_up_in": "you grew up in {}",
    "born_in": "you were born in {}",
    "occupation": "you work as {}", "employer": "you work at {}", "diet": "you eat {}",
    "spouse": "you are married to {}", "partner": "your partner is {}",
    "children": "you have {} children", "grandchildren": "you have {} grandchildren",
    "birth_year": "you were born in {}", "age": "you are {}", "pet": "you have {}",
    "speaks": "you speak {}",
    "likes": "you like {}", "dislikes": "you dislike {}", "habit": "you {}", "routine": "you {}",
    "has": "you have {}", "comes_from": "you come from {}", "studies": "you study {}",
}


def say_fact(fact: ProfileFact, past: bool = False) -> str:
    """'you live in Porto' (or 'you lived in Porto' with past=True)."""
    table = _PAST if past else _PRESENT
    template = table.get(fact.predicate)
    if template is None:
        what = fact.predicate.replace("_", " ")
        return f"your {what}: {fact.object}"
    return template.format(fact.object)


def when_said(day: date, today: date) -> str:
    """'earlier today', 'last week', 'last month', 'in March'..."""
    days = (today - day).days
    if days <= 0:
        return "Earlier today"
    if days < 7:
        return "A few days ago"
    if days < 31:
        return "Last week" if days < 14 else "A few weeks ago"
    if days < 62:
        return "Last month"
    return f"In {day:%B %Y}"


def ask_about(contradiction: Contradiction) -> str:
    """'Last month you said you lived in Lisbon; now Porto. What changed?'"""
    old = contradiction.old
    opener = when_said(old.last_seen, contradiction.noted_at)
    said = say_fact(old, past=True)
    if contradiction.new is None:
        return f"{opener} you told me {said}; now that has changed. What happened?"
    return f"{opener} you said {said}; now {contradiction.new.object}. What changed?"
