"""Grounded composition: an installment built sentence by sentence from what the user told.

For each planned moment, in life order: the user's own sentences (worker.story.told),
retold in the story's voice and tense (retell), some reshaped without a new word
(reshape), some reworded by the model and kept only when the rewording passes every check
(rephrase, checks). Moments are joined by transitions the dates support, and the tone's
closing line ends the installment (bridges). Every delivered sentence passes the checks
once more and records the turns it rests on; a bridge rests on none.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from nlu.safety import moderate
from nlu.safety.present import GRIEF
from worker.profile.model import Profile
from worker.store.records import GenerationStats, SourcedSentence, UserSettings
from worker.story import bridges, checks, referents, reshape
from worker.story.anchors import words
from worker.story.planner import Plan
from worker.story.rephrase import SAME_WORDING, Rephraser, shots_for, wording_overlap
from worker.story.retell import Voice, retell
from worker.story.told import Told, gather

logger = logging.getLogger(__name__)
# /retry: variants composed before one that reads as the version it replaces is delivered
# (the only faithful telling of those moments there is)
RETRY_ROUNDS = 3
# The model's rewordings of a list of sentences, kept across a retry's variants
Proposed = dict[tuple[str, ...], tuple[list[list[str]], GenerationStats | None]]


@dataclass
class Line:
    """A sentence being composed: its text, the turns it rests on, how it came to be."""

    text: str
    sources: tuple[str, ...]
    beat: int
    told: str = ""  # the retold sentence it stands for ("" for a bridge)
    said: str = ""  # the user's own sentence it comes from
    how: str = "retold"  # retold, split, moved (a time phrase), reworded, joined, bridge


@dataclass
class Composition:
    """A composed installment and what it took."""

    lines: list[Line]
    stats: GenerationStats | None = None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return " ".join(line.text for line in self.lines)

    @property
    def sentences(self) -> tuple[SourcedSentence, ...]:
        return tuple(SourcedSentence(text=line.text, sources=line.sources) for line in self.lines)


def voice_of(prefs: UserSettings) -> Voice:
    return Voice(pov=prefs.pov, tense=prefs.tense, name=prefs.name, pronoun=prefs.pronoun)


def grounding(nlp: Any, texts: Sequence[str], profile: Profile,
              prefs: UserSettings, named: Sequence[str] = ()) -> checks.Grounding:
    """What the user told, for the checks: the planned turns and the profile's names (and
    named: those the user introduced by name just before, "his name was Rocket")."""
    names = [*named, *(n for p in profile.people for n in (p.name, *p.aliases))]
    names += [p.name for p in profile.places] + [o.name for o in profile.organisations]
    relations = {p.name.lower(): (p.relation or "").lower() for p in profile.people
                 if p.relation and " " not in p.name}
    extra = set(bridges.BRIDGE_WORDS) | {"you", "your", "yours", "yourself", "they", "their",
                                         "them", "she", "he", "her", "his", "him"}
    if prefs.name:
        extra.update(w.lower() for w in prefs.name.split())
    return checks.Grounding.of(nlp.pipe(list(texts)), names, relations, extra)


_WE = re.compile(r"\bwe\b", re.I)


def _companions(material: Sequence[Told], turn_texts: dict[str, str],
                said_before: dict[str, str], profile: Profile, voice: Voice) -> list[Voice]:
    """The voice for each told sentence: the first "we" of the installment names who the
    teller was with, when their words pair them with one person ("Karim and I") and the
    installment has not named that person yet."""
    people = referents.people_of(profile.people, voice.pov)
    out: list[Voice] = []
    seen: list[str] = []  # the installment's told sentences so far
    done = False
    for m in material:
        v = voice
        if not done and _WE.search(m.text) and voice.pov != "first":
            context = [said_before.get(m.turn_id, ""), turn_texts.get(m.turn_id, ""), *seen]
            who = referents.companion(context, people)
            so_far = {w.lower() for text in (*seen, m.text) for w in words(text)}
            if who is not None and not so_far & set(who.keys):
                v = replace(voice, companion=who.label)
                done = True
        out.append(v)
        seen.append(m.text)
    return out


class Composer:
    """Composes installments; one per generate worker, its tools loaded once."""

    def __init__(self, nlp: Any, embed: Callable[[Sequence[str]], Any],
                 rephraser: Rephraser | None, count: Callable[[str], int],
                 tokenizer: Any = None) -> None:
        self.nlp = nlp
        self.embed = embed
        self.rephraser = rephraser
        self.count = count
        self.tokenizer = tokenizer

    def retold(self, material: Sequence[Told], voices: Sequence[Voice]) -> list[Line]:
        """Each told sentence in its voice (one per sentence)."""
        docs = self.nlp.pipe([m.text for m in material])
        return [Line(text=retell(doc[:], v), sources=(m.turn_id,), beat=m.beat, said=m.text)
                for m, doc, v in zip(material, docs, voices, strict=True)]

    def compose(self, plan: Plan, turn_texts: dict[str, str], profile: Profile,
                prefs: UserSettings, tone: str, seed: int | None,
                earlier: Sequence[str] = (), variant: int = 0, replacing: str = "",
                preview: Callable[[str], None] | None = None,
                said_before: dict[str, str] | None = None) -> Composition:
        """The installment for a plan: every sentence told, retold, checked. variant > 0
        asks for another version of the same moments (/retry): one that reads word for
        word as the version it replaces is none, so the next variant is tried (the model's
        rewordings kept), up to RETRY_ROUNDS; said_before: for a planned turn, the user's
        message before it (where 'he' and 'she' may be named)."""
        proposed: Proposed = {}
        for shift in range(RETRY_ROUNDS if variant else 1):
            done = self._compose(plan, turn_texts, profile, prefs, tone, seed, earlier,
                                 variant + shift, replacing, preview, said_before or {},
                                 proposed)
            if done.text != replacing:
                break
        return done

    def _compose(self, plan: Plan, turn_texts: dict[str, str], profile: Profile,
                 prefs: UserSettings, tone: str, seed: int | None, earlier: Sequence[str],
                 variant: int, replacing: str, preview: Callable[[str], None] | None,
                 said_before: dict[str, str],
                 proposed: Proposed,
                 ) -> Composition:
        voice = voice_of(prefs)
        order = list(dict.fromkeys(b.turn_id for b in plan.beats))
        material = gather(self.nlp, [(t, turn_texts.get(t, "")) for t in order])
        named = [p.label for t in order for text in (said_before.get(t, ""), turn_texts.get(t, ""))
                 for p in referents.introduced(text)]
        g = grounding(self.nlp, [turn_texts.get(t, "") for t in order], profile, prefs, named)
        voices = _companions(material, turn_texts, said_before, profile, voice)
        lines = self._split([ln for ln in self.retold(material, voices) if ln.text])
        self._name_pronouns(lines, turn_texts, said_before, profile, voice)
        for ln in lines:
            ln.told = ln.text
        counts: dict[str, int] = {"told": len(lines)}
        shown: list[str] = []

        def show() -> None:  # the live preview, at each stage that changed the words
            text = " ".join(ln.text for ln in lines)
            if preview is not None and text and text not in shown:
                shown.append(text)
                preview(text)

        show()
        stats = self._reword(lines, g, voice, seed, counts, variant, proposed)
        if variant % 2 == 0:
            lines = self._join(lines, g, counts)
        show()
        self._bridge(lines, plan, profile)
        valence = {p.turn_id: p.valence for p in profile.arc}
        felt = [valence[t] for t in order if t in valence]
        mood = sum(felt) / len(felt) if felt else 0.0
        if tone == "sadness" and any(_LOSS.search(ln.text) for ln in lines):
            # a death or tears told is sad whatever the words around it ("to my amazement I
            # found my father in tears... the greatest man in the world had died")
            mood = min(mood, 0.0)
        # "those days with ..." only with family or a friend: not a neighbour who made a
        # child pay for a window, nor a football club the parser took for a person
        close = {p.name.lower() for p in profile.people if p.relation}
        closing = None if _against(tone, mood) else self._closer(
            lines, plan, tone, voice, (seed or 0) + variant, [*earlier[-1:], replacing],
            close)
        if closing:
            lines.append(Line(text=closing, sources=(), beat=len(order), how="bridge"))
        show()
        lines = self._gate(lines, g, counts)
        return Composition(lines=lines, stats=stats, counts=counts)

    def _reword(self, lines: list[Line], g: checks.Grounding, voice: Voice,
                seed: int | None, counts: dict[str, int], variant: int,
                proposed: Proposed,
                ) -> GenerationStats | None:
        """Each sentence reworded where a rewording passes the checks (else fronted, else as
        retold)."""
        if not lines:
            return None
        told_docs = list(self.nlp.pipe([ln.text for ln in lines]))
        options: list[list[str]] = [[] for _ in lines]
        moved = [(reshape.front_time(doc[:]), reshape.back_time(doc[:])) for doc in told_docs]
        moves: list[set[str | None]] = [set(pair) for pair in moved]
        for i, pair in enumerate(moved):
            options[i] += [m for m in pair if m]
        stats = None
        key = tuple(ln.text for ln in lines)
        if key in proposed:  # another variant of the same sentences: the same rewordings
            found, stats = proposed[key]
            for i, more in enumerate(found):
                options[i].extend(more)
        elif self.rephraser is not None and self.rephraser.samples > 0:
            from worker.llm.names import NameGuard

            guard = NameGuard(self.tokenizer, g.names_cased) if self.tokenizer else None
            shots = shots_for(lambda s: retell(self.nlp(s)[:], voice))
            proposals = self.rephraser.propose([ln.text for ln in lines], shots, seed, guard,
                                               self.count)
            for i, more in enumerate(proposals):
                options[i].extend(more)
            stats = getattr(self.rephraser, "last_stats", None)
            proposed[key] = ([list(p) for p in proposals], stats)
        flat = [(i, text) for i, opts in enumerate(options) for text in dict.fromkeys(opts)]
        counts["proposals"] = len(flat)
        if not flat:
            return stats
        docs = list(self.nlp.pipe([text for _, text in flat]))
        judge = checks.Rephrasing(g, self.embed)
        verdicts = judge.judge(docs, [told_docs[i] for i, _ in flat])
        passing: list[list[str]] = [[] for _ in lines]
        for (i, text), verdict in zip(flat, verdicts, strict=True):
            if verdict.ok and (text in moves[i] or not reordered_only(text, lines[i].text)):
                passing[i].append(text)
            else:
                counts["rejected"] = counts.get("rejected", 0) + 1
        for i, ln in enumerate(lines):
            shifted = moves[i]
            chosen = self._pick(ln.text, passing[i], shifted, variant)
            if chosen:
                ln.how = "moved" if chosen in shifted else "reworded"
                ln.text = chosen
                counts[ln.how] = counts.get(ln.how, 0) + 1
        return stats

    def _pick(self, told: str, passing: list[str], shifted: Collection[str | None],
              variant: int) -> str | None:
        """The wording of one sentence: the most fluent passing rewording (None: as told);
        variant n > 0 (another version asked for) takes the next one round of the
        rewordings, the time told elsewhere in the sentence, and the told wording."""
        ranked = self.rephraser.ranked(told, passing) if self.rephraser else [
            p for p in passing if wording_overlap(p, told) < SAME_WORDING]
        if not variant:
            return ranked[0] if ranked else None
        moved = [p for p in passing if p in shifted and p != told and p not in ranked]
        options: list[str | None] = [*ranked, *moved, None]
        return options[variant % len(options)]

    def _name_pronouns(self, lines: list[Line], turn_texts: dict[str, str],
                       said_before: dict[str, str], profile: Profile, voice: Voice) -> None:
        """A he/she the installment has not named yet becomes the person the user meant."""
        people = referents.people_of(profile.people, voice.pov)
        told = ""
        for ln in lines:
            source = ln.sources[0]
            whole = turn_texts.get(source, "")
            at = whole.find(ln.said[:24]) if ln.said else -1
            context = [said_before.get(source, ""), whole[:at] if at > 0 else ""]
            ln.text = referents.resolve(ln.text, told, context, people)
            told += " " + ln.text

    def _split(self, lines: list[Line]) -> list[Line]:
        """Long sentences of two whole clauses told as two."""
        out = []
        for ln, doc in zip(lines, self.nlp.pipe([ln.text for ln in lines]), strict=True):
            parts = reshape.split_clauses(doc[:])
            if parts:
                out += [Line(p, ln.sources, ln.beat, how="split", said=ln.said) for p in parts]
            else:
                out.append(ln)
        return out

    def _join(self, lines: list[Line], g: checks.Grounding,
              counts: dict[str, int]) -> list[Line]:
        """Two short sentences of one moment, both still in the user's wording, as one."""
        out: list[Line] = []
        i = 0
        while i < len(lines):
            a = lines[i]
            b = lines[i + 1] if i + 1 < len(lines) else None
            if b is not None and a.beat == b.beat and a.how == "retold" and b.how == "retold":
                docs = list(self.nlp.pipe([a.text, b.text]))
                joined = reshape.join(docs[0][:], docs[1][:])
                if joined and checks.check(self.nlp(joined), g).ok:
                    out.append(Line(joined, tuple(dict.fromkeys(a.sources + b.sources)), a.beat,
                                    told=f"{a.told} {b.told}", how="joined"))
                    counts["joined"] = counts.get("joined", 0) + 1
                    i += 2
                    continue
            out.append(a)
            i += 1
        return out

    def _bridge(self, lines: list[Line], plan: Plan, profile: Profile) -> None:
        """A transition the dates support at the head of each later moment's first line."""
        events = {e.event_id: e for e in profile.events}
        when = [bridges.when_of([events[e].time_value for e in b.event_ids if e in events])
                for b in plan.beats]
        for k in range(1, len(plan.beats)):
            phrase = bridges.transition(when[k - 1], when[k], profile.birth_year)
            first = next((ln for ln in lines if ln.beat == k), None)
            if phrase and first is not None:
                opener = self.nlp(first.text)[0]
                first.text = f"{phrase}, {reshape.lower_first(first.text, opener)}"

    def _closer(self, lines: list[Line], plan: Plan, tone: str, voice: Voice, seed: int,
                earlier: Sequence[str], close: Collection[str]) -> str | None:
        text = " ".join(ln.text for ln in lines)
        who = _most_told([a.label for a in plan.anchors if a.kind == "person"
                          and a.label.lower() in close], text)
        # a place only when every moment told happened there, and it is a name ("in
        # Blackpool"): "sad days in Manchester" for a life lived in Leeds is a guess
        moments = [" ".join(ln.text for ln in lines if ln.beat == b)
                   for b in dict.fromkeys(ln.beat for ln in lines)]
        where = _most_told([a.label for a in plan.anchors if a.kind == "place"
                            and a.label[:1].isupper()
                            and all(re.search(rf"\b{re.escape(a.label)}\b", m, re.I)
                                    for m in moments)], text)
        # not the line that closed the installment before, nor the one this retry replaces
        for shift in range(3):
            line = bridges.closer(tone, seed + shift, voice.pov, voice.name, who, where)
            if line is None or not any(line in text for text in earlier if text):
                return line
        return None

    def _gate(self, lines: list[Line], g: checks.Grounding,
              counts: dict[str, int]) -> list[Line]:
        """Every sentence once more through the checks and moderation; failures never go."""
        docs = list(self.nlp.pipe([ln.text for ln in lines]))
        kept = []
        for ln, doc in zip(lines, docs, strict=True):
            verdict = checks.check(doc, g)
            if verdict.ok and moderate(ln.text, known_people=g.people).ok:
                kept.append(ln)
            else:
                counts["dropped"] = counts.get("dropped", 0) + 1
                logger.info("a composed sentence failed the gate (%s)",
                            ", ".join(verdict.reasons) or "moderation")
        return kept


# How far the told moments' own feeling (the turns' valence, -1..1) may lean against the
# tone asked before a closing line would contradict them ("There was so much joy in those
# days." after an illness): then the installment ends on what was told.
AGAINST_TONE = 0.2
# A loss told: someone's death, grief (nlu.safety.present.GRIEF), tears, a drowning
_LOSS = re.compile(f"(?:{GRIEF.pattern})|\\b(?:tears|cried|wept|weeping|drowned|sobbed|sobbing)\\b",
                   re.I)


def reordered_only(text: str, told: str) -> bool:
    """A model's 'rewording' that is the told words in another order: no retelling, and
    the order can break ("As it were, into the thrilling and solemn interests of a world
    ..., the two flags ... constituted your initiation"). The engine's own moves of a time
    phrase are checked apart."""
    a, b = words(text), words(told)
    return a != b and sorted(a) == sorted(b)


def _against(tone: str, mood: float) -> bool:
    if tone == "sadness":
        return mood > AGAINST_TONE
    # nostalgia is bittersweet: a sad moment may be remembered fondly
    return tone in ("joy", "hope", "humour", "calm") and mood < -AGAINST_TONE


def _most_told(labels: Sequence[str], text: str) -> str | None:
    """The label the text mentions most (the first on a tie), None if it mentions none."""
    low = text.lower()
    counted = [(low.count(label.lower()), -i, label) for i, label in enumerate(labels)]
    best = max(counted, default=(0, 0, None))
    return best[2] if best[0] else None
