"""Structured output: how a request asks for JSON, and how an answer becomes a Pydantic model.

Five modes, strongest first: ``json_schema`` (strict, the server constrains decoding
to our schema), ``json_object_schema`` (json_object carrying the schema: llama.cpp's
servers constrain decoding to it), ``tools`` (one forced function call whose
parameters are the schema), ``json_object`` (valid JSON, any shape) and ``text``
(plain reply; the JSON object is dug out of it, fences and all). Every mode is validated the same way, by
the Pydantic model, because servers that claim support do not always honour it.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from claims.extract.cache import CachedResponse
from claims.kernel.schema import strict_json_schema
from claims.kernel.settings import OUTPUT_MODES

MODES = OUTPUT_MODES
M = TypeVar("M", bound=BaseModel)

_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.S)
_MODE_WORDS = ("response_format", "json_schema", "json_object", "tool", "function", "structured", "grammar", "guided")
_VALIDATION_WORDS = ("validation error", "literal_error", "input should be", "not supported", "unsupported")
_CONTEXT_WORDS = ("context length", "context_length", "maximum context", "context window", "too many tokens", "prompt is too long")


class OutputInvalid(Exception):
    """The answer is not JSON, or not JSON of the right shape. The message is shown to the model on a re-ask."""


@lru_cache(maxsize=None)
def request_format(mode: str, model: type[BaseModel]) -> dict[str, Any]:
    """Extra request fields for this mode, built once per mode and model: treat as read-only."""
    if mode == "text":
        return {}
    if mode == "json_object":
        return {"response_format": {"type": "json_object"}}
    schema = strict_json_schema(model)
    if mode == "json_object_schema":
        return {"response_format": {"type": "json_object", "schema": schema}}
    if mode == "json_schema":
        return {"response_format": {"type": "json_schema", "json_schema": {"name": model.__name__, "strict": True, "schema": schema}}}
    if mode == "tools":
        fn = {"name": model.__name__, "description": f"Return the {model.__name__} for the text.", "parameters": schema, "strict": True}
        return {"tools": [{"type": "function", "function": fn}], "tool_choice": {"type": "function", "function": {"name": model.__name__}}}
    raise ValueError(f"unknown output mode {mode!r}; choose one of {', '.join(MODES)} or auto")


def answer_text(message: dict[str, Any]) -> str | None:
    """The JSON-bearing text of a chat message: the forced tool call's arguments, else the content."""
    for call in message.get("tool_calls") or []:
        args = (call.get("function") or {}).get("arguments") if isinstance(call, dict) else None
        if args:
            return args if isinstance(args, str) else json.dumps(args)
    content = message.get("content")
    if isinstance(content, list):  # content parts
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return content


def read_completion(body: Any) -> CachedResponse:
    """What the toolkit keeps of a chat-completion body (live answer or batch result line);
    ValueError when it is not one."""
    try:
        choice = body["choices"][0]
        message = choice.get("message") or {}
    except (KeyError, IndexError, TypeError, AttributeError):
        raise ValueError("not a chat completion") from None
    u = body.get("usage") or {}
    return CachedResponse(
        content=answer_text(message),
        finish_reason=choice.get("finish_reason"),
        prompt_tokens=int(u.get("prompt_tokens") or 0),
        completion_tokens=int(u.get("completion_tokens") or 0),
        refusal=message.get("refusal"),
    )


def extract_json(text: str) -> Any:
    """The first JSON value in a reply: bare, inside a ``` fence, or embedded in prose."""
    stripped = text.strip()
    try:
        return json.loads(stripped)
    except ValueError:
        pass
    for m in _FENCE.finditer(text):
        try:
            return json.loads(m.group(1).strip())
        except ValueError:
            continue
    decoder = json.JSONDecoder()
    for m in re.finditer(r"[{\[]", text):
        try:
            value, _ = decoder.raw_decode(text, m.start())
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    raise OutputInvalid("the answer is not valid JSON (expected one JSON object matching the schema, and nothing else)")


def parse_output(text: str | None, model: type[M]) -> M:
    """Validate an answer against ``model``; OutputInvalid says what is wrong in terms a model can act on."""
    if text is None or not text.strip():
        raise OutputInvalid("the answer was empty (expected one JSON object matching the schema)")
    try:  # the usual answer is bare JSON: parsed and validated in one pass by pydantic-core
        return model.model_validate_json(text)
    except ValidationError as e:
        if not any(err["type"] == "json_invalid" for err in e.errors()):
            raise OutputInvalid(_schema_problems(e)) from None
    value = extract_json(text)  # fenced, or inside prose
    try:
        return model.model_validate(value)
    except ValidationError as e:
        raise OutputInvalid(_schema_problems(e)) from None


def _schema_problems(e: ValidationError) -> str:
    problems = []
    for err in e.errors()[:10]:
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        problems.append(f"{loc}: {err['msg']}")
    more = f" (and {e.error_count() - 10} more)" if e.error_count() > 10 else ""
    return "the JSON does not match the schema: " + "; ".join(problems) + more


# A cut answer whose last stretch repeats itself is a decoding loop (greedy decoding does
# not leave one): the same claim over and over, or a count ("2072-30, 2073-31, ...").
# Splitting its chunk would loop again, twice. Digits are read as one symbol so a count
# repeats like anything else; 9 in 10 characters must equal the one a unit further on.
LOOP_WINDOW = 1000
LOOP_MIN_CHARS = 300
LOOP_AGREEMENT = 0.9
_DIGIT = ord("0")


def loop_unit(text: str | None) -> int | None:
    """The length of the unit an answer's last ``LOOP_WINDOW`` characters repeat (at
    least three times over), or None. A truncated answer can end anywhere in the unit,
    which does not matter: every window of a periodic string repeats."""
    tail = (text or "")[-LOOP_WINDOW:]
    if len(tail) < LOOP_MIN_CHARS:
        return None
    import numpy as np  # only for a cut answer: keeps numpy out of every command's start-up

    codes = np.frombuffer(tail.encode("utf-32-le"), dtype=np.uint32).copy()
    codes[(codes >= _DIGIT) & (codes <= _DIGIT + 9)] = _DIGIT
    for unit in range(4, len(codes) // 3 + 1):
        if np.count_nonzero(codes[:-unit] == codes[unit:]) >= LOOP_AGREEMENT * (len(codes) - unit):
            return unit
    return None


def reask_messages(bad_answer: str | None, problem: str) -> list[dict[str, str]]:
    """What is appended for a re-ask: the model's own answer, then the validation error."""
    return [
        {"role": "assistant", "content": bad_answer or ""},
        {
            "role": "user",
            "content": (
                f"Your answer could not be used: {problem}. "
                "Reply again with only the corrected JSON object that matches the schema exactly."
            ),
        },
    ]


def _status_message(exc: BaseException) -> tuple[int | None, str]:
    status = getattr(exc, "status_code", None)
    parts = [str(getattr(exc, "message", "") or exc)]
    body = getattr(exc, "body", None)
    if body is not None:
        parts.append(json.dumps(body, default=str) if not isinstance(body, str) else body)
    return status, " ".join(parts).lower()


def is_mode_rejection(exc: BaseException) -> bool:
    """The server refused the structured-output feature itself (400/422/501 naming it).

    llama-cpp-python's server answers an unsupported ``response_format`` with HTTP 500
    and a request-validation message ("Input should be 'text' or 'json_object'"); that
    500 is a refusal too, not a transient fault, so it is neither retried nor fatal.
    """
    status, text = _status_message(exc)
    if any(w in text for w in _CONTEXT_WORDS) or not any(w in text for w in _MODE_WORDS):
        return False
    if status in (400, 404, 415, 422, 501):
        return True
    return status == 500 and any(w in text for w in _VALIDATION_WORDS)


def is_context_overflow(exc: BaseException) -> bool:
    """The prompt does not fit the model's context: split the chunk, like a truncated answer."""
    status, text = _status_message(exc)
    return status in (400, 413, 422) and any(w in text for w in _CONTEXT_WORDS)
