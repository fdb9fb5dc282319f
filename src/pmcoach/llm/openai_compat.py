"""OpenAI-compatible chat completions over plain HTTP: OpenAI, Ollama, llama.cpp server,
vLLM and LM Studio all speak it. Standard library only."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from .base import Backend, LLMError, Message

RETRYABLE = {408, 409, 425, 429, 500, 502, 503, 504}


class CompatOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_url: str
    model: str
    api_key: str | None = None
    key_hint: str = Field(default="PMCOACH_LLM_API_KEY", description="What to set when the server wants a key.")
    timeout: float = Field(default=30.0, gt=0)
    max_retries: int = Field(default=2, ge=0, le=6)
    backoff: float = Field(default=0.5, ge=0)
    temperature: float = Field(default=0.3, ge=0, le=2)
    max_tokens: int = Field(default=600, gt=0)


class OpenAICompatible(Backend):
    provider: ClassVar[str] = "openai-compatible"

    def __init__(self, options: CompatOptions) -> None:
        super().__init__(options.model)
        self.o = options
        self.url = options.base_url.rstrip("/") + "/chat/completions"

    # ------------------------------------------------------------------ http

    def _request(self, body: dict[str, Any]) -> Any:
        headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
        if self.o.api_key:
            headers["Authorization"] = f"Bearer {self.o.api_key}"
        req = urllib.request.Request(self.url, data=json.dumps(body).encode(), headers=headers, method="POST")
        return urllib.request.urlopen(req, timeout=self.o.timeout)  # noqa: S310 - the user's own server

    def _with_retries(self, body: dict[str, Any]) -> Any:
        last = ""
        for attempt in range(self.o.max_retries + 1):
            if attempt:
                time.sleep(min(8.0, self.o.backoff * (2 ** (attempt - 1))))
            try:
                return self._request(body)
            except urllib.error.HTTPError as e:
                detail = _error_detail(e)
                if e.code in (401, 403):
                    raise LLMError(f"{self.o.base_url} refused the key ({e.code}): set {self.o.key_hint}") from None
                if e.code == 404:
                    raise LLMError(f"{self.o.base_url} has no model {self.model!r} (404){detail}") from None
                if e.code not in RETRYABLE:
                    raise LLMError(f"{self.o.base_url} answered {e.code}{detail}") from None
                last = f"HTTP {e.code}{detail}"
                retry_after = e.headers.get("Retry-After") if e.headers else None
                if retry_after and retry_after.replace(".", "", 1).isdigit():
                    time.sleep(min(float(retry_after), 5.0))
            except TimeoutError:
                last = f"no answer within {self.o.timeout:g} s"
            except urllib.error.URLError as e:
                reason = getattr(e, "reason", e)
                if isinstance(reason, (TimeoutError, socket.timeout)):
                    last = f"no answer within {self.o.timeout:g} s"
                else:
                    last = f"cannot connect ({reason})"
            except (ConnectionError, OSError) as e:
                last = f"connection failed ({e})"
        raise LLMError(f"{self.o.base_url}: {last} after {self.o.max_retries + 1} tries; is the server running? "
                       "(e.g. 'ollama serve', or set PMCOACH_LLM_BASE_URL)")

    # ------------------------------------------------------------------ calls

    def _body(self, messages: list[Message], stream: bool, json_mode: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": self.o.temperature,
            "max_tokens": self.o.max_tokens,
            "stream": stream,
        }
        if json_mode:
            body["response_format"] = {"type": "json_object"}
        return body

    def chat(self, messages: list[Message], *, json_mode: bool = False) -> str:
        for attempt in range(2):
            resp = self._with_retries(self._body(messages, False, json_mode))
            try:
                with resp:
                    raw = resp.read()
                data = json.loads(raw)
                content = data["choices"][0]["message"]["content"]
                if not isinstance(content, str):
                    raise TypeError("content is not text")
                return content
            except (OSError, TimeoutError) as e:
                err = f"the reply broke off ({e})"
            except (ValueError, KeyError, IndexError, TypeError) as e:
                err = f"the reply was not a chat completion ({type(e).__name__})"
            if attempt == 0:
                continue
            raise LLMError(f"{self.o.base_url}: {err}")
        raise LLMError("unreachable")  # pragma: no cover

    def stream(self, messages: list[Message]) -> Iterator[str]:
        resp = self._with_retries(self._body(messages, True))
        done = False
        got_any = False
        try:
            with resp:
                ctype = resp.headers.get("Content-Type", "")
                if "text/event-stream" not in ctype:
                    # some servers ignore stream=true: take the whole reply
                    data = json.loads(resp.read())
                    yield str(data["choices"][0]["message"]["content"])
                    return
                for raw in resp:
                    line = raw.decode("utf-8", "replace").strip()
                    if not line.startswith("data:"):
                        continue
                    payload = line[5:].strip()
                    if payload == "[DONE]":
                        done = True
                        break
                    chunk = json.loads(payload)
                    delta = chunk["choices"][0].get("delta", {}).get("content")
                    if delta:
                        got_any = True
                        yield delta
        except (OSError, TimeoutError) as e:
            raise LLMError(f"{self.o.base_url}: the stream broke off ({e})") from None
        except (ValueError, KeyError, IndexError) as e:
            raise LLMError(f"{self.o.base_url}: a malformed stream chunk ({type(e).__name__})") from None
        if not done:
            raise LLMError(f"{self.o.base_url}: the stream was cut before it finished"
                           + ("" if got_any else " (no text at all)"))


def _error_detail(e: urllib.error.HTTPError) -> str:
    try:
        body = e.read(400).decode("utf-8", "replace")
        msg = json.loads(body).get("error", {})
        msg = msg.get("message") if isinstance(msg, dict) else msg
        return f": {str(msg)[:160]}" if msg else ""
    except Exception:  # noqa: BLE001 - the detail is a nicety
        return ""
