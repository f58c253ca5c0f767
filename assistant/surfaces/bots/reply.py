"""One answer as every chat platform shows it: the sentence, a compact table, the chart as a
PNG, the clarify options as buttons, where the figures come from, and a link to the details.

Platform adapters (Slack blocks, Feishu cards, DingTalk markdown, WeCom, Teams cards) only lay
out a `ChatReply`; what it says is decided here once, so a manager reads the same answer in
every chat.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from assistant.core.units import format_value
from assistant.explain.answer import Answer
from assistant.explain.provenance_words import freshness_words, metric_meanings, period_in_words
from assistant.surfaces.shapes import options
from semantic_layer.layer import Layer

__all__ = ["MAX_TABLE_ROWS", "ChatOption", "ChatReply", "reply_from_answer", "text_reply"]

MAX_TABLE_ROWS = 10  # a phone screen's worth; the rest is behind the link and in the chart
_CELL_CHARS = 24  # one long label must not push the figures off a phone's width

_WORDS = {
    "more_rows": ("{n} more rows in the app", "另有 {n} 行，请在应用中查看"),
    "truncated": ("The result was cut at the row limit.", "结果超过行数上限，已截断。"),
    "meaning": ("What it means", "含义"),
    "filters": ("Filters", "筛选条件"),
    "period": ("Period", "时间范围"),
    "fresh": ("Data up to", "数据截至"),
    "read_as": ("Read as", "理解为"),
    "ignored": ("Words not used", "未使用的词"),
    "formula": ("Formula", "公式"),
    "none": ("none", "无"),
}


def word(key: str, lang: str, **values: Any) -> str:
    en, zh = _WORDS[key]
    return (zh if lang == "zh" else en).format(**values)


@dataclass(frozen=True)
class ChatOption:
    """A button: `label` is shown, `question` is asked when it is pressed."""

    label: str
    question: str


@dataclass(frozen=True)
class ChatReply:
    """What a bot says back. `status` is the answer's (ok, clarify, refused, error) or the bot's
    own: denied (unknown chat user), busy (rate limit or no free connection), help, alert."""

    status: str
    lang: str
    text: str
    headers: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    more_rows: int = 0
    truncated: bool = False
    chart: dict[str, Any] | None = field(default=None, repr=False)  # Vega-Lite spec
    options: tuple[ChatOption, ...] = ()
    provenance: tuple[tuple[str, str], ...] = ()  # (label, text) lines, for "how was this computed"
    sql: str = ""
    link: str = ""
    question: str = ""
    scope_note: str = ""

    @property
    def has_table(self) -> bool:
        return bool(self.headers and self.rows)

    @cached_property
    def chart_png(self) -> bytes | None:
        """The chart as PNG (vl-convert, fonts with Chinese glyphs), made once and only when asked."""
        if self.chart is None:
            return None
        from assistant.explain.chart_png import chart_png  # vl-convert loads only for a chart

        try:
            return chart_png(self.chart, self.lang)
        except Exception:
            return None

    def table_text(self) -> str:
        """The table in a fixed-width block (for ``` fences): columns padded by display width,
        so Chinese labels (two cells wide) stay aligned."""
        if not self.has_table:
            return ""
        grid = [list(self.headers), *[list(r) for r in self.rows]]
        widths = [max(_width(row[i]) for row in grid) for i in range(len(self.headers))]
        numeric = [all(_numeric(r[i]) for r in self.rows) for i in range(len(self.headers))]
        lines = []
        for n, row in enumerate(grid):
            cells = [_pad(cell, widths[i], right=numeric[i] and n > 0) for i, cell in enumerate(row)]
            lines.append("  ".join(cells).rstrip())
        return "\n".join(lines)

    def provenance_text(self, *, with_sql: bool = True) -> str:
        lines = [f"{label}: {text}" for label, text in self.provenance]
        if with_sql and self.sql:
            lines.append(f"SQL:\n{self.sql}")
        return "\n".join(lines)


def text_reply(status: str, lang: str, text: str, *, options_: tuple[ChatOption, ...] = ()) -> ChatReply:
    return ChatReply(status=status, lang=lang, text=text, options=options_)


def reply_from_answer(answer: Answer, layer: Layer | None, *, app_url: str | None = None,
                      scope_note: str = "") -> ChatReply:
    lang = answer.lang
    picks = tuple(ChatOption(str(o["label"]), str(o["question"])) for o in options(answer))
    text = answer.message
    if answer.status != "ok":
        return ChatReply(status=answer.status, lang=lang, text=text, options=picks, question=answer.question,
                         link=_link(app_url, answer.question, lang))
    headers, rows = _table(answer)
    return ChatReply(
        status="ok", lang=lang, text=text, headers=headers, rows=rows,
        more_rows=max(0, len(answer.rows) - len(rows)), truncated=answer.truncated, chart=answer.chart,
        options=picks, provenance=_provenance(answer, layer, lang), sql=_sql(answer),
        link=_link(app_url, answer.question, lang), question=answer.question, scope_note=scope_note)


def _table(answer: Answer) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    if not answer.columns or not answer.rows:
        return (), ()
    # A single figure is the sentence already; a table of one cell adds nothing on a phone.
    if len(answer.columns) == 1 and len(answer.rows) == 1:
        return (), ()
    headers = tuple(_cut(answer.column_labels.get(c, c)) for c in answer.columns)
    rows = tuple(
        tuple(_cut(format_value(v, answer.unit_of(c), answer.lang)) for c, v in zip(answer.columns, row, strict=True))
        for row in answer.shown_rows()[:MAX_TABLE_ROWS])
    return headers, rows


def _provenance(answer: Answer, layer: Layer | None, lang: str) -> tuple[tuple[str, str], ...]:
    prov = answer.provenance
    lines: list[tuple[str, str]] = [(f"{word('meaning', lang)} · {label}", text)
                                    for label, text in metric_meanings(answer, lang) if text]
    lines.append((word("filters", lang), "; ".join(prov.filters) if prov.filters else word("none", lang)))
    if answer.semantic_query is not None or prov.time_range:
        lines.append((word("period", lang), period_in_words(answer, lang)))
    if prov.freshness:
        lines.append((word("fresh", lang), freshness_words(prov.freshness, layer, lang)))
    if answer.interpretation:
        lines.append((word("read_as", lang), answer.interpretation))
    if prov.not_understood:
        lines.append((word("ignored", lang), ", ".join(prov.not_understood)))
    for m in prov.metrics:
        if m.get("formula"):
            label = (m.get("label_zh") if lang == "zh" else None) or m.get("label") or ""
            lines.append((f"{word('formula', lang)} · {label}", str(m["formula"])))
    return tuple(lines)


def _sql(answer: Answer) -> str:
    queries = answer.extras.get("queries") or []
    if queries:  # a "why" answer ran several statements
        return "\n\n".join(f"-- {q.get('what', '')}\n{q.get('sql', '')}" for q in queries)
    return answer.sql or ""


def _link(app_url: str | None, question: str, lang: str) -> str:
    """The app, asked the same question (the Ask page reads `?q=`); '' without an app address."""
    if not app_url or not question:
        return ""
    return f"{app_url.rstrip('/')}/?{urlencode({'q': question, 'lang': lang})}"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, *, right: bool) -> str:
    gap = " " * (width - _width(text))
    return gap + text if right else text + gap


def _cut(value: Any) -> str:
    text = "" if value is None else str(value)
    text = " ".join(text.split())
    return text if len(text) <= _CELL_CHARS else text[: _CELL_CHARS - 1] + "…"


def _numeric(text: str) -> bool:
    stripped = text.replace(",", "").replace("%", "").replace("¥", "").replace("$", "").strip()
    try:
        float(stripped.split()[0] if stripped else "x")
    except ValueError:
        return False
    return True
