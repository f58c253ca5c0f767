"""The `briefing:` section of the alerts file: when the daily briefing goes out, to whom, in which
language, and which figures it leads with.

    briefing:
      time: "07:30"                   # local time of the machine running `alerts run`
      recipients:
        - user:demo                   # English
        - {to: "user:li_wei", lang: zh}
        - {to: "webhook:ningbo-ops", lang: zh, user: li_wei}   # a channel, read with li_wei's access
      metrics: [oee, scrap_rate]      # optional: default, the metrics of the layer's verified questions
      movers: 3                       # how many of the biggest movers to list

Kept apart from rules.py so the model has no dependencies: rules.py only names it in AlertsFile.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["BriefingRecipient", "BriefingSettings"]

_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class BriefingRecipient(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: str
    lang: Literal["en", "zh"] = "en"
    user: str | None = None  # whose access scope the briefing is read under (default: the user it goes to)

    @field_validator("to")
    @classmethod
    def _to(cls, value: str) -> str:
        kind, _, name = value.partition(":")
        if kind not in ("user", "webhook", "slack") or not name:
            raise ValueError(f"recipient '{value}' must be user:<name>, webhook:<channel> or slack:<channel id>")
        return value

    @property
    def scope_user(self) -> str | None:
        if self.user:
            return self.user
        kind, _, name = self.to.partition(":")
        return name if kind == "user" else None


class BriefingSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    time: str = "07:30"
    recipients: list[BriefingRecipient] = Field(default_factory=list)
    metrics: list[str] = Field(default_factory=list)
    movers: int = Field(default=3, ge=0, le=10)

    @field_validator("time")
    @classmethod
    def _time(cls, value: str) -> str:
        if not _TIME.match(value.strip()):
            raise ValueError(f"'{value}' is not a time of day; write it as HH:MM, e.g. \"07:30\"")
        return value.strip()

    @field_validator("recipients", mode="before")
    @classmethod
    def _plain(cls, value: Any) -> Any:
        """A bare 'user:demo' is that recipient in English."""
        if isinstance(value, list):
            return [{"to": v} if isinstance(v, str) else v for v in value]
        return value

    @property
    def hour_minute(self) -> tuple[int, int]:
        hour, minute = self.time.split(":")
        return int(hour), int(minute)
