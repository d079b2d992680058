"""A real OpenAI-compatible HTTP server on 127.0.0.1 for tests, benchmarks and demos.

It speaks ``POST /v1/chat/completions`` and ``GET /v1/models`` over real sockets, so
the official client is exercised end to end (no mocking of its internals). Default
answers come from the project's rules backend applied to the article found between
``<article>`` and ``</article>`` in the last user message; faults are injected from
a script (``server.faults``, consumed one per chat request) or by seeded
probabilities. Every request is recorded, with the Authorization header reduced to
a flag.

It also keeps uploaded files and batches in memory (``POST /v1/files``, ``GET
/v1/files/{id}[/content]``, ``POST /v1/batches``, ``GET /v1/batches/{id}``, ``POST
/v1/batches/{id}/cancel``): a batch runs on a status poll, each line answered like a
live chat request (faults included), successes in the output file, the rest in the
error file. ``POST /v1/embeddings`` answers every input with a deterministic vector (a
hashed bag of its lowercased words), faults included, for the embedding similarity.

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
import socket
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
    "cut_quietly",  # 200, half the JSON, finish_reason not 'length' but max_tokens used up (llama-cpp-python tool calls)
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
        from claims.extract.backends.rules import RulesBackend
        from claims.kernel.articles import Article

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
        from claims.kernel.segment import sentences

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
    from claims.kernel.segment import sentences

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


_ARTICLE_ID = re.compile(r"^Article id: (.+)$", re.M)


def article_id_of(body: dict[str, Any]) -> str | None:
    """The article id a prompt names ("Article id: X" in the last user message that has one)."""
    for msg in reversed([m for m in body.get("messages", []) if m.get("role") == "user"]):
        found = _ARTICLE_ID.search(_content_text(msg.get("content")))  # the template's line comes before the text
        if found:
            return found.group(1).strip()
    return None


def requested_mode(body: dict[str, Any]) -> str:
    if body.get("tools"):
        return "tools"
    rf = body.get("response_format") or {}
    if rf.get("type") == "json_object" and rf.get("schema"):
        return "json_object_schema"  # llama.cpp's json_object carrying the schema
    return rf.get("type", "text") if rf.get("type") in ("json_schema", "json_object") else "text"


def schema_name(body: dict[str, Any]) -> str | None:
    rf = body.get("response_format") or {}
    if rf.get("type") == "json_schema":
        return (rf.get("json_schema") or {}).get("name")
    for tool in body.get("tools") or []:
        return (tool.get("function") or {}).get("name")
    return None


def _system_text(body: dict[str, Any]) -> str:
    return " ".join(_content_text(m.get("content")) for m in body.get("messages", []) if m.get("role") == "system")


def is_selection(body: dict[str, Any]) -> bool:
    name = schema_name(body)
    if name:
        return "selection" in name.lower()
    system = _system_text(body)
    return '"sentences"' in system and '"claims"' not in system


NO_CLAIMANTS = "Do not report claimants"


def _without_claimants(answer: str) -> str:
    """Every claim's claimant emptied (type unknown): the claims stay, who said them goes."""
    data = json.loads(answer)
    for c in data.get("claims", []):
        c.update(claimant_text=None, claimant_name=None, claimant_role=None, claimant_type="unknown")
    return json.dumps(data, ensure_ascii=False)


def default_responder(body: dict[str, Any]) -> str:
    """The answer's JSON text for a request (claims, or sentences for a selection stage).

    One prompt-driven behaviour, so that tests can degrade a template and see the eval
    notice: a system prompt containing "Do not report claimants" gets claims whose
    claimant fields are all empty.
    """
    article = article_of(body)
    if is_selection(body):
        return _selection_output(article)
    answer = _rules_output(article)
    return _without_claimants(answer) if NO_CLAIMANTS in _system_text(body) else answer


Responder = Callable[[dict[str, Any]], "str | dict[str, Any]"]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512  # a burst of 64+ connections must not be refused

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.open_sockets: set[socket.socket] = set()  # so that going down closes kept-alive connections too

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, addr = super().get_request()
        self.open_sockets.add(sock)
        return sock, addr

    def shutdown_request(self, request: Any) -> None:
        self.open_sockets.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        for sock in list(self.open_sockets):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client killed mid-request (the resume tests do that) is not a server error."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


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
        fault_options: dict[str, dict[str, Any]] | None = None,
        model: str = "fake-model",
        faults_by_content: bool = False,
    ):
        self.latency = latency
        self.responder: Responder = responder or default_responder
        self.refuse_modes: set[str] = set(refuse_modes or ())
        self.refuse_style = "openai"  # or "llama-cpp-python": refusals as HTTP 500 validation errors
        self.faults: list[Fault | str | dict[str, Any]] = []
        self.fault_probs: dict[str, float] = dict(fault_probs or {})
        # extra Fault fields for random faults, e.g. {"429": {"retry_after": 0.05}, "hang": {"seconds": 5}}
        self.fault_options: dict[str, dict[str, Any]] = dict(fault_options or {})
        self.rng = random.Random(seed)
        self.seed = seed
        # faults_by_content: each request's random faults are drawn from its own seeded stream
        # (its body and how often that body came before), so a job meets the same faults in any
        # order: two engines that send the same requests in different orders are comparable
        self.faults_by_content = faults_by_content
        self._seen_bodies: dict[str, int] = {}
        self.model = model
        self.requests: list[Recorded] = []
        self.auth_seen: set[str] = set()  # sha256 of each Authorization header value received
        self.record_bodies = True
        self.record = True
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.burst: tuple[float, Fault] | None = None  # (until, fault): every chat request gets it until then
        self._host = host
        self._httpd = _Server((host, port), self._handler_class())
        self._thread: threading.Thread | None = None
        self.batch_store = BatchStore()  # files and batches (Batch API)

    # -- lifecycle
    @property
    def port(self) -> int:
        return self._httpd.server_address[1]  # kept after go_down(): come_back() binds it again

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

    def go_down(self) -> None:
        """The server goes away: open connections are cut and the port stops listening
        (clients get connection refused), as when a server process dies."""
        self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd.drop_connections()

    def come_back(self) -> None:
        """Listen again on the same port, with the same state."""
        self._httpd = _Server((self._host, self.port), self._handler_class())
        self.start()

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

    def requests_by_article(self) -> dict[str | None, list[Recorded]]:
        """Chat requests grouped by the article id their prompt names (None: no id found)."""
        out: dict[str | None, list[Recorded]] = {}
        for r in self.chat_requests:
            out.setdefault(article_id_of(r.body) if isinstance(r.body, dict) else None, []).append(r)
        return out

    def start_burst(self, seconds: float, spec: Fault | str | dict[str, Any]) -> None:
        """Every chat request for the next ``seconds`` gets this fault (e.g. a 1 s burst of 429s)."""
        self.burst = (time.monotonic() + seconds, Fault.of(spec))

    def _next_fault(self, body: Any = None) -> Fault | None:
        if self.burst is not None and time.monotonic() < self.burst[0]:
            return self.burst[1]
        with self._lock:
            if self.faults:
                return Fault.of(self.faults.pop(0))
            rng = self.rng
            if self.faults_by_content:
                digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
                n = self._seen_bodies[digest] = self._seen_bodies.get(digest, 0) + 1
                rng = random.Random(f"{self.seed}:{digest}:{n}")
            for kind, p in self.fault_probs.items():
                if rng.random() < p:
                    return Fault.of({"kind": kind, **self.fault_options.get(kind, {})})
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
                    server.auth_seen.add(hashlib.sha256(out["authorization"].encode()).hexdigest())  # proof the key arrived, not the key
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
                if batch_get(server, self):
                    return
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
                if batch_post(server, self, raw, body):
                    return
                if self.path.rstrip("/").endswith("/embeddings") and isinstance(body, dict):
                    fault = server._next_fault()
                    if fault is not None and fault.kind in ("429", "500", "502", "503", "504", "auth"):
                        rec.fault = fault.kind
                        self._send(*chat_response(server, body, fault))  # the same error answers as chat
                    else:
                        self._send(200, embeddings_response(body))
                    return
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})
                    return
                if not isinstance(body, dict):
                    self._send(400, {"error": {"message": "request body is not JSON", "type": "invalid_request_error"}})
                    return
                fault = server._next_fault(body)
                rec.fault = fault.kind if fault else None
                if server.latency:
                    time.sleep(server.latency)
                self._chat(body, fault)

            def _chat(self, body: dict[str, Any], fault: Fault | None) -> None:
                kind = fault.kind if fault else None
                if kind == "hang":
                    server._stop.wait(fault.seconds)
                    fault = None  # if the client is still there, answer normally
                if kind == "reset":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self._send(*chat_response(server, body, fault))

        return Handler


# -- Files and Batch API (for `claims batch`): in memory, answered by the same responder


class BatchStore:
    """Uploaded files and batches. A batch is run on a status poll (after ``polls_before_done``
    polls that say in_progress), every line answered by ``batch_answer`` like a live chat request."""

    def __init__(self) -> None:
        self.files: dict[str, dict[str, Any]] = {}  # id -> {"object": file object, "content": bytes}
        self.batches: dict[str, dict[str, Any]] = {}
        self.polls_before_done = 0
        self.bodies: list[dict[str, Any]] = []  # every request body a batch line carried, in order
        self._n = 0
        self._lock = threading.RLock()  # a poll runs the batch under it, and the run makes ids

    def new_id(self, prefix: str) -> str:
        with self._lock:
            self._n += 1
            return f"{prefix}-fake{self._n:04d}"

    def add_file(self, name: str, purpose: str, content: bytes) -> dict[str, Any]:
        fid = self.new_id("file")
        obj = {"id": fid, "object": "file", "bytes": len(content), "created_at": int(time.time()), "filename": name,
               "purpose": purpose, "status": "processed", "status_details": None}
        self.files[fid] = {"object": obj, "content": content}
        return obj


def _multipart(content_type: str, raw: bytes) -> dict[str, tuple[str | None, bytes]]:
    """Form fields of a multipart/form-data body: name -> (filename, bytes)."""
    from email import policy
    from email.parser import BytesParser

    msg = BytesParser(policy=policy.HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw)
    out: dict[str, tuple[str | None, bytes]] = {}
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            out[str(name)] = (part.get_filename(), part.get_payload(decode=True) or b"")
    return out


def chat_response(server: FakeOpenAIServer, body: dict[str, Any], fault: Fault | None) -> tuple[int, dict[str, Any], dict[str, str]]:
    """(status, body, headers) of one chat completion: faults, refused modes or the responder's answer."""
    mode = requested_mode(body)
    kind = fault.kind if fault else None
    if kind == "429":
        h: dict[str, str] = {}
        if fault.retry_after is not None:
            h["Retry-After"] = f"{fault.retry_after:g}"
        if fault.retry_after_ms is not None:
            h["retry-after-ms"] = f"{fault.retry_after_ms:g}"
        if fault.retry_after_date:
            h["Retry-After"] = formatdate(time.time() + (fault.retry_after or 1), usegmt=True)
        return 429, {"error": {"message": "Rate limit reached", "type": "rate_limit_exceeded", "code": "rate_limit_exceeded"}}, h
    if kind in ("500", "502", "503", "504"):
        return int(kind), {"error": {"message": f"fake server error {kind}", "type": "server_error"}}, {}
    if kind == "auth":
        return 401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error", "code": "invalid_api_key"}}, {}
    if kind == "context":
        return 400, {"error": {"message": "This model's maximum context length is 100 tokens", "type": "invalid_request_error", "code": "context_length_exceeded"}}, {}
    if mode in server.refuse_modes and server.refuse_style == "llama-cpp-python":
        # what llama-cpp-python's server really answers: a 500 carrying a request-validation error
        msg = ("1 validation error:\n {'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), "
               f"'msg': \"Input should be 'text' or 'json_object'\", 'input': '{mode}'}}")
        return 500, {"error": {"message": msg, "type": "internal_server_error"}}, {}
    if kind == "refuse" or mode in server.refuse_modes:
        what = "tools" if mode == "tools" else f"response_format type {mode}"
        param = "tools" if mode == "tools" else "response_format"
        return 400, {"error": {"message": f"{what} is not supported by this server", "type": "invalid_request_error", "param": param}}, {}
    answer = server.responder(body)
    if isinstance(answer, dict):  # a full response from a custom responder
        return 200, answer, {}
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
    elif kind == "cut_quietly":
        out = completion(body, answer[: max(1, len(answer) // 2)], finish, mode)
        out["usage"]["completion_tokens"] = body.get("max_tokens") or out["usage"]["completion_tokens"]
        return 200, out, {}
    return 200, completion(body, answer, finish, mode), {}


def batch_answer(server: FakeOpenAIServer, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """(status, response body) for one batch line: the live chat answer, faults and refused modes included."""
    fault = server._next_fault(body)
    if fault and fault.kind == "hang":  # nobody waits on a batch line: answer normally
        fault = None
    elif fault and fault.kind == "reset":  # no connection to drop in a batch: a server error
        fault = Fault.of("500")
    status, payload, _ = chat_response(server, body, fault)
    return status, payload


def _run_batch(server: FakeOpenAIServer, batch: dict[str, Any]) -> None:
    store: BatchStore = server.batch_store
    lines = store.files[batch["input_file_id"]]["content"].decode("utf-8").splitlines()
    requests: list[dict[str, Any]] = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            assert isinstance(req, dict) and isinstance(req.get("custom_id"), str) and isinstance(req.get("body"), dict)
            assert req.get("url") == batch["endpoint"]
        except (ValueError, AssertionError):
            batch.update(status="failed", failed_at=int(time.time()),
                         errors={"object": "list", "data": [{"code": "invalid_request", "line": n, "message": f"line {n} is not a valid request for {batch['endpoint']}", "param": None}]})
            return
        requests.append(req)
    out, err = [], []
    for req in requests:
        store.bodies.append(req["body"])
        code, payload = batch_answer(server, req["body"])
        rid = store.new_id("batch_req")
        line = {"id": rid, "custom_id": req["custom_id"], "response": {"status_code": code, "request_id": store.new_id("req"), "body": payload}, "error": None}
        (out if code == 200 else err).append(json.dumps(line, ensure_ascii=False))
    now = int(time.time())
    for kind, rows in (("output", out), ("error", err)):
        if rows:
            f = store.add_file(f"batch_{batch['id']}_{kind}.jsonl", f"batch_{kind}", ("\n".join(rows) + "\n").encode("utf-8"))
            batch[f"{kind}_file_id"] = f["id"]
    batch.update(status="completed", in_progress_at=batch["in_progress_at"] or now, finalizing_at=now, completed_at=now,
                 request_counts={"total": len(requests), "completed": len(out), "failed": len(err)})


def _send_bytes(handler: BaseHTTPRequestHandler, data: bytes) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/octet-stream")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


_FILE = re.compile(r"^/v1/files/([^/]+)(/content)?$")
_BATCH = re.compile(r"^/v1/batches/([^/]+)(/cancel)?$")


def _public(batch: dict[str, Any]) -> dict[str, Any]:
    """A batch object as the API shows it (without the fake's own ``_`` bookkeeping)."""
    return {k: v for k, v in batch.items() if not k.startswith("_")}


def batch_get(server: FakeOpenAIServer, handler: Any) -> bool:
    """GET /v1/files/{id}[/content], /v1/batches/{id}; False when the path is not one of these."""
    store: BatchStore = server.batch_store
    path = handler.path.split("?")[0].rstrip("/")
    m = _FILE.match(path)
    if m:
        f = store.files.get(m.group(1))
        if f is None:
            handler._send(404, {"error": {"message": f"no file {m.group(1)}", "type": "invalid_request_error"}})
        elif m.group(2):
            _send_bytes(handler, f["content"])
        else:
            handler._send(200, f["object"])
        return True
    m = _BATCH.match(path)
    if m and not m.group(2):
        b = store.batches.get(m.group(1))
        if b is None:
            handler._send(404, {"error": {"message": f"no batch {m.group(1)}", "type": "invalid_request_error"}})
            return True
        with store._lock:
            if b["status"] in ("validating", "in_progress"):
                b["_polls"] += 1
                if b["_polls"] > store.polls_before_done:
                    _run_batch(server, b)
                else:
                    b.update(status="in_progress", in_progress_at=b["in_progress_at"] or int(time.time()))
        handler._send(200, _public(b))
        return True
    return False


def batch_post(server: FakeOpenAIServer, handler: Any, raw: bytes, body: Any) -> bool:
    """POST /v1/files (multipart), /v1/batches, /v1/batches/{id}/cancel; False for other paths."""
    store: BatchStore = server.batch_store
    path = handler.path.split("?")[0].rstrip("/")
    if path == "/v1/files":
        fields = _multipart(handler.headers.get("Content-Type", ""), raw)
        if "file" not in fields or "purpose" not in fields:
            handler._send(400, {"error": {"message": "multipart upload needs 'file' and 'purpose'", "type": "invalid_request_error"}})
            return True
        name, content = fields["file"]
        handler._send(200, store.add_file(name or "upload.jsonl", fields["purpose"][1].decode(), content))
        return True
    if path == "/v1/batches":
        if not isinstance(body, dict) or body.get("input_file_id") not in store.files:
            handler._send(400, {"error": {"message": "input_file_id names no uploaded file", "type": "invalid_request_error", "param": "input_file_id"}})
            return True
        now = int(time.time())
        bid = store.new_id("batch")
        store.batches[bid] = {
            "id": bid, "object": "batch", "endpoint": body.get("endpoint"), "errors": None,
            "input_file_id": body["input_file_id"], "completion_window": body.get("completion_window", "24h"),
            "status": "validating", "output_file_id": None, "error_file_id": None, "created_at": now,
            "in_progress_at": None, "expires_at": now + 86400, "finalizing_at": None, "completed_at": None,
            "failed_at": None, "expired_at": None, "cancelling_at": None, "cancelled_at": None,
            "request_counts": {"total": 0, "completed": 0, "failed": 0}, "metadata": body.get("metadata"), "_polls": 0,
        }
        handler._send(200, _public(store.batches[bid]))
        return True
    m = _BATCH.match(path)
    if m and m.group(2):
        b = store.batches.get(m.group(1))
        if b is None:
            handler._send(404, {"error": {"message": f"no batch {m.group(1)}", "type": "invalid_request_error"}})
            return True
        if b["status"] in ("validating", "in_progress"):
            b.update(status="cancelled", cancelled_at=int(time.time()))
        handler._send(200, _public(b))
        return True
    return False


EMBEDDING_DIM = 64


def embeddings_response(body: dict[str, Any]) -> dict[str, Any]:
    """One deterministic vector per input: each lowercased word adds 1 at two hashed positions."""
    inputs = body.get("input")
    inputs = [inputs] if isinstance(inputs, str) else list(inputs or [])
    data = []
    for i, text in enumerate(inputs):
        vec = [0.0] * EMBEDDING_DIM
        for word in re.findall(r"\w+", str(text).lower()):
            h = hashlib.sha256(word.encode()).digest()
            vec[h[0] % EMBEDDING_DIM] += 1.0
            vec[h[1] % EMBEDDING_DIM] += 0.5
        data.append({"object": "embedding", "index": i, "embedding": vec})
    tokens = sum(len(str(t).split()) for t in inputs)
    return {"object": "list", "data": data, "model": body.get("model", "fake-embed"),
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}


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
    ap.add_argument("--retry-after", type=float, default=None, help="Retry-After seconds sent with random 429s")
    ap.add_argument("--hang-seconds", type=float, default=30.0, help="how long a random hang lasts")
    ap.add_argument("--keep-answers", type=int, default=512, metavar="N",
                    help="answers kept (the last N articles asked): one asked again is answered without recomputing; "
                         "a benchmark that asks more articles more than once needs at least their number")
    args = ap.parse_args()
    global _rules_output, _selection_output
    _rules_output = lru_cache(maxsize=args.keep_answers)(_rules_output.__wrapped__)
    _selection_output = lru_cache(maxsize=args.keep_answers)(_selection_output.__wrapped__)
    probs = {k: float(v) for k, v in (f.split("=", 1) for f in args.fault)}
    server = FakeOpenAIServer(port=args.port, latency=args.latency, refuse_modes=set(args.refuse), fault_probs=probs, seed=args.seed,
                              fault_options={"429": {"retry_after": args.retry_after}, "hang": {"seconds": args.hang_seconds}})
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
