"""Domain errors. The CLI turns each into a one-line ``pmcoach: error: ...`` and exit 2."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0
    ERROR = 1
    BAD_INPUT = 2


class PmcoachError(Exception):
    """Base class: a problem the user can act on, reported without a traceback."""

    exit_status: ExitStatus = ExitStatus.BAD_INPUT


class ScenarioFileError(PmcoachError):
    """A scenario or archetype file cannot be read, parsed or validated."""


class UnknownProductError(PmcoachError):
    """No scenario matches the product name."""

    def __init__(self, name: str, suggestions: list[str], extra: str = "", ids: list[str] | None = None,
                 use: str = "") -> None:
        self.name = name
        self.suggestions = suggestions
        self.ids = ids or []
        hint = f"; closest: {', '.join(suggestions)}" if suggestions else ""
        how = f". Use '{use} {self.ids[0]}' for it" if use and self.ids else ""
        more = f", {extra}" if extra else ""
        super().__init__(f"{name.strip()!r} is not in the bank{hint}{how} (see 'pmcoach scenarios'{more})")


class UnknownCaseError(PmcoachError):
    """No follow-up case has this id."""


class InputError(PmcoachError):
    """Text or a file given by the user cannot be used."""
