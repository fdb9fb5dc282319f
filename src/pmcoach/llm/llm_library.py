"""A backend over Simon Willison's ``llm`` library, so its plugins (Anthropic, Gemini,
local models...) work. Optional: ``pip install 'pmcoach[llm]'``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from .base import Backend, LLMError, Message


class LLMLibrary(Backend):
    provider: ClassVar[str] = "llm"

    def __init__(self, model: str) -> None:
        super().__init__(model)
        try:
            import llm
        except ImportError:
            raise LLMError("the 'llm:' models need the llm library: pip install 'pmcoach[llm]'") from None
        self._llm = llm
        try:
            self._model: Any = llm.get_model(model)
        except llm.UnknownModelError:
            raise LLMError(f"the llm library has no model {model!r}: see 'llm models' (install a plugin, e.g. "
                           "'llm install llm-anthropic')") from None

    def _prompt(self, messages: list[Message], stream: bool) -> Any:
        system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
        convo = "\n\n".join(f"{m['role'].upper()}:\n{m['content']}" for m in messages if m["role"] != "system")
        try:
            return self._model.prompt(convo, system=system or None, stream=stream)
        except self._llm.errors.NeedsKeyException as e:
            raise LLMError(f"{self.model} needs a key: {e} (run 'llm keys set ...')") from None

    def chat(self, messages: list[Message], *, json_mode: bool = False) -> str:
        try:
            return str(self._prompt(messages, False).text())
        except LLMError:
            raise
        except Exception as e:  # noqa: BLE001 - plugins raise their own types
            raise LLMError(f"{self.model}: {type(e).__name__}: {str(e)[:200]}") from None

    def stream(self, messages: list[Message]) -> Iterator[str]:
        try:
            for chunk in self._prompt(messages, True):
                yield str(chunk)
        except LLMError:
            raise
        except Exception as e:  # noqa: BLE001
            raise LLMError(f"{self.model}: {type(e).__name__}: {str(e)[:200]}") from None
