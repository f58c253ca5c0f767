"""What a compiled query returns: its tree and its output columns (name, kind, labels, unit)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from assistant.plan.query import PERIOD, SemanticQuery
from semantic_layer.layer import Layer

__all__ = ["CompiledQuery", "OutputColumn", "output_columns"]


@dataclass(frozen=True)
class OutputColumn:
    name: str
    kind: str  # "time" | "dimension" | "metric"
    label_en: str
    label_zh: str
    unit: str | None = None


@dataclass
class CompiledQuery:
    tree: exp.Select
    columns: list[OutputColumn]
    tables: list[str] = field(default_factory=list)  # fact tables used, for freshness

    def sql(self, dialect: str = "duckdb", *, pretty: bool = False) -> str:
        return self.tree.sql(dialect=dialect, pretty=pretty)


def output_columns(layer: Layer, query: SemanticQuery) -> list[OutputColumn]:
    cols: list[OutputColumn] = []
    if query.time_grain:
        cols.append(OutputColumn(query.time_grain, "time", query.time_grain.title(), query.time_grain))
    elif query.periods:
        cols.append(OutputColumn(PERIOD, "time", "Period", "时段"))
    for d in query.dimensions:
        dim = layer.dimension(d)
        cols.append(OutputColumn(d, "dimension", dim.label.en, dim.label.zh))
    for m in query.metrics:
        metric = layer.metric(m)
        shown = layer.unit(query.units.get(m))
        if shown is not None:  # "Downtime minutes (hours)": the figure is no longer in its own unit
            cols.append(OutputColumn(m, "metric", f"{metric.label.en} ({shown.label.en})",
                                     f"{metric.label.zh}（{shown.label.zh}）", shown.name))
            continue
        cols.append(OutputColumn(m, "metric", metric.label.en, metric.label.zh, metric.unit))
    derived = query.derived_column()
    if derived:
        cols.append(_derived_column(layer, query, derived))
    return cols

def _derived_column(layer: Layer, query: SemanticQuery, name: str) -> OutputColumn:
    first = layer.metric(query.metrics[0])
    if query.share:
        return OutputColumn(name, "metric", f"{first.label.en} share", f"{first.label.zh}占比", "ratio")
    other = layer.metric(query.per or "")
    if layer.part_count(first.name, other.name):  # 'what share of delivered POs were late': a share
        return OutputColumn(name, "metric", f"{first.label.en} as a share of {other.label.en.lower()}",
                            f"{first.label.zh}占{other.label.zh}的比例", "ratio")
    return OutputColumn(name, "metric", f"{first.label.en} per {other.label.en.lower()}",
                        f"每{other.label.zh}的{first.label.zh}")
