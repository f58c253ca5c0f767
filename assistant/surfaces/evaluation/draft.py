"""`factory-assistant eval init`: a starter question file drafted from the semantic layer.

A team that connects its own database should not face an empty file. From the layer this
writes one question per metric in English and Chinese ("<metric> overall"), and a few per
dimension (broken down by it in both languages, and filtered to one of its members), each with
gold SQL compiled from the layer by the product's own compiler, in the database's dialect.

That gold SQL is a draft, not a measurement: the compiler under test wrote it, so it can only
agree with itself. Every item says `reviewed: false` and counts in no accuracy figure until a
person has read the question and the SQL, fixed what is wrong and set `reviewed: true`.
Nothing here names a metric, table or column: everything comes from the layer.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml

from assistant.core.errors import FactoryAssistantError
from assistant.plan.query import Filter, SemanticQuery
from semantic_layer.models import Dimension, Metric

if TYPE_CHECKING:
    from assistant.pipeline import Pipeline
    from assistant.understand.catalogue import Member

# Questions no layer can answer: shown once so the file has an example of `expect: refuse`.
_REFUSALS = (
    ("refuse-weather-en", "en", "What will the weather be tomorrow?"),
    ("refuse-weather-zh", "zh", "明天天气怎么样？"),
)


@dataclass
class Drafted:
    data: dict[str, Any]  # the question file, ready for yaml
    skipped: list[str] = field(default_factory=list)  # "<item id>: why" for what could not be drafted


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "item"


def _phrase(label: str) -> str:
    """A label inside an English sentence: 'Number of plants' -> 'number of plants'; 'OEE' stays."""
    return label[0].lower() + label[1:] if len(label) > 1 and not label[1].isupper() else label


def _member(pipeline: Pipeline, dimension: str, lang: str) -> Member | None:
    """The member to filter by: one whose name no other member shares (the question then names
    exactly one thing), the longest such name (the least likely to be an everyday word)."""
    members = pipeline.values.of(dimension)
    unique = [m for m in members if pipeline.values.lookup(m.label(lang)) == [m]]
    pool = unique or members
    return max(pool, key=lambda m: (len(m.label(lang)), m.key)) if pool else None


def _metric_for(pipeline: Pipeline, dimension: str) -> Metric | None:
    """The first metric of the layer that can be broken down by `dimension`."""
    layer = pipeline.layer
    return next((m for m in layer.spec.metrics if dimension in layer.metric_dimensions(m.name)), None)


class _Drafter:
    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.dialect = pipeline.executor.dialect
        self.items: list[dict[str, Any]] = []
        self.skipped: list[str] = []

    def add(self, item_id: str, lang: str, question: str, tags: list[str], query: SemanticQuery) -> None:
        try:
            sql = self.pipeline.compile(query).sql(self.dialect, pretty=True)
        except FactoryAssistantError as exc:  # a metric the compiler cannot answer this way: say so, go on
            self.skipped.append(f"{item_id}: {exc}")
            return
        self.items.append(
            {"id": item_id, "question": question, "lang": lang, "tags": tags, "gold_sql": sql + "\n", "reviewed": False}
        )

    def metric(self, m: Metric) -> None:
        tags = [m.name, "single_number", "no_time"]
        self.add(
            f"{_slug(m.name)}-en",
            "en",
            f"{m.label.en[:1].upper()}{m.label.en[1:]} overall",  # not "What is the ...": labels are often plurals
            tags,
            SemanticQuery(metrics=[m.name], locale="en"),
        )
        self.add(
            f"{_slug(m.name)}-zh", "zh", f"{m.label.zh}是多少？", tags, SemanticQuery(metrics=[m.name], locale="zh")
        )

    def dimension(self, d: Dimension, index: int) -> None:
        m = _metric_for(self.pipeline, d.name)
        if m is None:
            self.skipped.append(f"{_slug(d.name)}: no metric can be broken down by it")
            return
        by = [m.name, "group_by", f"by_{d.name}", "no_time"]
        base = f"{_slug(m.name)}-by-{_slug(d.name)}"
        self.add(
            f"{base}-en",
            "en",
            f"{m.label.en} by {_phrase(d.label.en)}",
            by,
            SemanticQuery(metrics=[m.name], dimensions=[d.name], locale="en"),
        )
        self.add(
            f"{base}-zh",
            "zh",
            f"各{d.label.zh}的{m.label.zh}",
            by,
            SemanticQuery(metrics=[m.name], dimensions=[d.name], locale="zh"),
        )
        lang = "en" if index % 2 == 0 else "zh"  # alternate, so both languages filter
        member = _member(self.pipeline, d.name, lang)
        if member is None:
            return  # too many members to catalogue, or none: no name to filter by
        name = member.label(lang)
        question = f"{m.label.en} for {name}" if lang == "en" else f"{name}的{m.label.zh}"
        self.add(
            f"{_slug(m.name)}-for-{_slug(d.name)}-{_slug(member.key)}-{lang}",
            lang,
            question,
            [m.name, f"filter_{d.name}", "no_time"],
            SemanticQuery(metrics=[m.name], filters=[Filter(field=d.name, values=[member.key])], locale=lang),
        )


def _unique_ids(items: list[dict[str, Any]]) -> None:
    """Two names can slug alike ('a_b', 'a-b'): number the later ones so ids stay unique."""
    seen: dict[str, int] = {}
    for item in items:
        n = seen.get(item["id"], 0)
        seen[item["id"]] = n + 1
        if n:
            item["id"] = f"{item['id']}-{n + 1}"


def draft_questions(pipeline: Pipeline, *, as_of: dt.date, source: str) -> Drafted:
    """The starter question file for `pipeline`'s layer and database (see the module doc)."""
    drafter = _Drafter(pipeline)
    for m in pipeline.layer.spec.metrics:
        drafter.metric(m)
    for index, d in enumerate(pipeline.layer.spec.dimensions):
        drafter.dimension(d, index)
    items = drafter.items + [
        {
            "id": i,
            "question": q,
            "lang": lang,
            "tags": ["refuse", "out_of_domain"],
            "expect": "refuse",
            "reviewed": False,
        }
        for i, lang, q in _REFUSALS
    ]
    _unique_ids(items)
    data = {
        "as_of": as_of,
        "description": f"Drafted by `factory-assistant eval init` from {source}",
        "gold_dialect": drafter.dialect,
        "items": items,
    }
    return Drafted(data, drafter.skipped)


class _Dumper(yaml.SafeDumper):
    """Multi-line SQL as a block (`|`), readable and editable by hand; no anchors (&id001) for
    lists that happen to be equal: each item is edited on its own."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)

HEADER = """\
# A starter question file, drafted by `factory-assistant eval init`. Edit it: it is yours.
#
# Every item says `reviewed: false`: its gold SQL was compiled from the semantic layer by the
# program it will grade, so it can only agree with itself. Drafts are run and shown in the
# report, but count in no accuracy figure. For each item: read the question (would a person
# ask it like that?), check the gold SQL against what the question means, fix either, then set
# `reviewed: true`. Add your own questions with gold SQL written by hand. Format: eval/README.md.
#
# Run:  factory-assistant eval --questions THIS_FILE --db DATABASE --report report.md
"""


def render_question_file(drafted: Drafted) -> str:
    body = yaml.dump(drafted.data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
    return HEADER + "\n" + body


__all__ = ["Drafted", "draft_questions", "render_question_file"]
