"""Benchmark the NLU stage against bare spaCy, side by side, on generated life-story turns.

    PYTHONPATH=. python scripts/bench_nlu.py [--n 2000] [--loop-n 500] [--repeat 3]
        [--precision auto|int8|fp32|both]

Prints turns/s for: the stock pipeline in a per-message nlp() loop and in bare nlp.pipe,
the NLU stage's own spaCy set-up alone, and the whole NLU stage (Analyzer.analyze_stream:
spaCy plus times, events, people, facts and emotions), with the two ratios the targets
are stated in. Each is timed best-of-N in wall-clock and process CPU seconds: on a shared
machine CPU time is the steadier comparison. The texts are synthetic, built from
templates for this benchmark only.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections.abc import Callable, Iterable
from datetime import date, timedelta

# One BLAS thread: the machine is shared and spaCy's small model gains little from more.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

PEOPLE = ["my grandmother Maria", "my brother", "Tom from work", "my friend Sam", "Grandma",
          "my mum", "my dad", "my wife Ana", "my husband", "my best friend Lucy", "our neighbour",
          "my uncle Joe", "my daughter", "my son Pedro", "my cousin"]
PLACES = ["to the beach", "to Lisbon", "in Porto", "to the lake", "to Paris", "at the park",
          "home", "to my grandparents' farm", "in London", "to the hospital", "to church",
          "to school", "to a small village near Braga", "to New York"]
TIMES = ["last summer", "when I was seven", "in 1998", "two years ago", "yesterday",
         "in the eighties", "in March 2019", "last Christmas", "as a kid", "in my twenties",
         "on 3 March 2019", "last week", "a few months ago", "back in high school", ""]
ACTS = ["went {place} with {who} {when}", "{Who} took me {place} {when}",
        "{Who} and I drove {place} {when}", "I never went {place}",
        "I want to go {place} with {who}", "{Who} called me {when} and said she missed me",
        "We moved {place} {when}", "I met {who} {place} {when}", "I might visit {who} soon",
        "I didn't talk to {who} for years", "{Who} taught me to swim {when}",
        "I used to play football {place} {when}"]
FACTS = ["I work as a nurse.", "I live in Porto now.", "I have two kids.", "I grew up in Lisbon.",
         "I only eat kosher.", "I'm married to Ana.", "I have a dog called Rex.", "I am 34.",
         "I don't work as a teacher anymore.", "I was born in 1990.", ""]
FEELS = ["I was so happy.", "I still miss her so much.", "It was terrifying.",
         "Honestly I'm grateful for that time.", "It makes me sad to think about it.",
         "We laughed all day.", "I felt so proud of her.", "It was a normal day.", ""]


def make_turns(n: int, seed: int = 7) -> list[tuple[str, str, date]]:
    """n varied first-person life-story messages with ids and message dates."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        who = rng.choice(PEOPLE)
        act = rng.choice(ACTS).format(place=rng.choice(PLACES), who=who, Who=who[0].upper()
                                      + who[1:], when=rng.choice(TIMES))
        parts = [" ".join(act.split()) + ".", rng.choice(FEELS), rng.choice(FACTS)]
        rng.shuffle(parts)
        text = " ".join(p for p in parts if p)
        text = text[0].upper() + text[1:]
        out.append((f"t{i}", text, date(2026, 1, 1) + timedelta(days=rng.randrange(330))))
    return out


def best_of(repeat: int, work: Callable[[], object]) -> tuple[float, float]:
    """Fewest wall and CPU seconds of work over repeat runs (the least disturbed run)."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def report(label: str, n: int, seconds: tuple[float, float]) -> tuple[float, float]:
    wall, cpu = n / seconds[0], n / seconds[1]
    print(f"{label:<40} {n:>6} turns {wall:8.1f} turns/s wall {cpu:8.1f} turns/s CPU")
    return wall, cpu


def ratio(label: str, a: tuple[float, float], b: tuple[float, float], target: str) -> None:
    print(f"{label:<40} {a[0] / b[0]:5.2f}x wall {a[1] / b[1]:5.2f}x CPU   (target {target})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--loop-n", type=int, default=500, help="turns for the nlp() loop")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=3, help="runs per method; best is kept")
    parser.add_argument("--precision", choices=("auto", "fp32", "int8", "both"), default="auto",
                        help="the emotion classifier's encoder (default auto: the faster on a "
                        "probe at load; both: the stage in int8 and in fp32, side by side)")
    args = parser.parse_args()

    import spacy

    from nlu.emotions import EmotionClassifier
    from nlu.pipeline import Analyzer
    from nlu.precision import machine
    from nlu.spacy_model import MODEL_NAMES, load_pipeline

    stock = spacy.load(MODEL_NAMES[-1])  # the pipeline exactly as shipped
    nlp = load_pipeline()
    precisions = ("int8", "fp32") if args.precision == "both" else (args.precision,)
    classifiers = [EmotionClassifier.load(precision=p) for p in precisions]
    analyzers = [Analyzer(nlp, emotions=c) for c in classifiers]
    analyzer = analyzers[0]
    turns = make_turns(args.n)
    texts = [t[1] for t in turns]
    words = sum(len(t.split()) for t in texts)
    print(f"machine: {machine().describe()}")
    print(f"stock pipeline {stock.meta['name']} {stock.meta['version']}: {stock.pipe_names}")
    for c in classifiers:
        print(f"NLU stage pipeline: {nlp.pipe_names}; emotion classifier {c.choice.describe()}")
    print(f"{len(texts)} turns, {words / len(texts):.1f} words/turn on average, "
          f"batch_size {args.batch_size}, best of {args.repeat} runs; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for _ in stock.pipe(texts[:64]):
        pass
    for a in analyzers:
        list(a.analyze_stream(turns[:64]))  # warm up caches and lexicons

    def loop() -> None:
        for text in texts[: args.loop_n]:
            stock(text)

    def consume(docs: Iterable[object]) -> None:
        for _ in docs:
            pass

    loop_rate = report("stock spaCy, per-message nlp() loop", args.loop_n,
                       best_of(args.repeat, loop))
    pipe_rate = report("stock spaCy, bare nlp.pipe", len(texts), best_of(
        args.repeat, lambda: consume(stock.pipe(texts, batch_size=args.batch_size))))
    report("NLU's spaCy pipeline alone, nlp.pipe", len(texts), best_of(
        args.repeat, lambda: consume(analyzer.nlp.pipe(texts, batch_size=args.batch_size))))
    rates = [report(f"NLU stage, analyze_stream, emotions {c.choice.precision}", len(texts),
                    best_of(args.repeat, lambda a=a: consume(  # type: ignore[misc]
                        a.analyze_stream(turns, args.batch_size))))
             for c, a in zip(classifiers, analyzers, strict=True)]
    stage_rate = rates[0]

    for c, rate in zip(classifiers, rates, strict=True):
        ratio(f"NLU stage ({c.choice.precision}) / bare nlp.pipe", rate, pipe_rate, ">= 0.67x")
    ratio("NLU stage / per-message nlp() loop", stage_rate, loop_rate, ">= 3x")
    ratio("bare nlp.pipe / per-message nlp() loop", pipe_rate, loop_rate, "none")


if __name__ == "__main__":
    main()
