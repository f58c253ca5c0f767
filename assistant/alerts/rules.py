"""Alert rules: one validated model, whether a rule comes from a YAML file under version control,
from the app's state database or from a sentence in chat.

    rules:
      - id: ningbo-line-oee
        metric: oee
        filters: [{field: plant, values: [NB]}]
        by: line                       # check each line on its own ("any Ningbo line")
        grain: day
        condition: {kind: threshold, op: "<", value: 75%}
        recipients: [user:li_wei, webhook:ningbo-ops]
        owner: li_wei                  # whose access scope the rule is evaluated under
    channels:
      ningbo-ops: {type: feishu, url: "https://open.feishu.cn/...", secret_env: FEISHU_SECRET}

Three kinds of condition: a threshold on the latest complete period, a change against the
period before, and an anomaly (outside median +/- k x scaled MAD of the trailing periods, with
a minimum volume so that tiny denominators do not fire). Every name is checked against the
layer, so a rule fails when it is loaded, with a suggestion, not at three in the morning.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.alerts.briefing_config import BriefingSettings
from assistant.core.errors import ConfigError, QueryError, did_you_mean
from assistant.plan.query import Filter
from semantic_layer.layer import Layer
from semantic_layer.models import GRAINS

__all__ = ["AlertRule", "AlertsFile", "Anomaly", "Change", "Channel", "Threshold", "check_rule", "load_alerts_file",
           "parse_alerts"]

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_MAX_PERIODS = {"day": 400, "week": 120, "month": 60, "quarter": 24, "year": 10}  # what 10 years of data hold


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _number(value: Any) -> float:
    """75, 0.75 and '75%' as written; percent signs divide by 100."""
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        try:
            return float(text[:-1]) / 100 if text.endswith("%") else float(text)
        except ValueError:
            raise ValueError(f"'{value}' is not a number (write 75% or 0.75)") from None
    return float(value)


class Threshold(_Strict):
    kind: Literal["threshold"] = "threshold"
    op: Literal["<", "<=", ">", ">="]
    value: float

    _n = field_validator("value", mode="before")(_number)


class Change(_Strict):
    """The latest period against the one before: `pct` relative (0.3 = 30%), or `points` absolute."""

    kind: Literal["change"] = "change"
    direction: Literal["up", "down", "either"] = "either"
    pct: float | None = Field(default=None, gt=0)
    points: float | None = Field(default=None, gt=0)

    _n = field_validator("pct", "points", mode="before")(lambda v: None if v is None else _number(v))


class Anomaly(_Strict):
    """Outside median +/- k x 1.4826 x MAD of the `baseline` periods before the latest one."""

    kind: Literal["anomaly"] = "anomaly"
    direction: Literal["up", "down", "either"] = "either"
    k: float = Field(default=3.0, gt=0, le=20)
    baseline: int = Field(default=8, ge=4, le=400)
    volume_metric: str | None = None  # e.g. total_output: periods with less than min_volume are skipped
    min_volume: float = Field(default=0, ge=0)
    # The least distance from the median that counts: counts of rare events (2 breakdowns a
    # month) have a MAD of 0 or 1, and one extra event must not page anyone.
    min_delta: float = Field(default=0, ge=0)


Condition = Annotated[Threshold | Change | Anomaly, Field(discriminator="kind")]


class AlertRule(_Strict):
    id: str
    name: str = ""
    metric: str
    filters: list[Filter] = Field(default_factory=list)
    by: str | None = None
    grain: str | None = "day"  # None: a snapshot figure with no dates (checked as it stands)
    condition: Condition
    recipients: list[str] = Field(default_factory=list)
    owner: str | None = None
    lang: Literal["en", "zh"] = "en"
    every_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)
    muted: bool = False
    snoozed_until: str | None = None  # ISO date-time; checks still run, nothing is sent until then
    source: str = "file"  # file | app | chat

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("ids are lower-case letters, digits, '-' and '_' (at most 64)")
        return value

    @field_validator("recipients")
    @classmethod
    def _recipients(cls, value: list[str]) -> list[str]:
        for r in value:
            kind, _, name = r.partition(":")
            if kind not in ("user", "webhook", "slack") or not name:
                raise ValueError(f"recipient '{r}' must be user:<name>, webhook:<channel> or slack:<channel id>")
        return value


class Channel(_Strict):
    """A delivery channel: a chat platform's incoming webhook, or a generic signed webhook."""

    type: Literal["feishu", "dingtalk", "wecom", "teams", "slack", "generic"]
    url: str
    secret_env: str | None = None  # the signing secret is read from this environment variable


class AlertsFile(_Strict):
    rules: list[AlertRule] = Field(default_factory=list)
    channels: dict[str, Channel] = Field(default_factory=dict)
    briefing: BriefingSettings | None = None  # the daily briefing (assistant/alerts/briefing.py)


def check_rule(rule: AlertRule, layer: Layer, channels: dict[str, Channel] | None = None) -> AlertRule:
    """Every name against the layer, every value against the metric's unit; returns the rule."""
    where = f"alert '{rule.id}'"
    if rule.metric not in layer.metrics:
        raise QueryError(f"{where}: unknown metric '{rule.metric}'.",
                         suggestion=did_you_mean(rule.metric, layer.metrics))
    groupable = set(layer.metric_dimensions(rule.metric))
    for f in rule.filters:
        if f.field not in layer.dimensions:
            raise QueryError(f"{where}: unknown dimension '{f.field}' in filters.",
                             suggestion=did_you_mean(f.field, layer.dimensions))
    if rule.by is not None and rule.by not in groupable:
        raise QueryError(f"{where}: '{rule.metric}' cannot be checked per '{rule.by}'.",
                         suggestion="It can be checked per " + ", ".join(sorted(groupable)) + ".")
    if rule.grain is None:
        if not isinstance(rule.condition, Threshold):
            raise QueryError(f"{where}: without a grain there are no periods to compare; only a threshold works.",
                             suggestion="Set grain: day, week or month, or use a threshold.")
    elif rule.grain not in GRAINS:
        raise QueryError(f"{where}: the data has no '{rule.grain}' periods; the finest is a day.",
                         suggestion="Use grain day, week, month, quarter or year.")
    _check_condition(rule, layer, where)
    for r in rule.recipients:
        kind, _, name = r.partition(":")
        if kind == "webhook" and channels is not None and name not in channels:
            raise ConfigError(f"{where}: no channel '{name}' is configured.",
                              suggestion=did_you_mean(name, channels) or "Add it under channels:.")
    return rule


def _check_condition(rule: AlertRule, layer: Layer, where: str) -> None:
    condition = rule.condition
    unit = layer.unit(layer.metric(rule.metric).unit)
    if isinstance(condition, Threshold) and unit is not None and unit.kind == "ratio" \
            and not 0 <= condition.value <= 1:
        raise QueryError(f"{where}: {condition.value:.0%} is not a possible value of a ratio (0% to 100%).",
                         suggestion="Write the threshold as a percentage, e.g. 75%.")
    if isinstance(condition, Change) and (condition.pct is None) == (condition.points is None):
        raise QueryError(f"{where}: a change needs exactly one of pct (e.g. 30%) or points.")
    if isinstance(condition, Anomaly) and rule.grain is not None:
        if condition.baseline > _MAX_PERIODS[rule.grain]:
            raise QueryError(f"{where}: {condition.baseline} {rule.grain}s of baseline is more than the data can "
                             "hold.", suggestion=f"Use at most {_MAX_PERIODS[rule.grain]}, or a coarser grain.")
        if condition.volume_metric is not None and condition.volume_metric not in layer.metrics:
            raise QueryError(f"{where}: unknown volume metric '{condition.volume_metric}'.",
                             suggestion=did_you_mean(condition.volume_metric, layer.metrics))


def parse_alerts(data: Any, layer: Layer, *, origin: str = "alerts") -> AlertsFile:
    """Validate a mapping {rules, channels} against the model and the layer."""
    try:
        parsed = AlertsFile.model_validate(data or {})
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise ConfigError(f"{origin}: {loc}: {err['msg']}.") from None
    ids = [r.id for r in parsed.rules]
    if len(ids) != len(set(ids)):
        twice = sorted({i for i in ids if ids.count(i) > 1})
        raise ConfigError(f"{origin}: rule ids must be unique ({', '.join(twice)}).")
    for rule in parsed.rules:
        check_rule(rule, layer, parsed.channels)
    return parsed


def load_alerts_file(path: str | Path, layer: Layer) -> AlertsFile:
    file = Path(path)
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"The alerts file {file} does not exist.", suggestion="Check FA_ALERTS.") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"The alerts file {file} is not valid YAML: {exc}.") from None
    return parse_alerts(data, layer, origin=file.name)
