"""The shipped GoEmotions classifier: artifact, output shape, clear cases, odd input, batching."""

from __future__ import annotations

import hashlib
import logging
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nlu.emotions import EKMAN, LABELS, SENTIMENTS, EmotionClassifier, EmotionScores, load_default
from nlu.emotions import classifier as classifier_module
from nlu.emotions.data import data_hashes
from nlu.emotions.lexicon import LexiconEmotionClassifier
from nlu.emotions.metrics import decide, f1, tune_thresholds
from nlu.emotions.model import base_dir


@pytest.fixture(scope="module")
def clf() -> EmotionClassifier:
    return EmotionClassifier.load(precision="int8")  # the precision its metrics were measured in


def test_the_artifact_is_small_and_traces_to_its_base_model_and_data(clf: EmotionClassifier,
                                                                      ) -> None:
    folder = Path(classifier_module.ARTIFACT_DIR)
    assert sum(f.stat().st_size for f in folder.iterdir()) < 5_000_000
    base = clf.config["base"]
    weights = (base_dir() / "model.safetensors").read_bytes()
    assert base["sha256"] == hashlib.sha256(weights).hexdigest()
    assert clf.config["data"]["sha256"] == data_hashes()
    assert set(clf.thresholds["labels"]) == set(LABELS)
    test = clf.config["metrics"]["test"]
    assert test["labels"]["macro_f1"] >= 0.46 and test["ekman"]["macro_f1"] >= 0.64


def test_every_text_gets_all_labels_groups_and_sentiments(clf: EmotionClassifier) -> None:
    out = clf.predict(["We buried my father last spring.", "ok"])
    assert len(out) == 2
    for s in out:
        assert isinstance(s, EmotionScores)
        assert list(s.emotions) == list(LABELS) and list(s.ekman) == list(EKMAN)
        assert list(s.sentiment) == list(SENTIMENTS)
        assert all(0.0 <= p <= 1.0 for p in [*s.emotions.values(), *s.ekman.values()])
        assert s.labels and set(s.labels) <= set(LABELS)


def test_clear_cases(clf: EmotionClassifier) -> None:
    miss, thanks, gross = clf.predict(
        ["I miss my grandmother so much", "Thank you so much!", "This is disgusting"])
    assert miss.labels[0] == "sadness" and miss.emotions["sadness"] > 0.5
    assert max(miss.sentiment, key=miss.sentiment.__getitem__) == "negative"
    assert thanks.labels == ["gratitude"]
    assert max(thanks.sentiment, key=thanks.sentiment.__getitem__) == "positive"
    assert max(gross.ekman, key=gross.ekman.__getitem__) == "disgust"


def test_empty_huge_and_binary_text_are_scored(clf: EmotionClassifier) -> None:
    odd = ["", "   ", "ha" * 60_000, bytes(range(256)).decode("latin-1"), "\U0001f62d" * 50]
    out = clf.predict(odd)
    assert len(out) == len(odd)
    assert out[0].labels == ["neutral"]
    assert all(set(s.emotions) == set(LABELS) for s in out)


def test_a_batch_scores_each_text_as_it_would_alone(clf: EmotionClassifier) -> None:
    texts = ["I was so proud of her.", "Why did he leave?", "", "Best day of my life, honestly",
             "I'm scared the test results will be bad and I can't sleep."]
    together = clf.predict(texts, batch_size=2)
    alone = [clf.predict([t])[0] for t in texts]
    for a, b in zip(together, alone, strict=True):
        assert a.labels == b.labels
        assert np.allclose(list(a.emotions.values()), list(b.emotions.values()), atol=2e-4)


def test_int8_scores_a_text_the_same_in_any_batch_and_close_to_fp32(
        clf: EmotionClassifier) -> None:
    assert clf.int8
    fp32 = EmotionClassifier.load(precision="fp32")
    texts = ["I was so proud of her.", "Why did he leave?", "", "Best day of my life, honestly",
             "I'm scared the test results will be bad and I can't sleep.", "ha" * 400]
    together = clf.probabilities(texts, batch_size=4)
    alone = np.stack([clf.probabilities([t])[0] for t in texts])
    # Activations are scaled per token, so neighbours in a batch change nothing but the last
    # float bits before rounding (torch's per-batch dynamic int8 moved scores by points).
    assert np.abs(together - alone).max() < 0.01
    assert np.abs(together - fp32.probabilities(texts)).max() < 0.1
    assert [s.labels for s in clf.predict(texts)] == [s.labels for s in fp32.predict(texts)]


def test_a_missing_artifact_falls_back_to_the_lexicon(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(classifier_module, "ARTIFACT_DIR", tmp_path)
    with caplog.at_level(logging.WARNING, logger="nlu.emotions"):
        model = load_default()
    assert isinstance(model, LexiconEmotionClassifier)
    assert "artifact missing" in caplog.text


def test_importing_the_package_does_not_import_torch() -> None:
    code = "import sys, nlu.emotions, nlu.emotions.lexicon; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "False"


def test_thresholds_are_tuned_per_column_and_empty_rows_fall_back_to_neutral() -> None:
    gold = np.array([[1, 0], [1, 0], [0, 1], [0, 1]], dtype=float)
    probs = np.array([[0.3, 0.1], [0.35, 0.2], [0.1, 0.9], [0.2, 0.8]])
    t = tune_thresholds(gold, probs)
    assert 0.2 < t[0] <= 0.3 and 0.2 < t[1] <= 0.8
    pred = decide(probs, np.array([0.5, 0.95]), neutral=1)
    assert pred.tolist() == [[0, 1], [0, 1], [0, 1], [0, 1]]
    assert f1(gold, pred).tolist() == [0.0, 2 * 2 / (2 + 4)]
