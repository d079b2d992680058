"""A real OpenAI-compatible HTTP server on 127.0.0.1 for tests, benchmarks and demos.

It speaks ``POST /v1/chat/completions`` and ``GET /v1/models`` over real sockets, so
the official client is exercised end to end (no mocking of its internals). Default
answers come from the project's rules backend applied to the article found between
``<article>`` and ``</article>`` in the last user message; faults are injected from
a script (``server.faults``, consumed one per chat request) or by seeded
probabilities. Every request is recorded, with the Authorization header reduced to
a flag.

By hand::

    python tests/fake_server.py --port 8000 --latency 0.2
    claims extract gold/articles -o runs/fake --backend openai --base-url http://127.0.0.1:8000/v1 --model fake
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FAULT_KINDS = (
    "429",  # rate limited; with retry_after (seconds), retry_after_ms, or retry_after_date
    "500",
    "502",
    "503",
    "504",
    "hang",  # sleep `seconds` (default 30) before answering: past the client timeout
    "reset",  # close the connection without an answer
    "malformed",  # 200 with content that is not JSON
    "invalid",  # 200 with JSON that fails the schema
    "prose",  # 200 with the right JSON wrapped in prose and a ```json fence
    "truncated",  # 200, half the JSON, finish_reason=length
    "refuse",  # 400 naming the requested structured-output feature
    "context",  # 400 context_length_exceeded
    "auth",  # 401
)



@dataclass
class Fault:
    kind: str
    retry_after: float | None = None
    retry_after_ms: float | None = None
    retry_after_date: bool = False
    seconds: float = 30.0

    @classmethod
    def of(cls, spec: Fault | str | dict[str, Any]) -> Fault:
        if isinstance(spec, Fault):
            return spec
        if isinstance(spec, str):
            spec = {"kind": spec}
        f = cls(**spec)
        if f.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {f.kind!r}; choose from {FAULT_KINDS}")
        return f


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    time: float
    fault: str | None = None


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


@lru_cache(maxsize=512)
def _rules_output(article: str) -> str:
    """ModelOutput JSON for an article: the rules backend's claims, or one claim per sentence."""
    claims: list[dict[str, Any]] = []
    try:
        from extract.articles import Article
        from extract.backends.rules import RulesBackend

        result = RulesBackend().extract(Article(id="fake", text=article))
        for c in result.claims:
            claims.append({
                "statement": c.statement,
                "quote": c.quote,
                "claimant_text": c.claimant.text,
                "claimant_name": c.claimant.name,
                "claimant_type": c.claimant.type.value if c.claimant.type else "unknown",
                "claimant_role": c.claimant.role,
                "cue": c.cue.text if c.cue else None,
                "attribution": (c.attribution.value if c.attribution else "unattributed"),
                "certainty": (c.certainty.value if c.certainty else "asserted"),
            })
    except Exception:  # rules backend absent or failing: fall back to sentences
        from extract.segment import sentences

        for s, e in sentences(article):
            sent = article[s:e]
            claims.append({
                "statement": sent, "quote": sent, "claimant_text": None, "claimant_name": None,
                "claimant_type": "author", "claimant_role": None, "cue": None,
                "attribution": "unattributed", "certainty": "asserted",
            })
    return json.dumps({"claims": claims}, ensure_ascii=False)


@lru_cache(maxsize=512)
def _selection_output(article: str) -> str:
    from extract.segment import sentences

    return json.dumps({"sentences": [article[s:e] for s, e in sentences(article)]}, ensure_ascii=False)


def _content_text(content: Any) -> str:
    if isinstance(content, list):  # content parts
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return str(content or "")


_CLOSE = re.compile(r"</(article(?:-[0-9a-f]+)?)>")


def _tagged(text: str) -> str | None:
    """Text inside the last <article...>...</article...> pair (prose may mention the tag earlier)."""
    closes = list(_CLOSE.finditer(text))
    if not closes:
        return None
    close = closes[-1]
    opening = text.rfind(f"<{close.group(1)}>", 0, close.start())
    if opening < 0:
        return None
    return text[opening + len(close.group(1)) + 2 : close.start()].strip()


def article_of(body: dict[str, Any]) -> str:
    """The article between <article> tags in the last user message, else that whole message."""
    users = [m for m in body.get("messages", []) if m.get("role") == "user"]
    last = _content_text(users[-1].get("content")) if users else ""
    for msg in reversed(users):  # a re-ask: the article sits in an earlier user message
        found = _tagged(_content_text(msg.get("content")))
        if found is not None:
            return found
    return last


def requested_mode(body: dict[str, Any]) -> str:
    if body.get("tools"):
        return "tools"
    rf = body.get("response_format") or {}
    return rf.get("type", "text") if rf.get("type") in ("json_schema", "json_object") else "text"


def schema_name(body: dict[str, Any]) -> str | None:
    rf = body.get("response_format") or {}
    if rf.get("type") == "json_schema":
        return (rf.get("json_schema") or {}).get("name")
    for tool in body.get("tools") or []:
        return (tool.get("function") or {}).get("name")
    return None


def is_selection(body: dict[str, Any]) -> bool:
    name = schema_name(body)
    if name:
        return "selection" in name.lower()
    system = " ".join(_content_text(m.get("content")) for m in body.get("messages", []) if m.get("role") == "system")
    return '"sentences"' in system and '"claims"' not in system


def default_responder(body: dict[str, Any]) -> str:
    """The answer's JSON text for a request (claims, or sentences for a selection stage)."""
    article = article_of(body)
    return _selection_output(article) if is_selection(body) else _rules_output(article)


Responder = Callable[[dict[str, Any]], "str | dict[str, Any]"]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512  # a burst of 64+ connections must not be refused


class FakeOpenAIServer:
    """Start with ``start()`` (or as a context manager); ``base_url`` is ready to use."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        responder: Responder | None = None,
        refuse_modes: set[str] | None = None,
        fault_probs: dict[str, float] | None = None,
        seed: int = 0,
        model: str = "fake-model",
    ):
        self.latency = latency
        self.responder: Responder = responder or default_responder
        self.refuse_modes: set[str] = set(refuse_modes or ())
        self.faults: list[Fault | str | dict[str, Any]] = []
        self.fault_probs: dict[str, float] = dict(fault_probs or {})
        self.rng = random.Random(seed)
        self.model = model
        self.requests: list[Recorded] = []
        self.record_bodies = True
        self.record = True
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._httpd = _Server((host, port), self._handler_class())
        self._thread: threading.Thread | None = None

    # -- lifecycle
    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeOpenAIServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()  # releases hanging handlers
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- control
    def set_latency(self, seconds: float) -> None:
        self.latency = seconds

    def add_faults(self, *specs: Fault | str | dict[str, Any]) -> None:
        with self._lock:
            self.faults.extend(specs)

    @property
    def chat_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def _next_fault(self) -> Fault | None:
        with self._lock:
            if self.faults:
                return Fault.of(self.faults.pop(0))
            for kind, p in self.fault_probs.items():
                if self.rng.random() < p:
                    return Fault.of(kind)
        return None

    # -- HTTP
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real servers do
            disable_nagle_algorithm = True  # else headers and body wait on a delayed ACK (~40 ms)

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def _headers(self) -> dict[str, str]:
                out = {k.lower(): v for k, v in self.headers.items()}
                if "authorization" in out:
                    out["authorization"] = "<present>"
                return out

            def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_GET(self) -> None:
                if server.record:
                    server.requests.append(Recorded("GET", self.path, self._headers(), None, time.monotonic()))
                if self.path.rstrip("/").endswith("/models"):
                    self._send(200, {"object": "list", "data": [{"id": server.model, "object": "model", "created": 0, "owned_by": "fake"}]})
                else:
                    self._send(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                rec = Recorded("POST", self.path, self._headers(), body if server.record_bodies else None, time.monotonic())
                if server.record:
                    with server._lock:
                        server.requests.append(rec)
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})
                    return
                if not isinstance(body, dict):
                    self._send(400, {"error": {"message": "request body is not JSON", "type": "invalid_request_error"}})
                    return
                fault = server._next_fault()
                rec.fault = fault.kind if fault else None
                if server.latency:
                    time.sleep(server.latency)
                self._chat(body, fault)

            def _chat(self, body: dict[str, Any], fault: Fault | None) -> None:
                mode = requested_mode(body)
                kind = fault.kind if fault else None
                if kind == "hang":
                    server._stop.wait(fault.seconds)
                    kind = None  # if the client is still there, answer normally
                if kind == "reset":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if kind == "429":
                    h: dict[str, str] = {}
                    if fault.retry_after is not None:
                        h["Retry-After"] = f"{fault.retry_after:g}"
                    if fault.retry_after_ms is not None:
                        h["retry-after-ms"] = f"{fault.retry_after_ms:g}"
                    if fault.retry_after_date:
                        h["Retry-After"] = formatdate(time.time() + (fault.retry_after or 1), usegmt=True)
                    self._send(429, {"error": {"message": "Rate limit reached", "type": "rate_limit_exceeded", "code": "rate_limit_exceeded"}}, h)
                    return
                if kind in ("500", "502", "503", "504"):
                    self._send(int(kind), {"error": {"message": f"fake server error {kind}", "type": "server_error"}})
                    return
                if kind == "auth":
                    self._send(401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error", "code": "invalid_api_key"}})
                    return
                if kind == "context":
                    self._send(400, {"error": {"message": "This model's maximum context length is 100 tokens", "type": "invalid_request_error", "code": "context_length_exceeded"}})
                    return
                if kind == "refuse" or mode in server.refuse_modes:
                    what = "tools" if mode == "tools" else f"response_format type {mode}"
                    self._send(400, {"error": {"message": f"{what} is not supported by this server", "type": "invalid_request_error", "param": "response_format" if mode != "tools" else "tools"}})
                    return
                answer = server.responder(body)
                if isinstance(answer, dict):  # a full response from a custom responder
                    self._send(200, answer)
                    return
                finish = "stop"
                if kind == "malformed":
                    answer = "Sure! Here are the claims: {claims: [oops"
                elif kind == "invalid":
                    answer = json.dumps({"claims": [{"statement": 42}]})
                elif kind == "prose":
                    answer = f"Here is the JSON you asked for:\n```json\n{answer}\n```\nHope this helps."
                elif kind == "truncated":
                    answer = answer[: max(1, len(answer) // 2)]
                    finish = "length"
                self._send(200, completion(body, answer, finish, mode))

        return Handler


def completion(body: dict[str, Any], answer: str, finish: str, mode: str) -> dict[str, Any]:
    prompt_chars = sum(len(_content_text(m.get("content"))) for m in body.get("messages", []))
    message: dict[str, Any] = {"role": "assistant", "content": answer, "refusal": None}
    if mode == "tools" and finish != "length":
        name = schema_name(body) or "output"
        message = {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "call_" + hashlib.sha1(answer.encode()).hexdigest()[:12], "type": "function", "function": {"name": name, "arguments": answer}}],
        }
        finish = "tool_calls"
    pt, ct = max(1, prompt_chars // 4), _tokens(answer)
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "fake-model"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": {"prompt_tokens": pt, "completion_tokens": ct, "total_tokens": pt + ct},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description="A fake OpenAI-compatible server answering with the rules backend's claims.")
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument("--latency", type=float, default=0.0, help="seconds added to every chat request")
    ap.add_argument("--refuse", action="append", default=[], help="output mode to refuse with 400 (json_schema, json_object, tools)")
    ap.add_argument("--fault", action="append", default=[], metavar="KIND=P", help=f"random fault probability, e.g. 429=0.2; kinds: {', '.join(FAULT_KINDS)}")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    probs = {k: float(v) for k, v in (f.split("=", 1) for f in args.fault)}
    server = FakeOpenAIServer(port=args.port, latency=args.latency, refuse_modes=set(args.refuse), fault_probs=probs, seed=args.seed)
    server.record = False  # a long demo must not grow without bound
    print(f"fake OpenAI server on {server.base_url} (Ctrl-C to stop)", flush=True)
    try:
        server._httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server._httpd.server_close()


if __name__ == "__main__":
    main()
