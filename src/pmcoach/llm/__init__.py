"""Optional LLM backends. pmcoach works fully without one; with one, the interviewer
speaks more naturally and feedback gains prose, behind the guards in ``assist``."""

from .assist import Assist, Outcome
from .base import Backend, LLMError
from .config import backend, configured, resolve

__all__ = ["Assist", "Backend", "LLMError", "Outcome", "backend", "configured", "resolve"]
