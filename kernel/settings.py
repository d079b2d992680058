"""The settings of one extraction: one Pydantic model read by the CLI (its options and
their help), the backends, batch prepare, suite files and the manifest.

Secrets are not settings: the API key comes from the environment at run time and
never enters this model, so nothing that dumps it can leak one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from claims.kernel.errors import UserError

BACKENDS = ("rules", "sentences", "openai")
DETERMINISTIC_BACKENDS = ("rules", "sentences")
DEFAULT_CACHE_DIR = Path(".claims-cache")
DEFAULT_PROMPT = "claims-direct"

BackendName = Literal["rules", "sentences", "openai"]
# Strongest first: auto tries them in this order, constrained decoding before unconstrained.
# A forced tool call is grammar-constrained by llama.cpp and vLLM; json_object_schema is
# json_object carrying the schema (llama.cpp's extension). It comes after tools because
# llama-cpp-python 0.3.36's server crashes (SIGSEGV) on it, and that server refuses
# json_schema but accepts tools.
OutputMode = Literal["json_schema", "tools", "json_object_schema", "json_object", "text"]
Mode = Literal["auto", OutputMode]
CacheMode = Literal["on", "off", "refresh", "replay"]
OUTPUT_MODES: tuple[str, ...] = get_args(OutputMode)
CACHE_MODES: tuple[str, ...] = get_args(CacheMode)


class ExtractionSettings(BaseModel):
    """Everything that decides how articles become claims (the backend's view of a job)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    backend: BackendName = Field("rules", description="rules (offline default), sentences (trivial floor) or openai.")
    jobs: int = Field(1, ge=1, description="Articles processed at once (and requests in flight).")
    # the endpoint
    model: str | None = Field(None, description="Model name (required with --backend openai).")
    base_url: str | None = Field(None, description="Server URL (default $OPENAI_BASE_URL, else OpenAI).")
    prompt: str = Field(DEFAULT_PROMPT, description="Prompt template ID or ID@VERSION.")
    prompts_dir: Path | None = Field(None, description="Folder of prompt templates (default ./prompts, else bundled).")
    mode: Mode = Field("auto", description="json_schema, tools, json_object_schema, json_object, text, or auto (the first the server accepts).")
    # sampling
    temperature: float = Field(0.0, ge=0, le=2, description="Sampling temperature (0: the most likely answer).")
    max_tokens: int | None = Field(None, ge=1, description="Completion token limit per request.")
    seed: int | None = Field(None, description="Sampling seed sent to the server (part of the cache key).")
    # chunking
    chunk_chars: int = Field(6000, ge=1, description="Longest chunk sent at once, in characters.")
    chunk_overlap: int = Field(500, ge=0, description="Characters shared by neighbouring chunks (claims there are deduplicated).")
    # cache
    cache: CacheMode = Field("on", description="on, off, refresh or replay (answer only from the cache).")
    cache_dir: Path = Field(DEFAULT_CACHE_DIR, description="Response cache folder (one file per request).")
    # transport
    timeout: float | None = Field(None, gt=0, description="Seconds per request (default: 60 + 1 per 10 completion tokens the request allows).")
    max_attempts: int = Field(6, ge=1, description="Attempts per request on 429/5xx/timeouts.")
    max_retry_seconds: float = Field(300.0, gt=0, description="Longest time spent retrying one request.")
    backoff_base: float = Field(0.5, ge=0, description="Seconds of the first retry backoff.")
    backoff_max: float = Field(30.0, ge=0, description="Longest retry backoff in seconds.")
    max_outage_seconds: float = Field(120.0, gt=0, description="How long a server that answered before may be unreachable before the job stops (resumable).")
    max_reasks: int = Field(2, ge=0, description="Re-asks after an invalid answer.")
    # limits and budgets
    rpm: float | None = Field(None, gt=0, description="Requests per minute limit.")
    tpm: float | None = Field(None, gt=0, description="Tokens per minute limit.")
    max_requests: int | None = Field(None, ge=0, description="Budget: stop cleanly after this many requests.")
    max_tokens_total: int | None = Field(None, ge=0, description="Budget: stop cleanly after this many tokens.")
    max_article_chars: int | None = Field(1_000_000, ge=1, description="Longest article sent (longer ones are recorded failures).")
    allow_gold_overlap: bool = Field(False, description="Use a template whose few-shot examples overlap gold texts.")

    @property
    def is_llm(self) -> bool:
        return self.backend not in DETERMINISTIC_BACKENDS

    def provenance_parameters(self, endpoint: str) -> dict[str, Any]:
        """What decides the answers, as recorded in every record's provenance (and
        compared on resume): the endpoint host, never the key."""
        return {
            "endpoint": endpoint,
            "mode": self.mode,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "seed": self.seed,
            "max_reasks": self.max_reasks,
            "chunking": {"max_chars": self.chunk_chars, "overlap_chars": self.chunk_overlap},
        }


# Keys a suite variant may set under `parameters` (identity keys have their own place).
SUITE_PARAMETERS = tuple(
    k for k in ExtractionSettings.model_fields
    if k not in ("backend", "model", "base_url", "prompt", "prompts_dir", "cache", "cache_dir", "allow_gold_overlap")
)


def describe(field: str) -> str:
    """A setting's help text (the CLI's option help comes from here)."""
    return ExtractionSettings.model_fields[field].description or ""


class SettingsError(UserError):
    """A setting has a bad value; ``field`` names it (the CLI shows the option instead)."""

    def __init__(self, field: str, problem: str):
        super().__init__(f"setting {field}: {problem}")
        self.field = field
        self.problem = problem


def make_settings(base: ExtractionSettings | None = None, **fields: Any) -> ExtractionSettings:
    """Settings from keywords (over ``base``); a bad value is a SettingsError naming the setting."""
    data = {**(base.model_dump() if base else {}), **fields}
    try:
        return ExtractionSettings.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        name = ".".join(str(x) for x in err["loc"]) or "settings"
        got = f" (got {err['input']!r})" if "input" in err and not isinstance(err["input"], dict) else ""
        raise SettingsError(name, f"{err['msg']}{got}") from None
