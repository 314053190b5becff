"""Records the NLU library returns: plain, frozen pydantic models that serialise to JSON."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

SCHEMA_VERSION = 1

# Precisions a TimeValue can carry, coarsest last; "unknown" means we found a time
# expression (spaCy DATE/TIME) but could not place it on the calendar.
PRECISIONS = ("day", "week", "month", "season", "year", "decade", "age", "unknown")


class Record(BaseModel):
    """Base for every NLU record: immutable and strict about fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Entity(Record):
    """A named entity span; start/end are character offsets into the analysed text."""

    text: str
    label: str
    start: int
    end: int


class TimeValue(Record):
    """A time expression normalised to a date range (inclusive) at a precision."""

    text: str
    start: date | None = None
    end: date | None = None
    precision: str = "unknown"
    # Age of the user the expression refers to ("when I was seven": 7); age_end closes a
    # range ("in my twenties": 20..29) and equals age for a single age.
    age: int | None = None
    age_end: int | None = None

    @property
    def sort_key(self) -> tuple[int, int, int]:
        """Timeline order: dated by (start, end), then age-only by age, then the rest."""
        if self.start is not None:
            end = self.end or self.start
            return (0, self.start.toordinal(), end.toordinal())
        if self.age is not None:
            return (1, self.age, self.age_end if self.age_end is not None else self.age)
        return (2, 0, 0)


class Event(Record):
    """Who did what, where and when, as read off one predicate in the dependency parse."""

    text: str
    predicate: str
    agent: str | None = None
    patient: str | None = None
    participants: list[str] = []
    place: str | None = None
    time: str | None = None
    time_value: TimeValue | None = None
    negated: bool = False
    modality: str | None = None
    score: float = 0.0
    sentence: int = 0

    @property
    def happened(self) -> bool:
        """True when the text asserts the event took place (not negated, not hypothetical)."""
        return not self.negated and self.modality in (None, "habitual")


class PersonMention(Record):
    """A person the user mentions, with their relation to the user when stated."""

    name: str | None = None
    relation: str | None = None
    text: str
    aliases: list[str] = []
    # "female"/"male" when the relation word says so (grandmother, brother); else None.
    gender: str | None = None


# Predicates a subject has one value of at a time: a new value replaces (contradicts) the
# old. Every other predicate (pet, speaks, lived_in, sister...) collects values.
SINGLE_VALUED = frozenset({
    "occupation", "employer", "lives_in", "grew_up_in", "born_in", "birth_year", "diet",
    "spouse", "partner", "children", "grandchildren", "mother", "father", "age",
})


class Fact(Record):
    """A lasting fact about the user as subject-predicate-object."""

    subject: str
    predicate: str
    object: str
    negated: bool = False

    @property
    def key(self) -> tuple[str, ...]:
        """What a later contradicting fact replaces: (subject, predicate) when single-valued,
        else (subject, predicate, normalised object)."""
        if self.predicate in SINGLE_VALUED or self.predicate.startswith("favourite_"):
            return (self.subject, self.predicate)
        return (self.subject, self.predicate, normalise_value(self.object))


def normalise_value(value: str) -> str:
    """Case- and spacing-insensitive form of a fact's object, for comparing values."""
    return " ".join(value.casefold().removeprefix("the ").split())


class Feeling(Record):
    """A feeling expressed in the message with a strength in 0..1."""

    label: str
    strength: float


class Analysis(Record):
    """Everything the NLU stage extracts from one message."""

    schema_version: int = SCHEMA_VERSION
    id: str | None = None
    text_len: int
    # True when the text was longer than the analysis limit and only its head was analysed.
    truncated: bool = False
    entities: list[Entity] = []
    events: list[Event] = []
    # Per sentence: how strongly it narrates an event (its best clause; 0 without a verb).
    sentence_scores: list[float] = []
    # The message's best sentence score.
    event_score: float = 0.0
    people: list[PersonMention] = []
    places: list[str] = []
    organisations: list[str] = []
    times: list[TimeValue] = []
    facts: list[Fact] = []
    feelings: list[Feeling] = []
    emotions: dict[str, float] = {}
    emotion_labels: list[str] = []
    ekman: dict[str, float] = {}
    sentiment: dict[str, float] = {}
