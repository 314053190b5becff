"""A causal language model held once per worker process and reused for every job."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from worker.llm import bundled, quantize
from worker.settings import BUNDLED_MODEL, Settings
from worker.store.records import GenerationStats

if TYPE_CHECKING:
    from nlu.precision import Choice

logger = logging.getLogger(__name__)


def resolve(settings: Settings) -> tuple[str, str]:
    """(what to load with from_pretrained, the model's identity for provenance)."""
    if settings.storyloom_model == BUNDLED_MODEL:
        path = bundled.convert(settings.storyloom_cache_dir)
        return str(path), f"{bundled.MODEL_NAME}@bundled-v{bundled.CONVERSION_VERSION}"
    return settings.storyloom_model, settings.storyloom_model


def pick_device(requested: str) -> str:
    """'auto' becomes cuda when a GPU is visible, else cpu."""
    if requested != "auto":
        return requested
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


@dataclass
class Generation:
    """The texts of one generate call and how it went."""

    texts: list[str]
    stats: GenerationStats


class LanguageModel:
    """A tokenizer and causal LM on one device."""

    def __init__(self, model: Any, tokenizer: Any, identity: str, device: str,
                 precision: Choice | None = None) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.identity = identity
        self.device = device
        self.precision = precision  # int8 or fp32, and why (None: bnb, chosen at load)

    @classmethod
    def load(cls, settings: Settings) -> LanguageModel:
        """Load the configured model (converting the bundled one on first use)."""
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        source, identity = resolve(settings)
        device = pick_device(settings.storyloom_device)
        started = time.perf_counter()
        tokenizer = AutoTokenizer.from_pretrained(source)
        dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
        mode = settings.storyloom_quantize
        extra = quantize.load_kwargs(mode, device)  # bitsandbytes places the model itself
        model = AutoModelForCausalLM.from_pretrained(source, dtype=dtype, **extra)
        if not extra:
            model.to(device)  # type: ignore[arg-type]  # transformers' wrapper confuses mypy
        model, mode, precision = quantize.serving(model.eval(), mode, device)
        identity += "" if mode == "none" else f"+{mode}"
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        tokenizer.padding_side = "left"  # decoder-only models continue from the right edge
        logger.info("loaded model %s on %s in %.1fs; precision %s", identity, device,
                    time.perf_counter() - started,
                    precision.describe() if precision is not None else mode)
        return cls(model, tokenizer, identity, device, precision)

    @property
    def context_length(self) -> int:
        """How many tokens the model can attend to."""
        return int(getattr(self.model.config, "max_position_embeddings", 2048))

    def encode_chat(self, messages: list[dict[str, str]]) -> list[int]:
        """Token ids of a chat, ready for the assistant's answer."""
        if self.tokenizer.chat_template:
            ids = self.tokenizer.apply_chat_template(
                messages, add_generation_prompt=True, tokenize=True, return_dict=False
            )
            return list(ids)
        text = "\n\n".join(m["content"] for m in messages) + "\n\n"
        return list(self.tokenizer(text)["input_ids"])

    def count_tokens(self, text: str) -> int:
        """How many tokens a text takes."""
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def generate(
        self,
        messages: list[dict[str, str]],
        *,
        prefix: str = "",
        max_new_tokens: int,
        temperature: float,
        top_p: float,
        seed: int | None = None,
        num_return_sequences: int = 1,
        streamer: Any = None,
    ) -> Generation:
        """Sample continuations of a chat (starting with prefix) in one batched call."""
        from worker.llm import batch

        prompt = self.story_prompt(messages, prefix, max_new_tokens)
        request = batch.Request(prompt=prompt, rows=num_return_sequences, seed=seed,
                                streamer=streamer)
        rows, seconds, batch_rows = self._draft(
            request, batch.Sampling(max_new_tokens, temperature, top_p))
        return self.finish(rows, prefix, len(prompt), seconds, batch_rows)

    def _draft(self, request: Any, sampling: Any) -> tuple[list[list[int]], float, int]:
        """(a request's rows, seconds taken, rows in its batch): here, a batch of its own."""
        rows, seconds, batch_rows = self._draft_many([request], sampling)
        return rows[0], seconds, batch_rows

    def _draft_many(self, requests: list[Any],
                    sampling: Any) -> tuple[list[list[list[int]]], float, int]:
        """(each request's rows, seconds taken, rows in the batch): one batch of their own."""
        from worker.llm import batch

        rows, seconds = batch.generate(self.model, self.tokenizer.pad_token_id, requests,
                                       sampling)
        return rows, seconds, batch.rows_of(requests)

    def sample(self, chats: list[list[dict[str, str]]], *, rows: int, max_new_tokens: int,
               temperature: float, top_p: float, seed: int | None = None,
               guard: Any = None) -> tuple[list[list[str]], GenerationStats]:
        """rows samples of each chat's answer, all in one batched call (short answers: the
        story engine's rephrasings), each chat with its own seed derived from seed. With a
        guard (worker.llm.names.NameGuard) no row starts an unknown name mid-sentence and
        each row stops at its first sentence end."""
        from worker.llm import batch

        ends = guard.ends if guard is not None else None
        requests = [batch.Request(prompt=self.story_prompt(chat, "", max_new_tokens), rows=rows,
                                  seed=None if seed is None else seed + i, guard=guard, ends=ends)
                    for i, chat in enumerate(chats)]
        sampling = batch.Sampling(max_new_tokens, temperature, top_p)
        found, seconds, batch_rows = self._draft_many(requests, sampling)
        gens = [self.finish(r, "", len(q.prompt), seconds, batch_rows)
                for r, q in zip(found, requests, strict=True)]
        tokens = sum(g.stats.new_tokens for g in gens)
        stats = gens[0].stats.model_copy(update={
            "new_tokens": tokens, "prompt_tokens": sum(len(q.prompt) for q in requests),
            "tokens_per_s": round(tokens / max(seconds, 1e-6), 2)}) if gens else GenerationStats(
            model=self.identity, prompt_tokens=0, new_tokens=0, seconds=0.0, tokens_per_s=0.0)
        return [g.texts for g in gens], stats

    def story_prompt(self, messages: list[dict[str, str]], prefix: str,
                     max_new_tokens: int) -> list[int]:
        """A chat's token ids followed by the answer's start, cut to leave room for the answer."""
        prompt = self.encode_chat(messages)
        if prefix:
            prompt += self.tokenizer(prefix, add_special_tokens=False)["input_ids"]
        budget = self.context_length - max_new_tokens
        return prompt[-budget:] if len(prompt) > budget else prompt

    def finish(self, rows: list[list[int]], prefix: str, prompt_tokens: int,
               seconds: float, batch_rows: int) -> Generation:
        """Decoded drafts and the stats of their generation."""
        pad = self.tokenizer.pad_token_id
        texts = [(prefix + self.tokenizer.decode(row, skip_special_tokens=True)).strip()
                 for row in rows]
        new_tokens = sum(1 for row in rows for t in row if t != pad)
        stats = GenerationStats(
            model=self.identity, prompt_tokens=prompt_tokens, new_tokens=new_tokens,
            seconds=round(seconds, 3), tokens_per_s=round(new_tokens / max(seconds, 1e-6), 2),
            batch_rows=batch_rows,
        )
        return Generation(texts=texts, stats=stats)

    def perplexity(
        self, texts: list[str], context: list[dict[str, str]] | None = None
    ) -> list[float]:
        """Per-text perplexity under the model (optionally conditioned on a chat prompt)."""
        import torch

        prompt = self.encode_chat(context) if context else []
        out: list[float] = []
        for text in texts:
            ids = self.tokenizer(text, add_special_tokens=False)["input_ids"]
            if not ids:
                out.append(float("nan"))
                continue
            full = (prompt + ids)[-self.context_length:]
            start = max(len(full) - len(ids), 1)
            x = torch.tensor([full], device=self.device)
            with torch.inference_mode():
                logits = self.model(input_ids=x).logits[0, :-1].float()
            targets = x[0, 1:]
            nll = torch.nn.functional.cross_entropy(logits, targets, reduction="none")
            out.append(float(torch.exp(nll[start - 1:].mean())))
        return out

