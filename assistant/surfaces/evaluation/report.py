"""Write an evaluation run: results.json, a markdown report and an accuracy-by-tag PNG."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from assistant.surfaces.evaluation.gold import UNTRANSPILABLE
from assistant.surfaces.evaluation.runner import EvalRun, ItemResult
from assistant.surfaces.evaluation.summary import not_scored_line
from semantic_layer.safe_write import write_atomic

NOTO_FONT_DIR = Path("/usr/share/fonts/opentype/noto")  # fonts-noto-cjk: Chinese tags render


def _atomic_write(path: Path, data: bytes) -> None:
    # Readers (CI dashboards, the gate) must never see a half-written file, and two runs
    # writing the same report must not interleave: locked, unique temp file, rename.
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, data)


def write_results_json(run: EvalRun, path: str | os.PathLike[str]) -> Path:
    """results.json = {"summary": {...}, "items": [...]} (UTF-8, Chinese kept readable)."""
    out = Path(path)
    if out.is_dir():
        out = out / "results.json"
    _atomic_write(out, (json.dumps(run.to_json(), ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    return out


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _cell(text: Any) -> str:
    """Markdown table cells cannot hold pipes or newlines."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _fence(text: str | None, lang: str = "sql") -> str:
    body = (text or "").strip() or "(none)"
    ticks = "```" if "```" not in body else "````"
    return f"{ticks}{lang}\n{body}\n{ticks}"


def _group_table(title: str, groups: dict[str, dict[str, Any]], label: str) -> list[str]:
    lines = [f"## {title}", "", f"| {label} | accuracy | correct | n |", "|---|---:|---:|---:|"]
    for key, stats in sorted(groups.items(), key=lambda kv: (kv[1]["accuracy"], kv[0])):
        lines.append(f"| {_cell(key)} | {_pct(stats['accuracy'])} | {stats['correct']} | {stats['n']} |")
    return [*lines, ""]


def _value(value: Any) -> str:
    if value is None:
        return "∅"
    # Ten significant digits: the comparator's tolerance is 1e-6, so a real difference shows.
    return _cell(f"{value:.10g}" if isinstance(value, float) else value)


def _row_diff(diff: dict[str, Any]) -> list[str]:
    """The first differing rows as a table: gold above, the answer's row with the same labels below."""
    cols = diff["columns"]
    heads = [c if a is None or a == c else f"{c} ← {a}" for c, a in zip(cols, diff["answer_columns"], strict=True)]
    lines = [f"First differing rows ({diff['gold_only']} gold row(s) missing from the answer, "
             f"{diff['answer_only']} answer row(s) not in the gold result):", "",
             "| | " + " | ".join(_cell(h) for h in heads) + " |", "|---|" + "---|" * len(cols)]
    for pair in diff["rows"]:
        for side in ("gold", "answer"):  # a row with no partner on the other side stands alone
            if pair[side] is not None:
                lines.append(f"| {side} | " + " | ".join(_value(v) for v in pair[side]) + " |")
    return [*lines, ""]


def _failure(item: ItemResult) -> list[str]:
    lines = [f"### {_cell(item.id)}: {_cell(item.question)}", ""]
    lines.append(f"- lang: {item.lang}; tags: {', '.join(item.tags) or '–'}; status: `{item.status}`; "
                 f"planner: {item.planner}" + (f"; as of {item.as_of}" if item.as_of else ""))
    if item.context:
        lines.append("- context: " + " → ".join(f"“{_cell(c)}”" for c in item.context))
    lines.append(f"- reason: {_cell(item.reason)}")
    if item.error and item.error not in item.reason:
        lines.append(f"- error: {_cell(item.error)}")
    lines += ["", "Assistant SQL:", "", _fence(item.sql), ""]
    if item.expect == "refuse":
        lines += ["Expected: a refusal.", ""]
    elif item.expect == "clarify":
        lines += ["Expected: a question back (no single reading).", ""]
    else:
        lines += ["Gold SQL:", "", _fence(item.gold_sql), ""]
        if item.gold_sql_run:
            lines += ["Gold SQL as run (transpiled):", "", _fence(item.gold_sql_run), ""]
    if item.row_diff:
        lines += _row_diff(item.row_diff)
    return lines


def _not_scored(run: EvalRun) -> list[str]:
    """Drafts and untranspilable items: listed with what happened, counted in no figure."""
    items = [i for i in run.items if not i.scored]
    if not items:
        return []
    lines = [f"## Not counted ({len(items)})", "",
             "Unreviewed drafts (`reviewed: false`) and items whose gold SQL could not be transpiled to this "
             "database's dialect count in no accuracy figure. Check each draft's question and gold SQL, then "
             "set `reviewed: true`.", "", "| item | why not counted | verdict | reason |", "|---|---|---|---|"]
    for item in items:
        why = "gold untranspilable" if item.verdict == UNTRANSPILABLE else "unreviewed"
        lines.append(f"| {_cell(item.id)} | {why} | {item.verdict} | {_cell(item.reason)} |")
    return [*lines, ""]


def render_markdown(run: EvalRun, *, chart_file: str | None = None, chart_error: str | None = None) -> str:
    s = run.summary
    failures = [i for i in run.items if i.scored and not i.correct]
    lat = s.get("latency_ms", {})
    ref = s.get("refusals", {})
    lines = [
        f"# Evaluation: {s.get('questions_name')} ({s.get('planner')})",
        "",
        f"**Accuracy {_pct(s['accuracy'])}** ({s['correct']}/{s['total']} correct)",
        "",
    ]
    if (line := not_scored_line(s)) is not None:
        lines += [f"**{line}**", ""]
    lines += [
        f"- questions: `{s.get('questions_file')}`",
        f"- database: `{s.get('database')}` ({s.get('database_dialect')}); gold SQL written in "
        f"{s.get('gold_dialect')}",
        f"- planner: {s.get('planner')}; as of: {s.get('as_of') or 'today'}; run at {s.get('timestamp')}",
        f"- refusals: {ref.get('correct', 0)}/{ref.get('expected', 0)} expected refusals made; "
        f"{ref.get('false_refusals', 0)} answerable question(s) refused",
        f"- questions back: {s.get('clarify', {}).get('correct', 0)}/{s.get('clarify', {}).get('expected', 0)} "
        f"expected; {s.get('clarify', {}).get('needless', 0)} answerable question(s) answered with a question",
        f"- wrong answers shown with data: {s.get('wrong_with_data', 0)}",
        f"- latency: p50 {lat.get('p50')} ms, p95 {lat.get('p95')} ms",
    ]
    if s.get("gold_errors"):
        lines.append(f"- **{s['gold_errors']} gold SQL quer{'y' if s['gold_errors'] == 1 else 'ies'} failed**"
                     " (fix the question file)")
    if s.get("gold_empty"):
        lines.append(f"- gold result empty (any empty answer passes): {', '.join(s['gold_empty'])}")
    if s.get("tokens_total"):
        lines.append("- tokens: " + ", ".join(f"{k} {v}" for k, v in s["tokens_total"].items()))
    lines.append("")
    if chart_file:
        lines += [f"![Accuracy by tag]({chart_file})", ""]
    elif chart_error:
        lines += [f"_Chart not rendered: {_cell(chart_error)}_", ""]
    lines += _group_table("By tag", s.get("by_tag", {}), "tag")
    lines += _group_table("By language", s.get("by_lang", {}), "lang")
    if len(s.get("by_planner", {})) > 1:  # hybrid runs route items to several planners
        lines += _group_table("By planner", s["by_planner"], "planner")
    lines += [f"## Failures ({len(failures)})", ""]
    if not failures:
        lines += ["None.", ""]
    for item in failures:
        lines += _failure(item)
    lines += _not_scored(run)
    return "\n".join(lines).rstrip() + "\n"


def write_tag_chart(run: EvalRun, png_path: str | os.PathLike[str]) -> Path:
    """A horizontal bar chart of accuracy per tag, worst first, labelled with n."""
    import altair as alt  # heavy imports only when a chart is asked for
    import pandas as pd
    import vl_convert as vlc

    if NOTO_FONT_DIR.is_dir():
        vlc.register_font_directory(str(NOTO_FONT_DIR))
    rows = [{"tag": tag, "accuracy": st["accuracy"], "label": f"{st['accuracy'] * 100:.0f}% (n={st['n']})"}
            for tag, st in run.summary.get("by_tag", {}).items()]
    data = pd.DataFrame(rows, columns=["tag", "accuracy", "label"])
    order = data.sort_values(["accuracy", "tag"])["tag"].tolist()
    base = alt.Chart(data).encode(
        y=alt.Y("tag:N", sort=order, title=None),
        x=alt.X("accuracy:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%"), title="accuracy"),
    )
    chart = (base.mark_bar(color="#4c78a8") + base.mark_text(align="left", dx=4).encode(text="label:N")).properties(
        title=f"Accuracy by tag: {run.summary.get('questions_name')} ({run.summary.get('planner')})",
        width=420, height=max(60, 22 * len(rows)),
    )
    png = vlc.vegalite_to_png(vl_spec=chart.to_dict(), scale=2)
    out = Path(png_path)
    _atomic_write(out, png)
    return out


def write_report(run: EvalRun, report_path: str | os.PathLike[str]) -> tuple[Path, Path | None]:
    """Write the markdown report and its chart (`<report stem>-by-tag.png` next to it).

    A chart that cannot be rendered (missing optional package, broken font) must not
    lose the report: the markdown then says why the chart is missing.
    """
    md_path = Path(report_path)
    if md_path.is_dir():
        md_path = md_path / "report.md"
    png_path = md_path.with_name(f"{md_path.stem}-by-tag.png")
    chart_file: str | None = None
    chart_error: str | None = None
    try:
        write_tag_chart(run, png_path)
        chart_file = png_path.name
    except Exception as exc:
        chart_error = f"{type(exc).__name__}: {exc}"
    _atomic_write(md_path, render_markdown(run, chart_file=chart_file, chart_error=chart_error).encode("utf-8"))
    return md_path, (png_path if chart_file else None)
