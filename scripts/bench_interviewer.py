"""The interviewer on a replayed life story: are its questions about what was said, and new?

Replays 30 messages (one or two sentences each) of public-domain first-person memoir passages
(examples/eval/heldout/corpus/passages.jsonl, Standard Ebooks editions, CC0; see its
PROVENANCE.md) through the real path: intake into Redis, the NLU worker (spaCy, the
emotion model, the safety step) and the reply it queues. Then, for each reply, a check
written here and apart from the chooser:

- about what the user said: a content word of the question (not its scaffolding: "how",
  "old", "were", "feel" ...) appears, or shares its first five letters with a word, in a user
  message sent up to then; one of the fixed open questions never counts;
- not yet answered: by the question's form, the slot it asks for was not already told in
  the user's sentences that hold its subject (two of its words, or its only one):
  "How old / When" -> no year, age, stage of life or month ("night" or "morning" do not
  say how old); "Where" -> no "in/at/to/near/from <Name>" and no place noun; "How did you
  feel" -> no feeling word; "what was he like" -> no "<name> was/is ..." description; "What first
  drew you / When did you start" -> no "because/since/started/began" with it; and no
  question was asked before with the same words.

Prints the share of replies whose question passes both (target >= 90%), the replies with no
question, and distinct questions over all replies (target >= 80%):
    PYTHONPATH=. python scripts/bench_interviewer.py [--narrator "Helen Keller"] [--show]
Needs Redis (STORYLOOM_BENCH_REDIS_URL, default redis://127.0.0.1:6379/0; its keys use a
fresh prefix and are deleted after).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "examples" / "eval" / "heldout" / "corpus" / "passages.jsonl"
MESSAGES = 30
SENTENCE_END = re.compile(r"(?<=[.!?])[”’\"')]*\s+(?=[“\"‘(A-Z])")
SCAFFOLD = frozenset("""how old were you when where what was is he she they them him her
like did feel happened after before just led up that your tell me more about would shall we stay
with something lighter for now first drew to start come be most remember the a an of in
and or living it this there day well mentioned know little yet life one thing then as
child kind person are do take time here whenever go on could who which at from i my back
want learn made makes""".split())  # noqa: SIM905
# What answers "how old were you": a year, an age, a stage of life, a date.
TIME_WORDS = re.compile(
    r"\b(?:1[5-9]\d\d|20\d\d|when I was|years? old|age|aged|childhood|boyhood|girlhood|"
    r"infancy|as a (?:child|boy|girl|baby)|(?:early|earliest) years|january|february|march|"
    r"april|june|july|august|september|october|november|december)\b", re.IGNORECASE)
PLACE_WORDS = re.compile(
    r"\b(?:in|at|to|near|from|into)\s+(?:the\s+)?(?:[A-Z]\w+|home|house|school|town|city|"
    r"village|room|garden|farm|church|street|field|river|station|house|kitchen)\b")
FEELING_WORDS = re.compile(
    r"\b(?:felt|feel|feeling|happy|happiness|sad|sadness|glad|afraid|fear|frightened|scared|"
    r"joy|joyful|cried|cry|tears|angry|anger|love|loved|lonely|proud|ashamed|excited|"
    r"delight|delighted|sorrow|grief|miserable|pleasure|terror|wonder|longing|homesick|"
    r"hope|despair|anxious|grateful|thrilled|eager)\b", re.IGNORECASE)
DESCRIBED = (r"\b{name}\b[^.!?]*\b(?:was|is|had been|seemed)\s+"
             r"(?:a|an|very|so|always|the|\w+ly)?\s*\w+")
ORIGIN = re.compile(r"\b(?:because|since|started|began|first|taught)\b", re.IGNORECASE)


def conversation(narrator: str) -> list[str]:
    """Thirty messages from one narrator's passages in order, their sentences shared out
    evenly (at most two a message); with fewer than thirty, sentences are cut at semicolons."""
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    sentences = [s for r in rows if r["narrator"] == narrator
                 for s in SENTENCE_END.split(" ".join(r["text"].split()))]
    if len(sentences) < MESSAGES:  # long 18th-century sentences: a chat sends them in parts
        sentences = [p for s in sentences for p in re.split(r"(?<=;)\s+", s) if p.strip()]
    sentences = sentences[:2 * MESSAGES]
    if len(sentences) < MESSAGES:
        raise SystemExit(f"{narrator}: {len(sentences)} sentences, fewer than {MESSAGES}")
    bounds = [round(i * len(sentences) / MESSAGES) for i in range(MESSAGES + 1)]
    return [" ".join(sentences[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]


def question_of(reply: str) -> str | None:
    """The reply's question: what follows its first sentence (the acknowledgement), when
    that ends in '?'."""
    parts = re.split(r"(?<=[.!?])\s+", reply.strip())
    rest = " ".join(parts[1:])
    return rest if rest.endswith("?") else None


def _words(text: str) -> list[str]:
    return [w.lower().strip("'’") for w in re.findall(r"[A-Za-z'’]+", text)]


def subject_words(question: str) -> list[str]:
    return [w for w in _words(question) if w not in SCAFFOLD and len(w) > 2]


def _mentions(word: str, text: str) -> bool:
    stem = word[:5]
    return any(w == word or (len(stem) == 5 and w.startswith(stem)) for w in _words(text))


def _sentences_with(words: list[str], said: list[str]) -> list[str]:
    """The user's sentences about the question's subject: holding two of its words (or its
    only word)."""
    need = min(2, len(words))
    return [s for turn in said for s in re.split(r"(?<=[.!?;])\s+", turn)
            if need and sum(_mentions(w, s) for w in words) >= need]


def slot_open(question: str, words: list[str], said: list[str]) -> bool:
    """The slot the question asks for was not told in the sentences holding its subject."""
    where = _sentences_with(words, said)
    q = re.split(r"(?<=[.!?])\s+", question)[-1].lower()
    if q.startswith(("how old", "when did you", "when ")) and "start" not in q:
        return not any(TIME_WORDS.search(s) for s in where)
    if q.startswith("where"):
        return not any(PLACE_WORDS.search(s) for s in where)
    if "how did you feel" in q:
        return not any(FEELING_WORDS.search(s) for s in where)
    if " like?" in q:
        names = [w for w in words if w]
        return not any(re.search(DESCRIBED.format(name=re.escape(n)), s, re.IGNORECASE)
                       for n in names for s in where)
    if "drew you" in q or "start" in q or "come to be" in q:
        return not any(ORIGIN.search(s) for s in where)
    return True


def replay(messages: list[str]) -> list[tuple[str, str]]:
    """(message, reply) for each message, through intake, Redis and the NLU worker."""
    import redis

    from nlu.pipeline import Analyzer
    from worker.conversation.intake import receive_text
    from worker.conversation.nlu_worker import NluWorker
    from worker.ops.runtime import WorkerContext
    from worker.settings import Settings

    url = os.environ.get("STORYLOOM_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    prefix = f"slbench-{uuid.uuid4().hex[:8]}"
    settings = Settings(_env_file=None, redis_url=url,  # type: ignore[call-arg]
                        storyloom_key_prefix=prefix)
    client = redis.Redis.from_url(url)
    ctx = WorkerContext.build(settings, client)
    analyzer = Analyzer()
    user, start = "local:bench", datetime(2026, 3, 1, 9, tzinfo=UTC)
    out = []
    try:
        for n, text in enumerate(messages):
            intake = receive_text(ctx.store, settings, user=user, platform="local",
                                  chat_id=user, text=text, at=start + timedelta(minutes=3 * n))
            assert intake.turn is not None
            NluWorker(ctx.store, analyzer).run(burst=True, block_ms=50)
            replies = [d for _, d in ctx.store.deliveries_after(user, "local", 1000)
                       if d.in_reply_to == intake.turn.turn_id]
            out.append((text, replies[-1].text if replies else ""))
    finally:
        for key in client.scan_iter(f"{prefix}*", count=1000):
            client.delete(key)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--narrator", default="Booker T. Washington")
    parser.add_argument("--show", action="store_true", help="print each reply and its verdict")
    args = parser.parse_args()
    from worker.conversation.interview import OPEN_QUESTIONS

    pairs = replay(conversation(args.narrator))
    said: list[str] = []
    asked: list[str] = []
    good = none = 0
    for text, reply in pairs:
        said.append(text)
        question = question_of(reply)
        if question is None:
            none += 1
            verdict = "no question"
        else:
            words = subject_words(question)
            about = question not in OPEN_QUESTIONS and any(
                _mentions(w, t) for w in words for t in said)
            fresh = question not in asked and slot_open(question, words, said)
            good += about and fresh
            verdict = "ok" if about and fresh else ("not about what was said" if not about
                                                    else "already told or asked")
            asked.append(question)
        if args.show:
            print(f"> {text}\n  {reply}\n  [{verdict}]")
    total = len(pairs)
    print(f"narrator: {args.narrator}; messages: {total}")
    print(f"replies whose question is about what was said and not yet answered: "
          f"{good}/{total} = {good / total:.0%}")
    print(f"replies without a question: {none}")
    print(f"distinct questions over all replies: {len(set(asked))}/{total} = "
          f"{len(set(asked)) / total:.0%}")


if __name__ == "__main__":
    main()
