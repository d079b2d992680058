"""``judge``: an LLM asked whether two statements have the same truth conditions.

Full Fact's definition of matching claims: two claims match when they have the same
truth conditions. The model is asked once in each order (claim 1 / claim 2, then
swapped) so that a preference for the first or second position cancels out; the score
is the share of the two answers that say "same" (0, 0.5 or 1), and the default
threshold 1.0 asks both orders to agree, the literal reading of "same truth
conditions" (mutual entailment).

The prompt is a versioned template (``prompts/judges/<id>/<version>.yaml``: system and
user Jinja2 text, hashed into the cache key and the report); the answer is structured
output (``json_schema``, falling back to ``json_object`` then plain text when a server
refuses a mode, like extraction) validated by ``SameClaimAnswer``, re-asked once with
the error. Requests go through the project's transport (one retry layer) and response
cache; an answer that stays invalid counts as "not the same" and is counted. Usage and,
with a price table, cost are in ``stats()`` and so in every report.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import jinja2
import openai
import yaml
from pydantic import BaseModel, ConfigDict, Field

from claims.extract.cache import ResponseCache, cache_key
from claims.extract.pricing import cost
from claims.extract.prompts import default_prompts_dir
from claims.extract.similarity.requests import send_counted
from claims.extract.structured import OutputInvalid, is_mode_rejection, parse_output, read_completion, reask_messages, request_format
from claims.extract.transport import EndpointGate, RetryPolicy, base_host, endpoint, make_client
from claims.kernel import yaml_safe
from claims.kernel.errors import UserError

JUDGE_THRESHOLD = 1.0
DEFAULT_TEMPLATE = "same-claim"
MODES = ("json_schema", "json_object", "text")


class SameClaimAnswer(BaseModel):
    """The judge's answer."""

    model_config = ConfigDict(extra="ignore")

    same_claim: bool = Field(description="true when the two claims have the same truth conditions")
    reason: str = Field(default="", description="one short sentence")


@dataclass(frozen=True)
class JudgeTemplate:
    id: str
    version: str
    system: str
    user: str
    sha256: str

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    def messages(self, first: str, second: str) -> list[dict[str, str]]:

        env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
        ctx = {"first": first, "second": second}
        return [{"role": "system", "content": env.from_string(self.system).render(ctx)},
                {"role": "user", "content": env.from_string(self.user).render(ctx)}]


def judges_dir(prompts_dir: Path | None = None) -> Path:

    return (Path(prompts_dir) if prompts_dir is not None else default_prompts_dir()) / "judges"


def load_judge_template(ref: str = DEFAULT_TEMPLATE, prompts_dir: Path | None = None) -> JudgeTemplate:
    """``ID`` (latest version) or ``ID@VERSION`` under ``prompts/judges/``; UserError naming the file."""

    tid, _, version = ref.partition("@")
    folder = judges_dir(prompts_dir) / tid
    versions = sorted(folder.glob("*.yaml"))
    path = folder / f"{version}.yaml" if version else (versions[-1] if versions else folder / "v1.yaml")
    try:
        raw = path.read_bytes()
        data = yaml_safe.safe_load(raw)
    except OSError:
        raise UserError(f"{path}: no judge template {ref!r}") from None
    except yaml.YAMLError as e:
        raise UserError(f"{path}: not valid YAML ({str(e).splitlines()[0]})") from None
    if not isinstance(data, dict) or any(not isinstance(data.get(k), str) for k in ("id", "version", "system", "user")):
        raise UserError(f"{path}: a judge template needs string keys id, version, system and user")
    if data["id"] != tid or data["version"] != path.stem:
        raise UserError(f"{path}: id/version {data['id']}@{data['version']} do not match the file location")
    return JudgeTemplate(data["id"], data["version"], data["system"], data["user"], hashlib.sha256(raw).hexdigest())


class JudgeSimilarity:
    """Same truth conditions, asked of an LLM in both orders (see the module docstring)."""

    costly = True

    def __init__(self, model: str | None = None, base_url: str | None = None, api_key: str | None = None,
                 threshold: float = JUDGE_THRESHOLD, template: str = DEFAULT_TEMPLATE, prompts_dir: Path | None = None,
                 cache_dir: str = ".claims-cache", cache: str = "on", jobs: int = 4, max_tokens: int = 200,
                 temperature: float = 0.0, seed: int | None = 0, mode: str = "auto", timeout: float = 120.0,
                 max_attempts: int = 6, max_reasks: int = 1, price_table: dict[str, Any] | None = None) -> None:

        if not model:
            raise UserError("the judge needs a model name (--similarity-model)")
        if mode != "auto" and mode not in MODES:
            raise UserError(f"judge mode {mode!r}: choose auto or one of {', '.join(MODES)}")
        self.model = model
        self.base_url, self._api_key = endpoint(base_url, api_key)
        self.host = base_host(self.base_url)
        self.template = load_judge_template(template, prompts_dir)
        self.threshold = threshold
        self.name = f"judge:{model}:{self.template.ref}"
        self.cache = ResponseCache(cache_dir, cache)
        self.jobs = max(1, jobs)
        self.max_tokens, self.temperature, self.seed = max_tokens, temperature, seed
        self.requested_mode = mode
        self.mode = MODES[0] if mode == "auto" else mode
        self.timeout = timeout
        self.policy = RetryPolicy(max_attempts=max_attempts)
        self._gate = EndpointGate(self.policy, f"judge endpoint {self.host}")
        self.max_reasks = max_reasks
        self.price_table = price_table or {}
        self._stats: dict[str, Any] = {"requests": 0, "retries": 0, "reasks": 0, "cache_hits": 0, "prompt_tokens": 0,
                                       "completion_tokens": 0, "invalid_answers": 0, "pairs": 0}

    def prepare(self, statements: Sequence[str]) -> list[str]:
        return list(statements)

    def score(self, a: str, b: str) -> float:
        return self.score_pairs([(a, b)])[0]

    def score_pairs(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        if not pairs:
            return []
        self._stats["pairs"] += len(pairs)
        answers = asyncio.run(self._ask_all([(a, b) for a, b in pairs] + [(b, a) for a, b in pairs]))
        n = len(pairs)
        return [(answers[i] + answers[n + i]) / 2.0 for i in range(n)]

    def stats(self) -> dict[str, Any]:

        out = dict(self._stats)
        out["mode"] = self.mode
        out["cost_usd"] = cost(out, self.model, self.price_table) if self.price_table else None
        return out

    # ------------------------------------------------------------------ requests

    def _key(self, messages: list[dict[str, Any]], mode: str) -> str:

        return cache_key({"kind": "judge", "host": self.host, "model": self.model, "template": self.template.sha256,
                          "mode": mode, "parameters": {"temperature": self.temperature, "max_tokens": self.max_tokens,
                                                       "seed": self.seed}, "messages": messages})

    async def _ask_all(self, ordered: list[tuple[str, str]]) -> list[float]:

        client = make_client(base_url=self.base_url, api_key=self._api_key, timeout=self.timeout, concurrency=self.jobs)
        gate = asyncio.Semaphore(self.jobs)

        async def one(first: str, second: str) -> float:
            async with gate:
                return await self._judge(client, first, second)

        try:
            return list(await asyncio.gather(*(one(a, b) for a, b in ordered)))
        finally:
            await client.close()

    async def _judge(self, client: Any, first: str, second: str) -> float:

        messages = self.template.messages(first, second)
        for i in range(self.max_reasks + 1):
            content = await self._complete(client, messages)
            try:
                return 1.0 if parse_output(content, SameClaimAnswer).same_claim else 0.0
            except OutputInvalid as e:
                if i == self.max_reasks:
                    self._stats["invalid_answers"] += 1
                    return 0.0
                self._stats["reasks"] += 1
                messages = messages + reask_messages(content, str(e))
        return 0.0  # pragma: no cover

    async def _complete(self, client: Any, messages: list[dict[str, Any]]) -> str | None:


        while True:
            mode = self.mode
            key = self._key(messages, mode)
            hit = self.cache.get(key)
            if hit is None and self.requested_mode == "auto" and self.cache.reads:
                for later in MODES[MODES.index(mode) + 1 :]:  # a run that fell back earlier
                    hit = self.cache.get(self._key(messages, later), count_miss=False)
                    if hit is not None:
                        self.mode = later
                        break
            if hit is not None:
                self._stats["cache_hits"] += 1
                return hit.content
            if self.cache.mode == "replay":
                raise UserError(f"judge answer not in the cache {self.cache.dir} (cache replay never calls the server)")
            body: dict[str, Any] = {"model": self.model, "messages": messages, "temperature": self.temperature,
                                    "max_tokens": self.max_tokens, **request_format(mode, SameClaimAnswer)}
            if self.seed is not None:
                body["seed"] = self.seed

            try:
                raw = await send_counted(lambda: client.post("/chat/completions", cast_to=httpx2.Response, body=body),
                                         self.policy, self._gate, self._stats, f"judge endpoint {self.host}")
            except openai.APIError as e:
                if self.requested_mode == "auto" and is_mode_rejection(e) and MODES.index(mode) + 1 < len(MODES):
                    self.mode = MODES[max(MODES.index(self.mode), MODES.index(mode) + 1)]
                    continue
                raise UserError(f"judge endpoint {self.host}: {type(e).__name__}: {str(e)[:300]}") from None
            try:
                out = read_completion(raw.json())
            except ValueError:
                raise UserError(f"judge endpoint {self.host}: the answer is not a chat completion") from None
            self._stats["prompt_tokens"] += out.prompt_tokens
            self._stats["completion_tokens"] += out.completion_tokens
            self.cache.put(key, out, meta={"kind": "judge", "model": self.model, "template": self.template.ref, "mode": mode})
            return out.content
