"""The JSON API's request and response bodies (they make the OpenAPI schema)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StartIn(_In):
    product: str | None = Field(default=None, description="A product in the bank (matched loosely); omit to be surprised.",
                                max_length=200)
    followup: str | None = Field(default=None, description="Start directly at this follow-up case id.", max_length=200)
    timed: StrictBool = Field(default=False, description="A 45-minute interview with a budget per stage.")


class TurnIn(_In):
    text: str = Field(min_length=1, description="What the candidate says (at most 20,000 characters), or a command: "
                                  "/hint, /skip, /time, /help.")


class Credentials(_In):
    email: str = Field(max_length=320)
    password: str = Field(max_length=4096)
    invite: str | None = Field(default=None, max_length=200,
                               description="Sign-up only, when sign-up is by invitation: the link's token.")


class PasswordIn(_In):
    current: str = Field(max_length=4096)
    new: str = Field(max_length=4096)


class ErrorOut(BaseModel):
    error: str
    field: str | None = None
    detail: list[dict[str, Any]] | None = None


class CaseOut(BaseModel):
    id: str
    title: str
    kind: str


class ScenarioOut(BaseModel):
    id: str
    product: str
    company: str
    kind: str
    scope: str = "product"  # "feature": one part of a larger product
    tradeoffs: list[CaseOut]
    troubleshooting: list[CaseOut]
    cases: list[CaseOut] = []  # every follow-up case, of every type (filtered by ?type=)


class UserOut(BaseModel):
    user_id: str | None
    email: str | None
    accounts: bool = Field(description="Whether this server requires accounts.")


class SessionSummary(BaseModel):
    session_id: str
    date: str
    scenario: str
    product: str
    status: str
    overall: float | None
    followups: list[str]
    scores: dict[str, int | None]


class HomeOut(BaseModel):
    scenarios: list[ScenarioOut]
    resume: SessionSummary | None
    user: UserOut


class TurnOut(BaseModel):
    seq: int
    role: str
    stage: str
    text: str
    kind: str | None
    analysis: dict[str, Any]


class FactOut(BaseModel):
    dimension: str
    fact: str


class GameOut(BaseModel):
    """The troubleshooting game so far: what was asked and what the interviewer revealed."""

    case_id: str
    prompt: str
    metric: str
    change: str
    checklist: dict[str, list[str]]
    asked: list[str]
    facts: list[FactOut]
    questions: int
    hints_used: int


class StateOut(BaseModel):
    session_id: str
    scenario: str
    product: str
    status: str
    stage: str
    stages: list[str]
    finished: bool
    timed: bool
    created_at: float
    elapsed_s: float
    budget_left_s: float | None
    game: GameOut | None
    links: dict[str, str]


class SessionOut(StateOut):
    turns: list[TurnOut]


class StartOut(SessionOut):
    why: str


class TurnReplyOut(BaseModel):
    candidate: TurnOut
    reply: TurnOut
    state: StateOut


class HistoryOut(BaseModel):
    sessions: list[SessionSummary]
    progress: dict[str, Any]


class SignedIn(BaseModel):
    user_id: str
    email: str
    token: str = Field(description="Send as 'Authorization: Bearer TOKEN' (or keep the cookie).")
    csrf_token: str = Field(description="Send as 'X-CSRF-Token' on writes authenticated by the cookie.")


class SignedUp(BaseModel):
    email: str
    message: str


class Health(BaseModel):
    ok: bool
    database: str | None = Field(default=None, description="Admins only, and the local user.")
    schema_version: int | None = None
    accounts: bool | None = None
    worker: int | None = None
