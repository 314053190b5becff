"""The planner: what the next installment tells, as a short list of beats.

A beat is one moment the user told (the events of one turn, merged), retold
in the story's point of view, with the people, places and times it involves.
The planner takes untold moments in life order, keeps a second one only when
it fits the first (shares a person or place, or comes next), and honours the
user's steering: /about narrows the choice, /retry keeps the same moments,
/continue goes on from the last installment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from worker.profile.model import LifeEvent, Person, Profile, timeline
from worker.store.records import Installment, Pov
from worker.story import anchors
from worker.story.anchors import Anchor, words
from worker.story.voice import in_pov

# Moments per installment: a page of a life (the composer also caps the words told).
BEATS_PER_INSTALLMENT = 3
# A story told a line at a time in one sitting ("the plan was beef wellington", "the tea
# towel caught fire", "fire brigade came") may fill a page: this many moments, words.
STORY_BEATS = 6
STORY_WORDS = 110
# A line, not a paragraph (words of the message that told it): a longer moment would crowd
# the page (the composer keeps each moment's first sentence, and a later one naming someone
# could fall to the word budget).
LINE_WORDS = 30
# Whether a moment's feeling (the valence of the turn that told it) suits a tone asked for:
# /tone sadness tells a sad moment next, /tone joy a happy one, when one is still untold.
_SUITS = {"sadness": lambda v: v < -0.1, "joy": lambda v: v > 0.1, "hope": lambda v: v > 0.1,
          "humour": lambda v: v > 0.1, "calm": lambda v: v > -0.1}


@dataclass(frozen=True)
class Beat:
    """One moment to tell: its events, its words in the story's voice, its anchors."""

    event_ids: tuple[str, ...]
    turn_id: str
    text: str
    anchors: tuple[Anchor, ...]


@dataclass(frozen=True)
class Plan:
    """What one installment tells."""

    beats: tuple[Beat, ...]
    retelling: bool = False

    @property
    def event_ids(self) -> tuple[str, ...]:
        return tuple(e for b in self.beats for e in b.event_ids)

    @property
    def turn_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(b.turn_id for b in self.beats))

    @property
    def anchors(self) -> tuple[Anchor, ...]:
        seen: dict[tuple[str, str], Anchor] = {}
        for b in self.beats:
            for a in b.anchors:
                seen.setdefault((a.kind, a.label.lower()), a)
        return tuple(seen.values())


def _life_order(profile: Profile) -> list[LifeEvent]:
    """The timeline, with each moment it cannot place (no date; an age with no birth year)
    just before the dated moment told after it: people tell a life mostly in order, so "my
    grandpa had a garage" told before "in 1999 we built a bike" comes before it, not after
    his death in 2006."""
    ordered = timeline(profile)
    birth = profile.birth_year
    placed = [e for e in ordered if (tv := e.time_value) is not None
              and (tv.start is not None or (tv.age is not None and birth is not None))]
    if len(placed) == len(ordered):
        return ordered
    ids = {e.event_id for e in placed}
    told = sorted(profile.events, key=lambda e: e.said_at)
    before: dict[str, list[LifeEvent]] = {}
    waiting: list[LifeEvent] = []
    for e in told:
        if e.event_id in ids:
            before.setdefault(e.event_id, []).extend(waiting)
            waiting = []
        else:
            waiting.append(e)
    out: list[LifeEvent] = []
    for e in placed:
        out += before.get(e.event_id, [])
        out.append(e)
    return out + waiting


def moments(profile: Profile) -> list[list[LifeEvent]]:
    """Events grouped by the turn that told them, in life order of their first event."""
    groups: dict[str, list[LifeEvent]] = {}
    for event in _life_order(profile):
        groups.setdefault(event.turn_id, []).append(event)
    return list(groups.values())


def _merged_text(events: Sequence[LifeEvent]) -> str:
    """The events' own words, without clauses another event already contains."""
    texts = sorted({e.text.strip().rstrip(".") for e in events if e.text.strip()},
                   key=lambda t: (-len(t), t))
    kept: list[str] = []
    for text in texts:
        if not any(text.lower() in k.lower() for k in kept):
            kept.append(text)
    order = {t: min(i for i, e in enumerate(events) if e.text.strip().rstrip(".") == t)
             for t in kept}
    return "; ".join(sorted(kept, key=lambda t: order[t]))


def _people_in(text: str, events: Sequence[LifeEvent], people: Sequence[Person]) -> list[str]:
    vocabulary = set(words(text))
    for e in events:
        vocabulary.update(words(" ".join(filter(None, (e.agent, e.patient, *e.participants)))))
    found = []
    for p in people:
        names = (p.name, *p.aliases)
        if any(anchors.name_keys(n) and set(anchors.name_keys(n)) <= vocabulary for n in names):
            found.append(p.name)
    return found


def make_beat(events: Sequence[LifeEvent], profile: Profile, pov: Pov,
              name: str | None = None) -> Beat:
    """One moment as a beat: merged text in the story's voice and its anchors."""
    raw = _merged_text(events)
    text = in_pov(raw, pov, name)
    text = text[:1].upper() + text[1:]
    found: list[Anchor] = [anchors.person(in_pov(n, pov, name))
                           for n in _people_in(raw, events, profile.people)]
    places = [p.name for p in profile.places if set(anchors.name_keys(p.name)) <= set(words(raw))]
    places += [e.place for e in events if e.place]
    found += [anchors.place(p) for p in dict.fromkeys(places)]
    found += [anchors.time(in_pov(t, pov, name)) for t in dict.fromkeys(e.time for e in events
                                                                      if e.time)]
    for e in events:
        if e.place and e.place.lower() not in text.lower():
            text += f" in {e.place}"
    return Beat(event_ids=tuple(e.event_id for e in events), turn_id=events[0].turn_id,
                text=text + ".", anchors=tuple(a for a in found if a.keys))


def _related(first: Beat, candidate: Beat) -> bool:
    labels = {a.label.lower() for a in first.anchors if a.kind != "time"}
    return any(a.label.lower() in labels for a in candidate.anchors if a.kind != "time")


def _told_order(profile: Profile) -> dict[str, int]:
    """Each turn that told a moment, numbered in the order the user sent them."""
    first: dict[str, datetime] = {}
    for e in profile.events:
        first[e.turn_id] = min(first.get(e.turn_id, e.said_at), e.said_at)
    return {t: i for i, t in enumerate(sorted(first, key=lambda t: (first[t], t)))}


def _goes_on(before: Beat, beat: Beat, told_order: dict[str, int],
             lengths: dict[str, int]) -> bool:
    """The user told this moment in the very next message, a line long, with no other date:
    one story told a line at a time ("the tea towel caught fire", "fire brigade came")."""
    a, b = told_order.get(before.turn_id), told_order.get(beat.turn_id)
    times = {x.label for x in beat.anchors if x.kind == "time"}
    size = lengths.get(beat.turn_id, len(beat.text.split()))
    return a is not None and b == a + 1 and size <= LINE_WORDS and (
        times <= {x.label for x in before.anchors if x.kind == "time"})


def _pick(beats: list[Beat], first: int = 0, told_order: dict[str, int] | None = None,
          lengths: dict[str, int] | None = None) -> list[Beat]:
    """A first beat, then the ones that fit it (share someone or somewhere, else come next),
    in life order: up to BEATS_PER_INSTALLMENT, a third only when it belongs with the first
    two; more, up to a page (STORY_BEATS, STORY_WORDS), while the user told each in the next
    message of one story."""
    if not beats:
        return []
    picked = [first]
    rest = [i for i in range(len(beats)) if i != first]
    size = len(beats[first].text.split())
    while rest and len(picked) < STORY_BEATS:
        related = [i for i in rest if any(_related(beats[p], beats[i]) for p in picked)]
        after = [i for i in rest if i > max(picked)]
        nxt = (related or after or rest)[0]
        if (not related and len(picked) >= 2) or len(picked) >= BEATS_PER_INSTALLMENT:
            last = max(picked)
            if nxt != last + 1 or size + len(beats[nxt].text.split()) > STORY_WORDS or (
                    not _goes_on(beats[last], beats[nxt], told_order or {}, lengths or {})):
                break
        picked.append(nxt)
        size += len(beats[nxt].text.split())
        rest.remove(nxt)
    return [beats[i] for i in sorted(picked)]


def _suited(beats: list[Beat], profile: Profile, tone: str | None) -> int:
    """The first beat whose feeling suits the tone asked for (else the first)."""
    suits = _SUITS.get(tone or "")
    if suits is None:
        return 0
    valence = {p.turn_id: p.valence for p in profile.arc}
    return next((i for i, b in enumerate(beats) if b.turn_id in valence
                 and suits(valence[b.turn_id])), 0)


def matches_about(beat: Beat, about: str, profile: Profile) -> bool:
    """True when a beat is about this person, place or event (names, relations, words)."""
    wanted = set(anchors.name_keys(about))
    if not wanted:
        return False
    vocabulary = set(words(beat.text)) | {k for a in beat.anchors for k in a.keys}
    for p in profile.people:
        keys = {k for n in (p.name, *p.aliases) for k in anchors.name_keys(n)}
        if p.relation:
            keys.add(p.relation.lower())
        if wanted <= keys and set(anchors.name_keys(p.name)) & vocabulary:
            return True
    return wanted <= vocabulary


def plan_next(
    profile: Profile, story: Sequence[Installment], pov: Pov, name: str | None = None,
    about: str | None = None, tone: str | None = None, lengths: dict[str, int] | None = None,
) -> Plan | None:
    """The next installment's plan: untold moments (about something, if asked); None if none.

    lengths: the words of each message (by turn id), where known: only a line-long message
    extends an installment past three moments."""
    told = {e for inst in story for e in inst.event_ids}
    beats = [make_beat(m, profile, pov, name) for m in moments(profile)]
    retelling = False
    if about:
        matching = [b for b in beats if matches_about(b, about, profile)]
        untold = [b for b in matching if not set(b.event_ids) & told]
        retelling = not untold
        beats = untold or matching
    else:
        beats = [b for b in beats if not set(b.event_ids) & told]
    picked = _pick(beats, _suited(beats, profile, tone), _told_order(profile), lengths)
    return Plan(beats=tuple(picked), retelling=retelling) if picked else None


def plan_again(profile: Profile, installment: Installment, pov: Pov,
               name: str | None = None) -> Plan | None:
    """The plan of an installment already written (/retry, /continue with nothing new)."""
    wanted = set(installment.event_ids)
    kept = [[e for e in m if e.event_id in wanted] for m in moments(profile)]
    beats = [make_beat(m, profile, pov, name) for m in kept if m]
    return Plan(beats=tuple(beats), retelling=True) if beats else None
