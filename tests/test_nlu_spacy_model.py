"""The spaCy set-up: model loading, the fast POS component, NER on proper-noun sentences."""

from __future__ import annotations

import pytest
import spacy

from nlu import ner
from nlu.spacy_model import MODEL_NAMES, ModelNotInstalledError, load_first, load_pipeline

TEXTS = [
    "My grandmother Maria took me to the beach in Nazaré last summer.",
    "I didn't do it, but I have done that before.",
    "There is a house in New Orleans that they call the Rising Sun.",
    "What did you have for dinner when you were in Porto?",
    "That is the one that I liked, and those were the days.",
    "Me and him went there in 1998, but it wasn't us who broke it.",
    "We'd been living in Lisbon for years when my brother Tom moved to Berlin.",
    "I might visit my mum soon; she's been unwell since Christmas.",
    "Honestly I'm grateful for that time with my friend Sam from work.",
    "I used to swim in the lake every summer as a kid.",
]
NAME_LABELS = ("PERSON", "GPE", "LOC", "FAC", "ORG", "NORP")


@pytest.fixture(scope="module")
def stock() -> spacy.language.Language:
    return spacy.load(MODEL_NAMES[-1])


def test_missing_models_are_named_in_the_error() -> None:
    with pytest.raises(ModelNotInstalledError) as err:
        load_first(("no_such_model_a", "no_such_model_b"))
    assert "no_such_model_a" in str(err.value) and "no_such_model_b" in str(err.value)


def test_fast_pos_matches_the_attribute_ruler(stock: spacy.language.Language) -> None:
    fast = load_pipeline()
    assert "storyloom_tag_pos" in fast.pipe_names and "attribute_ruler" not in fast.pipe_names
    pairs = [(a, b) for x, y in zip(stock.pipe(TEXTS), fast.pipe(TEXTS), strict=True)
             for a, b in zip(x, y, strict=True)]
    assert [(a.text, a.pos_, a.lemma_) for a, _ in pairs] == [
        (b.text, b.pos_, b.lemma_) for _, b in pairs]


def test_gated_ner_finds_the_same_names(stock: spacy.language.Language) -> None:
    nlp = load_pipeline()
    docs = list(nlp.pipe(TEXTS, disable=["ner"]))
    ner.recognise(nlp, docs)
    for full, gated in zip(stock.pipe(TEXTS), docs, strict=True):
        want = [(e.text, e.label_) for e in full.ents if e.label_ in NAME_LABELS]
        assert [(e.text, e.label_) for e in gated.ents if e.label_ in NAME_LABELS] == want
