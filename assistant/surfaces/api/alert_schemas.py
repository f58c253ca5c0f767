"""Request and response bodies of /v1/alerts, as they appear in /openapi.json.

A rule is shown as people read it (its words in the caller's language, on / muted / snoozed), with
the fields a program needs to act on it (id, whether the caller may change it); its condition in
full stays in the alerts file or the state database, where the rule model validates it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

__all__ = ["RULE_ID", "AlertChange", "AlertCreate", "AlertInfo", "AlertsResponse", "IncidentInfo"]

RULE_ID = r"^[a-z0-9][a-z0-9_-]{0,63}$"  # as AlertRule accepts ids (assistant/alerts/rules.py)


class AlertCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sentence: str = Field(min_length=1, description="What to be told about, in English or Chinese, e.g. \"alert me "
                                                    "when <a metric> falls below <a value>\" or "
                                                    "\"<指标>低于<数值>时提醒我\". At most the server's "
                                                    "`max_question_chars` characters.")
    lang: Literal["en", "zh"] | None = Field(
        None, description="The language the alert speaks (its notifications and the words returned). Default: "
                          "the sentence's.")

    @field_validator("sentence")
    @classmethod
    def _has_words(cls, value: str) -> str:
        if not value.strip():
            raise PydanticCustomError("empty_text", "the sentence is empty")
        return value


class AlertInfo(BaseModel):
    id: str
    name: str
    text: str = Field(description="The rule in words, in the language asked for.")
    metric: str
    state: Literal["on", "muted", "snoozed"]
    snoozed_until: str | None = Field(None, description="ISO date-time: checks go on, nobody is told until then.")
    source: str = Field(
        description="'file': the alerts file (change it there); 'app' or 'chat': made in the app, chat or this API.")
    owner: str | None
    recipients: list[str]
    lang: Literal["en", "zh"] = Field(description="The language its notifications are written in.")
    every_minutes: int
    editable: bool = Field(description="Whether you may mute, unmute or delete it here.")


class IncidentInfo(BaseModel):
    id: int
    rule_id: str
    member: str = Field(description="Which member breached ('' for the rule as a whole).")
    member_label: str
    period: str = Field(description="First day of the period that breached.")
    opened_at: str | None
    value: float | None
    reference: float | None = Field(None, description="The limit, previous value or usual value it was held to.")
    message: str = Field(description="What it said, in the language asked for.")


class AlertsResponse(BaseModel):
    lang: Literal["en", "zh"]
    rules: list[AlertInfo]
    incidents: list[IncidentInfo] = Field(description="Open incidents of these rules, newest first.")


class AlertChange(BaseModel):
    """What a create, mute, unmute or delete did, in both languages, and the rule as it now is."""

    message: str
    message_zh: str
    rule: AlertInfo
