"""A real HTTP server on 127.0.0.1 that speaks the chat-completions protocol, with scripted
replies and injected faults. Used by the LLM tests and benchmarks (not a mock of a client)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Handler = Callable[[dict[str, Any]], str]


def echo_reword(body: dict[str, Any]) -> str:
    """Default behaviour: reword lines by prefixing them; answer JSON requests sensibly."""
    last = body["messages"][-1]["content"]
    if "LINE: " in last:
        return "So, " + last.split("LINE: ", 1)[1]
    if '"dimensions"' in last:
        return json.dumps({"dimensions": ["platform"]})
    if '"summary"' in last:
        return json.dumps({"summary": "Solid structure.", "strengths": ["clear north star"], "improvements": ["guardrails"],
                           "score_changes": []})
    return "ready"


class FakeLLM:
    def __init__(self, handler: Handler = echo_reword, delay: float = 0.0) -> None:
        self.handler = handler
        self.delay = delay
        self.script: list[dict[str, Any]] = []  # faults to inject, in order, before the handler
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        fake = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                n = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(n) or b"{}")
                with fake.lock:
                    fake.requests.append(body)
                    step = fake.script.pop(0) if fake.script else {"type": "ok"}
                if fake.delay:
                    time.sleep(fake.delay)
                fake._serve(self, body, step)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> FakeLLM:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ behaviours

    def _serve(self, h: BaseHTTPRequestHandler, body: dict[str, Any], step: dict[str, Any]) -> None:
        kind = step["type"]
        if kind == "status":
            payload = json.dumps({"error": {"message": step.get("message", "injected fault")}}).encode()
            h.send_response(step["code"])
            if "retry_after" in step:
                h.send_header("Retry-After", str(step["retry_after"]))
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(payload)))
            h.end_headers()
            h.wfile.write(payload)
            return
        if kind == "slow":
            time.sleep(step["seconds"])
        content = step.get("content") or self.handler(body)
        if kind == "broken_json":
            self._raw(h, 200, b'{"choices": [{"message": {"content": "unterminated', "application/json")
            return
        if kind == "wrong_shape":
            self._raw(h, 200, json.dumps({"result": content}).encode(), "application/json")
            return
        if body.get("stream"):
            pieces = [content[i:i + 7] for i in range(0, len(content), 7)]
            h.send_response(200)
            h.send_header("Content-Type", "text/event-stream")
            h.send_header("Connection", "close")
            h.end_headers()
            cut = kind == "cut_stream"
            for i, p in enumerate(pieces):
                if cut and i >= max(1, len(pieces) // 2):
                    break
                chunk = {"choices": [{"delta": {"content": p}, "index": 0}]}
                h.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                h.wfile.flush()
            if not cut:
                h.wfile.write(b"data: [DONE]\n\n")
            h.close_connection = True
            return
        reply = {"id": "x", "object": "chat.completion", "model": body.get("model"),
                 "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
                 "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}}
        self._raw(h, 200, json.dumps(reply).encode(), "application/json")

    @staticmethod
    def _raw(h: BaseHTTPRequestHandler, code: int, payload: bytes, ctype: str) -> None:
        h.send_response(code)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(payload)))
        h.end_headers()
        h.wfile.write(payload)
