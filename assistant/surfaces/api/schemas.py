"""Request and response bodies of the API, as they appear in /openapi.json.

Answers are the `ask --json` shape (assistant/surfaces/shapes.py) plus the conversation id; the
models here document that shape and let contract tests check it. Unknown request fields are
refused, so a misspelt `as_of` is an error rather than silently ignored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

__all__ = ["AskRequest", "AskResponse", "ErrorBody", "Health", "MetricInfo", "MetricsResponse"]

# 'Today' far outside any factory's records is a typo, and calendar arithmetic near year 1 or
# 9999 runs off the calendar: refuse it with the range instead.
EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2999, 12, 31)


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, description="The question, in English or Chinese. At most the server's "
                                                    "`max_question_chars` characters (2000 by default).")
    conversation_id: str | None = Field(
        None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$",
        description="Continue this conversation (follow-ups use its earlier questions). Leave out to start a "
                    "new one; every answer returns the id to continue it.")
    as_of: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$", json_schema_extra={"format": "date"},
                              description="The date 'today' means, YYYY-MM-DD (default: the server's setting).")
    lang: Literal["en", "zh"] | None = Field(
        None, description="Answer in this language (default: the question's). Clarifying questions keep the "
                          "question's language.")

    @field_validator("question")
    @classmethod
    def _has_words(cls, value: str) -> str:
        if not value.strip():
            raise PydanticCustomError("empty_question", "the question is empty")
        return value

    @field_validator("as_of")
    @classmethod
    def _real_date(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError("not_a_date", "not a real date") from None
        if not EARLIEST <= day <= LATEST:
            raise PydanticCustomError("date_out_of_range", "must lie between {earliest} and {latest}",
                                      {"earliest": str(EARLIEST), "latest": str(LATEST)})
        return value

    def as_of_date(self) -> dt.date | None:
        return dt.date.fromisoformat(self.as_of) if self.as_of else None


class Option(BaseModel):
    label: str
    question: str
    value: str


class AskResponse(BaseModel):
    """The answer, exactly as `factory-assistant ask --json` prints it, plus `conversation_id`."""

    conversation_id: str
    question: str
    status: Literal["ok", "clarify", "refused", "error"]
    message: str
    interpretation: str
    semantic_query: dict[str, Any] | None
    sql: str | None
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool
    chart: dict[str, Any] | None
    planner: str
    timings_ms: dict[str, float]
    lang: str
    suggestions: list[str]
    column_labels: dict[str, str]
    column_units: dict[str, str]
    units: dict[str, dict[str, Any]]
    provenance: dict[str, Any]
    extras: dict[str, Any]
    value_labels: dict[str, dict[str, str]]
    options: list[Option] | None = Field(None, description="On a clarify answer: what to pick from; ask its "
                                                           "`question` in the same conversation.")


class Label(BaseModel):
    en: str
    zh: str


class MetricInfo(BaseModel):
    name: str
    label: Label
    description: str
    description_zh: str | None
    unit: str


class MetricsResponse(BaseModel):
    metrics: list[MetricInfo]


class Health(BaseModel):
    status: Literal["ok"]
    auth_required: bool
    mode: Literal["users", "anonymous_demo"]
    message: str
    message_zh: str
    version: str


class ErrorDetail(BaseModel):
    field: str
    problem: str
    problem_zh: str


class ErrorBody(BaseModel):
    error: str
    message: str
    message_zh: str
    details: list[ErrorDetail] | None = None
