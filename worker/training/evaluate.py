"""Perplexity of text under the base model, a user's adapter, or a candidate adapter.

Token-weighted over every text (each token counts once, long and short texts
alike). Text given with a prompt is scored given that prompt; only the text's
own tokens are scored.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from worker.training.records import TrainingExample

if TYPE_CHECKING:
    from worker.llm.model import LanguageModel

IGNORE = -100
# long text is scored in windows this long (the bundled model attends to 2048)
WINDOW = 512

Sequence_ = tuple[list[int], list[int]]  # (input ids, labels with IGNORE where not scored)


def encode_text(lm: LanguageModel, text: str, window: int = WINDOW,
                prompt: Sequence[dict[str, str]] = ()) -> list[Sequence_]:
    """A text as scored sequences of at most `window` tokens (after its prompt, if any)."""
    context = lm.encode_chat(list(prompt)) if prompt else []
    context = context[-(window // 2):]
    ids = lm.tokenizer(text, add_special_tokens=False)["input_ids"]
    if prompt:
        ids = ids + [lm.tokenizer.eos_token_id]
    room = window - len(context)
    out = []
    for start in range(0, len(ids), room):
        piece = ids[start:start + room]
        if len(piece) + len(context) < 2:
            continue
        out.append((context + piece, [IGNORE] * len(context) + piece))
    return out


def encode_examples(lm: LanguageModel, examples: Sequence[TrainingExample],
                    window: int) -> list[Sequence_]:
    """Training examples as scored sequences."""
    out: list[Sequence_] = []
    for ex in examples:
        prompt = [{"role": m.role, "content": m.content} for m in ex.prompt]
        out += encode_text(lm, ex.text, window, prompt)
    return out


def collate(seqs: Sequence[Sequence_], pad_id: int, device: str) -> dict[str, Any]:
    """Right-padded tensors of a batch (pads are masked and never scored)."""
    import torch

    width = max(len(ids) for ids, _ in seqs)
    ids = [i + [pad_id] * (width - len(i)) for i, _ in seqs]
    labels = [lab + [IGNORE] * (width - len(lab)) for _, lab in seqs]
    mask = [[1] * len(i) + [0] * (width - len(i)) for i, _ in seqs]
    return {"input_ids": torch.tensor(ids, device=device),
            "attention_mask": torch.tensor(mask, device=device),
            "labels": torch.tensor(labels, device=device)}


def batch_nll(model: Any, batch: dict[str, Any]) -> tuple[Any, int]:
    """(summed negative log-likelihood, scored tokens) of one batch."""
    import torch

    logits = model(input_ids=batch["input_ids"],
                   attention_mask=batch["attention_mask"]).logits[:, :-1].float()
    targets = batch["labels"][:, 1:]
    nll = torch.nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=IGNORE,
        reduction="sum")
    return nll, int((targets != IGNORE).sum())


def mean_nll(model: Any, seqs: Sequence[Sequence_], pad_id: int, device: str,
             batch_size: int = 8) -> tuple[float, int]:
    """(mean negative log-likelihood per token, tokens scored) over sequences."""
    import torch

    total, count = 0.0, 0
    was_training = model.training
    model.eval()
    with torch.inference_mode():
        for i in range(0, len(seqs), batch_size):
            nll, n = batch_nll(model, collate(seqs[i:i + batch_size], pad_id, device))
            total, count = total + float(nll), count + n
    model.train(was_training)
    return (total / count if count else float("nan")), count


def perplexity(model: Any, lm: LanguageModel, seqs: Sequence[Sequence_]) -> float:
    """Token-weighted perplexity of sequences under a model."""
    loss, _ = mean_nll(model, seqs, lm.tokenizer.pad_token_id, lm.device)
    return math.exp(loss) if not math.isnan(loss) else float("nan")


def text_perplexity(lm: LanguageModel, text: str, adapter_dir: str | None) -> dict[str, float]:
    """{"base": ..., "adapter": ...} of one text (adapter None when the user has none)."""
    seqs = encode_text(lm, text)
    if not seqs:
        raise ValueError("the text has no tokens to score")
    out: dict[str, Any] = {"base": perplexity(lm.model, lm, seqs), "adapter": None}
    if adapter_dir is not None:
        import copy

        from peft import PeftModel

        # a copy: the served base model never gets adapter layers from an evaluation
        peft_model = PeftModel.from_pretrained(copy.deepcopy(lm.model), adapter_dir)
        out["adapter"] = perplexity(peft_model, lm, seqs)
    return out
