"""The NLU stage: spaCy once per batch, then events, people, times, facts and feelings."""

from __future__ import annotations

import itertools
import logging
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence, Sized
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from nlu import ner, timex
from nlu.emotions import load_default as load_emotions
from nlu.emotions.classifier import by_length
from nlu.events import extract_events
from nlu.facts import extract_facts
from nlu.feelings import feelings_from
from nlu.parse import Parse
from nlu.people import find_people
from nlu.schema import Analysis, Entity, Event
from nlu.spacy_model import load_pipeline
from nlu.textclean import MAX_CHARS, clean

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

logger = logging.getLogger(__name__)

PLACE_LABELS = ("GPE", "LOC", "FAC")
# One item of a stream: (id, text, message date) or (id, text, date, user's birth year).
Item = tuple[str | None, str, date | None] | tuple[str | None, str, date | None, int | None]


class Scores(Protocol):
    """What an emotion classifier returns per text (nlu.emotions.EmotionScores)."""

    emotions: Mapping[str, float]
    labels: Sequence[str]
    ekman: Mapping[str, float]
    sentiment: Mapping[str, float]


class EmotionModel(Protocol):
    """The emotion classifier interface (nlu.emotions.EmotionClassifier).

    encode() prepares texts (on one thread: tokenizers are not shared across threads);
    score() scores a list of prepared inputs and may run on several threads at once.
    """

    def predict(self, texts: list[str], batch_size: int = 64) -> Sequence[Any]: ...

    def encode(self, texts: list[str]) -> Sequence[Sized]: ...

    def score(self, prepared: list[Any]) -> Sequence[Any]: ...


class SharedScoring:
    """One batch's emotion scoring in chunks of similar length that threads take in turn.

    The side thread starts on it while the caller's thread parses; when the parse is done
    the caller takes chunks too, so on two cores neither sits idle while work is left.
    A text's scores barely depend on which chunk scored it (nlu.int8 scales per token).
    """

    def __init__(self, model: EmotionModel, texts: list[str], batch_size: int) -> None:
        self.model = model
        self.prepared = model.encode(texts)
        self.chunks = deque(by_length(self.prepared, batch_size))
        self.scores: list[Any] = [None] * len(texts)

    def work(self) -> None:
        """Score chunks until none is left (deque.popleft is atomic: no chunk runs twice)."""
        while True:
            try:
                idx = self.chunks.popleft()
            except IndexError:
                return
            for i, score in zip(idx, self.model.score([self.prepared[i] for i in idx]),
                                strict=True):
                self.scores[i] = score


class Analyzer:
    """Runs the NLU stage; build once per process and reuse (the models load once)."""

    def __init__(self, nlp: Language | None = None, emotions: EmotionModel | None = None,
                 max_chars: int = MAX_CHARS, emotion_batch_size: int = 32,
                 full_ner: bool = False):
        self.nlp = nlp if nlp is not None else load_pipeline()
        # By default NER runs only on sentences with a proper noun (see nlu.ner).
        self.gated_ner = not full_ner and "ner" in self.nlp.pipe_names
        # The GoEmotions classifier (nlu.emotions); the lexicon only if its artifact is missing.
        self.emotions = emotions if emotions is not None else load_emotions()
        self.max_chars = max_chars
        self.emotion_batch_size = emotion_batch_size
        # The classifier (torch, which releases the GIL) scores a batch on this thread while
        # spaCy parses it on the caller's, which then joins in (SharedScoring): on two cores
        # the stage costs about half the sum of the two, not the slower one.
        self._side = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nlu-emotions")

    def analyze(self, text: str, when: date | None = None, birth_year: int | None = None,
                id: str | None = None) -> Analysis:
        """Analyse one message said on date ``when`` (relative times resolve against it)."""
        return next(self.analyze_stream([(id, text, when, birth_year)], batch_size=1))

    def analyze_stream(self, items: Iterable[Item], batch_size: int = 256) -> Iterator[Analysis]:
        """Analyse (id, text, date[, birth_year]) items in order, in constant memory."""
        it = iter(items)
        while batch := list(itertools.islice(it, batch_size)):
            yield from self._batch(batch, batch_size)

    def _batch(self, batch: list[Item], batch_size: int) -> Iterator[Analysis]:
        cleaned = [clean(item[1] if isinstance(item[1], str) else "", self.max_chars)
                   for item in batch]
        texts = [c[0] for c in cleaned]
        scoring = SharedScoring(self.emotions, texts, self.emotion_batch_size)
        side = self._side.submit(scoring.work)
        if self.gated_ner:
            docs = list(self.nlp.pipe(texts, batch_size=batch_size, disable=["ner"]))
            ner.recognise(self.nlp, docs, batch_size)
        else:
            docs = list(self.nlp.pipe(texts, batch_size=batch_size))
        scoring.work()  # help with the chunks the side thread has not reached
        side.result()
        for item, (_text, truncated), doc, score in zip(batch, cleaned, docs, scoring.scores,
                                                        strict=True):
            birth_year = item[3] if len(item) > 3 else None  # type: ignore[misc]
            yield build(doc, score, id=item[0], text_len=len(item[1] or ""),
                        truncated=truncated, when=item[2], birth_year=birth_year)


def build(doc: Doc, scores: Scores, id: str | None, text_len: int, truncated: bool,
          when: date | None, birth_year: int | None) -> Analysis:
    """Assemble an Analysis from a parsed doc and its emotion scores."""
    p = Parse.of(doc)
    ner.relabel_places(p)
    ents = p.ents
    found = timex.find_times(p.raw, when, birth_year)
    date_ents = [(e.start_char, e.end_char, e.text) for e in ents if e.label in ("DATE", "TIME")]
    times = timex.merge_entities(found, date_ents, when, birth_year)
    people = find_people(p)
    events = extract_events(p, times, people)
    emotions = {k: float(v) for k, v in scores.emotions.items()}
    entities = [Entity(text=e.text, label=e.label, start=e.start_char, end=e.end_char)
                for e in ents]
    entities += [Entity(text=v.text, label="DATE", start=s, end=e) for s, e, v in found
                 if not any(s < x.end_char and e > x.start_char for x in ents)]
    entities.sort(key=lambda e: e.start)
    return Analysis(
        id=id, text_len=text_len, truncated=truncated,
        entities=entities,
        events=events,
        sentence_scores=_sentence_scores(len(p.sents), events),
        event_score=max((e.score for e in events), default=0.0),
        people=people.people,
        places=_unique(e.text for e in ents if e.label in PLACE_LABELS),
        organisations=_unique(e.text for e in ents if e.label == "ORG"),
        times=[t[2] for t in times],
        facts=extract_facts(p, when, people),
        feelings=feelings_from(emotions, list(scores.labels)),
        emotions=emotions, emotion_labels=list(scores.labels),
        ekman={k: float(v) for k, v in scores.ekman.items()},
        sentiment={k: float(v) for k, v in scores.sentiment.items()},
    )


def _sentence_scores(n_sentences: int, events: Sequence[Event]) -> list[float]:
    scores = [0.0] * n_sentences
    for e in events:
        scores[e.sentence] = max(scores[e.sentence], e.score)
    return scores


def _unique(texts: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(t.removeprefix("the ").strip() for t in texts))


_default: Analyzer | None = None


def default_analyzer() -> Analyzer:
    """The process-wide Analyzer with the default pipeline and emotion model."""
    global _default
    if _default is None:
        _default = Analyzer()
    return _default


def analyze(text: str, when: date | None = None, birth_year: int | None = None) -> Analysis:
    """Analyse one message with the default Analyzer."""
    return default_analyzer().analyze(text, when, birth_year)


def analyze_stream(items: Iterable[Item], batch_size: int = 256) -> Iterator[Analysis]:
    """Analyse a stream of (id, text, date) items with the default Analyzer."""
    return default_analyzer().analyze_stream(items, batch_size)
