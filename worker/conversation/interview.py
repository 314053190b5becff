"""The interviewer: what a good biographer would ask next, chosen from what is missing.

One place picks every question storyloom asks: the follow-up in a reply, ``/ask`` and the
reminders. Candidates come first from the message just told (a moment with no time, no
place, no feeling said, what came before or after, a person named but never described),
then from the whole profile (people never described, a place lived in with no story, a
decade of life with nothing on the timeline), then from a short list of open questions.
A question is asked once: the profile remembers each asked slot (``Profile.asked``), so
nothing is asked twice, let alone twice in a row. Subjects the user declined
(``Profile.declined``) and what they told only in turns kept private (/notrain) are never
asked about. After a heavy message only gentle questions are asked.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date

from nlu.schema import Analysis, Event
from worker.conversation.command import CommandContext, CommandResult
from worker.profile.model import LifeEvent, Person, Profile, gender_of
from worker.store.store import Store

OPEN_QUESTIONS = (
    "What is the earliest thing you remember?",
    "Tell me about the house you grew up in: what did it smell like?",
    "Who was your best friend as a child, and what did you do together?",
    "What was a day at school like for you?",
    "What is a meal that takes you straight back to your childhood?",
    "Tell me about a journey that changed something for you.",
    "What was your first job, and how did you get it?",
    "Who taught you something you still use every day?",
    "What is a song that brings back a particular time of your life?",
    "Tell me about a celebration you will never forget.",
)
PRONOUNS = {"mother": "she", "grandmother": "she", "sister": "she", "aunt": "she",
            "daughter": "she", "wife": "she", "girlfriend": "she", "niece": "she",
            "granddaughter": "she", "stepmother": "she", "mum": "she", "mom": "she",
            "father": "he", "grandfather": "he", "brother": "he", "uncle": "he", "son": "he",
            "husband": "he", "boyfriend": "he", "nephew": "he", "grandson": "he",
            "stepfather": "he", "dad": "he"}
# Relations usually still in the user's life: asked about in the present tense.
_PRESENT_RELATIONS = frozenset({"wife", "husband", "partner", "son", "daughter", "grandson",
                                "granddaughter", "girlfriend", "boyfriend", "fiance",
                                "fiancee", "grandchild", "child"})
# Events that make a poor question ("How did you feel when you were born?").
_NO_ASK = frozenset({"bear", "be born", "born", "be", "have"})
# Open-ended facts worth a question, and how to ask it.
FACT_QUESTIONS = {"habit": "When did you start to {}?", "routine": "When did you start to {}?",
                  "likes": "What first drew you to {}?", "role": "How did you come to be {}?",
                  "studies": "What made you want to learn {}?"}
# An emotion this strong means the feeling was said, even without a feeling word.
FELT = 0.3
# Moments of the profile a question may go back to when a message leaves nothing to ask.
RECENT_EVENTS = 6
# Words that already say when in a life: no "how old were you" after them.
_LIFE_STAGE = re.compile(r"\b(?:childhood|boyhood|girlhood|infancy|when I was|years? old|"
                         r"as a (?:child|boy|girl|baby)|1[5-9]\d\d|20\d\d)\b", re.IGNORECASE)
# A feeling named in so many words: "How did you feel" would ask what was said.
_FEELING_WORDS = re.compile(r"\b(?:felt|happy|unhappy|sad|glad|afraid|frightened|scared|"
                            r"lonely|proud|ashamed|angry|homesick|miserable|delighted|"
                            r"joy|sorrow|cried|wept|laughed)\b", re.IGNORECASE)
# A moment said back longer than this reads badly in a question.
MAX_MOMENT_WORDS = 14
_LEAD = frozenset({"when", "and", "but", "so", "then", "however", "naturally", "finally",
                   "of", "course", "in", "fact", "also", "just", "as", "after", "before",
                   "while", "because", "though", "although", "if", "once",
                   "still", "yet", "now", "later", "soon", "despite", "indeed", "perhaps"})
_VAGUE_START = ("it ", "this ", "that ", "how ", "what ", "where ", "why ", "who ",
                "there ", "these ", "those ", "such ", "were ", "was ", "had ", "which ",
                "whom ", "whose ", "years ")
_WHERE = re.compile(r"\b(?:in|at|on|near|into|to|from|inside|outside)\s+(?:the|a|an|our|my|his|"
                    r"her|their|this|that)?\s*[A-Za-z]{3,}", re.IGNORECASE)
# How a moment said back may begin: with who did it.
_SUBJECT_START = frozenset({"i", "we", "my", "our", "he", "she", "they", "his", "her", "their",
                            "the", "a", "an", "one", "you", "your", "me", "us"})
# How a noun phrase worth naming back begins ("my first great sorrow", "the night-school").
_DETERMINERS = frozenset({"my", "our", "the", "this", "that", "his", "her", "their"})
# Relations that name a group, not one person to describe.
_GROUPS = frozenset({"family", "parents", "children", "kids", "friends", "people", "relatives",
                     "siblings", "grandparents", "cousins", "neighbours", "neighbors"})
_BY_GENDER = {"female": "she", "male": "he"}
# How many asked slots a profile remembers: far more than a conversation needs to not repeat.
MAX_ASKED = 200
# Questions between two "how old were you" about earlier moments: a biographer asks it once.
AGE_AGAIN_AFTER = 4
# A person mentioned this often has been described, asked or not.
DESCRIBED_MENTIONS = 4
# Places the user lived in, by the facts that say so.
HOME_PREDICATES = ("lives_in", "lived_in", "grew_up_in", "born_in")
DECADES = ("childhood", "teens", "twenties", "thirties", "forties", "fifties", "sixties",
           "seventies", "eighties", "nineties")
_SWAP = {"i": "you", "me": "you", "my": "your", "mine": "yours", "we": "you", "us": "you",
         "our": "your", "ours": "yours", "myself": "yourself", "ourselves": "yourselves",
         "i'm": "you're", "i've": "you've", "i'd": "you'd", "i'll": "you'll"}
_WORD = re.compile(r"[\w'’]+|[^\w\s]+")


@dataclass(frozen=True)
class Question:
    """One question: the slot it fills, what it is about, and its words."""

    slot: str  # time, place, feeling, before, after, person, home, decade, open
    subject: str
    text: str
    gentle: bool = False

    @property
    def key(self) -> str:
        """What the profile remembers once asked: the slot and its subject."""
        return f"{self.slot}:{' '.join(self.subject.casefold().split())}"


def second_person(text: str) -> str:
    """'We moved to Lisbon' -> 'you moved to Lisbon': the user's words said back to them."""
    words: list[str] = []
    for i, token in enumerate(_WORD.findall(text.rstrip(".!?"))):
        low = token.lower().replace("’", "'")
        if low in ("am", "was") and words and words[-1] == "you":
            said = "are" if low == "am" else "were"  # "I was" -> "you were"
        else:
            said = _SWAP.get(low, token if (i > 0 or token.isupper() and len(token) > 1)
                             else token[:1].lower() + token[1:])
        words.append(said)
    out = " ".join(words)
    out = re.sub(r"\s+([,;:.!?])", r"\1", out)
    return re.sub(r"\s*([’'-])\s*", r"\1", out)


def pronoun(person: Person) -> str:
    """'she', 'he' or 'they', from the relation, the person's gender or their title."""
    by_relation = PRONOUNS.get((person.relation or "").lower())
    return by_relation or _BY_GENDER.get(gender_of(person) or "", "they")


def _who(person: Person) -> str:
    """'your grandfather Joe', 'your mother', 'Ana'."""
    if person.name.lower().startswith("your "):
        return person.name
    if person.relation:
        return f"your {person.relation} {person.name}"
    return person.name


def _person_question(person: Person, gentle: bool) -> Question:
    he = pronoun(person)
    now = (person.relation or "").lower() in _PRESENT_RELATIONS
    was = ("are" if now else "were") if he == "they" else ("is" if now else "was")
    who = _who(person)
    if gentle:
        text = (f"Would you like to tell me more about {who}, or shall we stay with "
                "something lighter for now?")
    else:
        text = f"{who[:1].upper()}{who[1:]}: what {was} {he} like?"
    return Question("person", person.name, text, gentle=True)


def _moment(event: Event | LifeEvent) -> str:
    """The event in the user's words said back, or '' when they make no clear moment."""
    words = event.text.split()
    while words and words[0].lower().strip(",") in _LEAD:
        words = words[1:]
    text = " ".join(words).strip(" ,;")
    if len(text.split()) > MAX_MOMENT_WORDS:
        text = text.split(",")[0]
    if not 3 <= len(text.split()) <= MAX_MOMENT_WORDS or text.lower().startswith(_VAGUE_START):
        return ""
    if re.search(r"\b(?:always|never|usually|used to)\b", text, re.IGNORECASE):
        return ""  # not one moment
    if event.patient is None and event.place is None and len(text.split()) < 5:
        return ""  # "you also found": a verb cut from what it was about
    if any(ch in text for ch in "“”\"()"):
        return ""
    first = text.split()[0].lower()
    agent = (event.agent or "").lower()
    if first not in _SUBJECT_START and not (agent and text.lower().startswith(agent)):
        return ""  # "left their gifts ...": a clause cut from its subject
    said = second_person(text)
    return said if len(re.findall(r"[A-Za-z]{2,}", said)) >= 3 else ""


def _event_subject(event: Event | LifeEvent) -> str:
    return event.patient or event.place or event.predicate


def _from_message(analysis: Analysis, after: Profile, gentle: bool,
                  said: str = "") -> list[Question]:
    """Questions about what was just told, most specific first."""
    out: list[Question] = []
    named = {p.casefold() for m in analysis.people for p in (m.name, m.relation) if p}
    for person in after.people:
        names = {person.name.casefold(), (person.relation or "").casefold(),
                 person.name.casefold().removeprefix("your ")}
        if names & named and _describable(person) and not _described(person, said):
            out.append(_person_question(person, gentle))
    told_when = bool(analysis.times) or bool(_LIFE_STAGE.search(said))
    for fact in analysis.facts:
        template = FACT_QUESTIONS.get(fact.predicate)
        if template and fact.object and not fact.negated and not gentle:
            obj = second_person(fact.object)
            if fact.predicate == "role":
                obj = f"a {obj}" if not obj.lower().startswith(("a ", "an ", "the ")) else obj
            out.append(Question(fact.predicate, fact.object, template.format(obj)))
    habits = [f.object.casefold() for f in analysis.facts]
    felt = bool(analysis.feelings) or bool(_FEELING_WORDS.search(said)) or any(
        v >= FELT for k, v in analysis.emotions.items() if k != "neutral")
    asked_events: list[Question] = []
    events = sorted((e for e in analysis.events if e.happened and e.modality is None
                     and e.score >= 0.5 and e.predicate not in _NO_ASK
                     and not any(h and h in e.text.casefold() for h in habits)),
                    key=lambda e: -e.score)
    for event in events[:2]:
        moment, subject = _moment(event), _event_subject(event)
        if not moment:
            continue
        if gentle:
            out.append(Question("gentle", subject, f"Would you like to tell me more about when "
                                f"{moment}, or shall we stay with something lighter for now?",
                                gentle=True))
            continue
        if event.time is None and not told_when:
            asked_events.append(Question("time", subject, f"How old were you when {moment}?"))
        if event.place is None and not analysis.places and not _WHERE.search(event.text):
            asked_events.append(Question("place", subject,
                                         f"Where were you living when {moment}?"))
        if not felt:
            asked_events.append(Question("feeling", subject, f"How did you feel when {moment}?"))
        asked_events.append(Question("after", subject, f"What happened after {moment}?"))
        asked_events.append(Question("before", subject, f"What happened just before {moment}?"))
    # the kind of question asked longest ago first: a biographer varies what they ask
    out += sorted(asked_events, key=lambda q: _recency(q.slot, after.asked))
    for place in analysis.places:
        if not gentle:
            out.append(Question("home", place, f"What was {place} like back then?"))
    if gentle:  # no moment to name: the thing the message was about, said back
        for thing in _things(analysis):
            out.append(Question("gentle", thing, f"Would you like to tell me more about {thing}, "
                                "or shall we stay with something lighter for now?", gentle=True))
    return out


def _things(analysis: Analysis) -> list[str]:
    """Noun phrases the message's moments were about ('your first great sorrow')."""
    out = []
    for event in sorted(analysis.events, key=lambda e: -e.score):
        for phrase in (event.patient, event.agent):
            words = (phrase or "").split()
            if not 2 <= len(words) <= 6 or words[0].lower() not in _DETERMINERS:
                continue
            out.append(second_person(phrase or ""))
    return out

def _recency(slot: str, asked: Sequence[str]) -> int:
    """How recently a kind of question was asked: 0 never, higher the more recent."""
    for back, key in enumerate(reversed(asked)):
        if key.startswith(f"{slot}:"):
            return len(asked) - back
    return 0


def _decade_questions(profile: Profile, today: date) -> list[Question]:
    """A decade of the user's life with nothing on the timeline yet."""
    born = profile.birth_year
    if born is None:
        return []
    filled = set()
    for event in profile.events:
        tv = event.time_value
        if tv is None:
            continue
        if tv.age is not None:
            filled.add(tv.age // 10)
        elif tv.start is not None:
            filled.add(max(0, (tv.start.year - born) // 10))
    out = []
    for n, name in enumerate(DECADES):
        if born + 10 * n > today.year:
            break
        if n not in filled:
            years = f"the {born + 10 * n}s" if n == 0 else f"{born + 10 * n}-{born + 10 * n + 9}"
            when = "as a child" if n == 0 else f"in your {name} ({years})"
            out.append(Question("decade", name,
                                f"I know little yet about your life {when}. "
                                "What is one thing you remember from then?"))
    return out


def _from_profile(profile: Profile, private: Collection[str], today: date) -> list[Question]:
    """Questions about what the user told before: people, homes, empty decades."""
    out: list[Question] = []
    for person in sorted(profile.people, key=lambda p: p.mentions):
        if _describable(person) and not _only_private(person.turn_ids, private):
            out.append(_person_question(person, gentle=False))
    storied = {(e.place or "").casefold() for e in profile.events}
    homes = [f.object for f in profile.facts if f.active and f.predicate in HOME_PREDICATES]
    homes += [p.name for p in profile.places if not _only_private(p.turn_ids, private)]
    for home in dict.fromkeys(homes):
        if home.casefold() not in storied:
            out.append(Question("home", home,
                                f"You mentioned {home}. What is a day there you remember well?"))
    # "how old were you" about an earlier moment: not again while the last one is unanswered
    age_asked = any(k.startswith("time:") for k in profile.asked[-AGE_AGAIN_AFTER:])
    for event in profile.events:
        if event.turn_id in private or event.told or age_asked:
            continue
        moment = _moment(event)
        if event.time is None and moment:
            out.append(Question("time", _event_subject(event), f"How old were you when {moment}?"))
    out += _decade_questions(profile, today)
    return out


def _recent(profile: Profile, private: Collection[str], gentle: bool) -> list[Question]:
    """Questions about the last moments told, when the message itself leaves none (none
    after a heavy message: an older moment is no answer to grief)."""
    out: list[Question] = []
    if gentle:
        return out
    felt = {p.turn_id for p in profile.arc if p.label != "neutral" and p.strength >= FELT}
    for event in reversed(profile.events[-RECENT_EVENTS:]):
        moment = _moment(event)
        if not moment or event.turn_id in private:
            continue
        subject = _event_subject(event)
        if event.turn_id not in felt:  # its own message already said how it felt
            out.append(Question("feeling", subject, f"How did you feel when {moment}?"))
        out.append(Question("after", subject, f"What happened after {moment}?"))
        out.append(Question("before", subject, f"What happened just before {moment}?"))
    return out


def grieved(profile: Profile, private: Collection[str] = ()) -> Question | None:
    """After a heavy message with no moment to name, a gentle invitation to talk about the
    person of this or the message before ("He had a short illness..."), if not yet asked."""
    # the last two moments anything was told (this message, the one before)
    times = sorted({*(p.at for p in profile.arc), *(e.said_at for e in profile.events),
                    *(p.last_seen for p in profile.people)}, reverse=True)
    if not times:
        return None
    since = times[min(1, len(times) - 1)]
    seen = set(profile.asked)
    for person in sorted(profile.people, key=lambda p: p.last_seen, reverse=True):
        if person.last_seen < since or not _describable(person):
            continue
        if _only_private(person.turn_ids, private):
            continue
        question = Question("gentle", person.name, _person_question(person, True).text, True)
        if question.key not in seen and not _declined(question, profile.declined):
            return question
    return None


def _describable(person: Person) -> bool:
    """One person (not 'your family'), not yet described by being told of often."""
    group = {(person.relation or "").lower(), person.name.lower().removeprefix("your ")}
    return person.mentions < DESCRIBED_MENTIONS and not group & _GROUPS


def _described(person: Person, said: str) -> bool:
    """The message itself says what they were like: 'My father was most loving ...'."""
    names = [n for n in (person.name.removeprefix("your "), person.relation) if n]
    not_a_trait = r"(?!born|in\b|at\b|from|a\b|an\b|the\b|my\b|his\b|her\b)"
    return any(re.search(rf"\b{re.escape(n)}\s+(?:was|is|had always been|seemed)\s+"
                         + not_a_trait, said, re.IGNORECASE) for n in names)


def _only_private(turn_ids: Sequence[str], private: Collection[str]) -> bool:
    return bool(turn_ids) and all(t in private for t in turn_ids)


def _declined(question: Question, declined: Collection[str]) -> bool:
    words = f"{question.subject} {question.text}".casefold()
    return any(d and re.search(rf"\b{re.escape(d)}\b", words) for d in declined)


def choose(profile: Profile, analysis: Analysis | None = None, *, gentle: bool = False,
           private: Collection[str] = (), asked: Sequence[str] = (),
           today: date | None = None, said: str = "") -> Question:
    """The next question: about this message if it leaves something to ask, else the profile.

    Never one already asked (by slot in the profile, or by text in `asked`), never about a
    declined subject or something told only in private turns.
    """
    seen = set(profile.asked)
    texts = set(asked)
    candidates = _from_message(analysis, profile, gentle, said) if analysis is not None else []
    if not gentle:
        # this message's own moments were weighed above, with its words
        now = {e.text for e in analysis.events} if analysis is not None else set()
        earlier = profile.model_copy(update={
            "events": tuple(e for e in profile.events if e.text not in now)})
        candidates += _from_profile(earlier, private, today or date.today())
    candidates += _recent(profile, private, gentle)
    candidates += [Question("open", q, q) for q in OPEN_QUESTIONS]
    for question in candidates:
        if question.key in seen or question.text in texts:
            continue
        if _declined(question, profile.declined):
            continue
        return question
    # everything asked: an open question again, never the one asked last
    last = {*asked[-1:], *(k.removeprefix("open:") for k in profile.asked[-1:])}
    pool = [q for q in OPEN_QUESTIONS if q not in last and q.casefold() not in last]
    text = pool[len(profile.asked) % len(pool)]
    return Question("open", text, text)


def note_told(profile: Profile, analysis: Analysis, said: str) -> Profile:
    """Slots this message filled itself ("when I was seven", "my father was kind"): never
    asked about later."""
    people = [p for p in profile.people if _described(p, said)]
    keys = [Question("person", p.name, "").key for p in people]
    if analysis.times or _LIFE_STAGE.search(said):
        keys += [Question("time", _event_subject(e), "").key for e in analysis.events]
    if not keys:
        return profile
    # kept first: the last entry stays the question last asked ("I'd rather not say")
    asked = (*keys, *[k for k in profile.asked if k not in keys])[-MAX_ASKED:]
    return profile.model_copy(update={"asked": asked})


def remember(profile: Profile, question: Question) -> Profile:
    """The profile with this question noted as asked."""
    asked = (*[k for k in profile.asked if k != question.key], question.key)[-MAX_ASKED:]
    return profile.model_copy(update={"asked": asked})


def ask_now(store: Store, user: str, asked: Sequence[str] = ()) -> str:
    """Choose a question for the user and remember it in their profile (/ask, reminders)."""
    private = {t for t, why in store.withheld_turns(user).items() if why == "private"}
    chosen: list[Question] = []

    def change(profile: Profile) -> Profile:
        chosen[:] = [choose(profile, asked=asked, private=private)]
        return remember(profile, chosen[0])
    store.update_profile(user, change)
    return chosen[0].text


def cmd_ask(ctx: CommandContext, user: str, args: str) -> CommandResult:
    """/ask: the interviewer's next question, on demand."""
    return CommandResult(ask_now(ctx.store, user))


def next_question(profile: Profile, asked: Sequence[str] = (),
                  private: Collection[str] = ()) -> str:
    """One question for the user (reminders, /ask), never one of those in `asked`."""
    return choose(profile, asked=asked, private=private).text
