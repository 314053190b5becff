"""storyloom NLU: text in; entities, events, people, times, facts and feelings out.

A pure library: no environment, no Redis, no imports of worker or bot. spaCy and the
emotion models load lazily, on first use.
"""

from nlu.schema import (
    Analysis,
    Entity,
    Event,
    Fact,
    Feeling,
    PersonMention,
    TimeValue,
)

__all__ = ["Analysis", "Entity", "Event", "Fact", "Feeling", "PersonMention", "TimeValue"]
