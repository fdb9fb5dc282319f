"""The backend interface: a chat model that answers, or streams, a list of messages."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import ClassVar

from ..errors import PmcoachError

Message = dict[str, str]


class LLMError(PmcoachError):
    """The model could not be reached or did not answer usefully. Callers fall back to
    the engine; the CLI reports it in one line with what to set or start."""


class Backend(ABC):
    """A configured chat model. Subclasses declare ``provider`` and implement both calls;
    each call retries transient faults itself and raises LLMError when it gives up."""

    provider: ClassVar[str] = "base"

    def __init__(self, model: str) -> None:
        self.model = model

    @property
    def label(self) -> str:
        return f"{self.provider}:{self.model}"

    @abstractmethod
    def chat(self, messages: list[Message], *, json_mode: bool = False) -> str:
        """The whole reply."""

    @abstractmethod
    def stream(self, messages: list[Message]) -> Iterator[str]:
        """The reply in pieces as they arrive. Raises LLMError if the stream breaks."""
