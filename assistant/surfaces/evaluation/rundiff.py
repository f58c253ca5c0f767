"""`factory-assistant eval diff OLD.json NEW.json`: what changed between two runs.

An accuracy figure that moved from 91.2% to 91.7% hides the two questions that broke while
three others were fixed. This reads two results.json files (written by `eval --output`) and
lists the items that flipped, right -> wrong first, then accuracy by language and by tag
before and after, and the latency percentiles. Only items counted in both runs can flip: a
draft that became reviewed, or an item only one run has, is listed as such and nothing more.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from assistant.core.errors import ConfigError

_IDS_SHOWN = 20  # ids listed per group of items that are not compared; the count says the rest
_NOT_RESULTS = "is not a results file written by `factory-assistant eval --output`"


@dataclass
class Flip:
    id: str
    question: str
    lang: str
    reason: str  # the new run's reason (why it is wrong now, or what made it right)


@dataclass
class GroupChange:
    group: str
    before: float | None  # accuracy, None when the group was not in that run
    after: float | None
    n_before: int
    n_after: int

    @property
    def change(self) -> float | None:
        return None if self.before is None or self.after is None else round(self.after - self.before, 4)


@dataclass
class RunDiff:
    old: dict[str, Any]  # the two summaries
    new: dict[str, Any]
    right_to_wrong: list[Flip] = field(default_factory=list)
    wrong_to_right: list[Flip] = field(default_factory=list)
    only_old: list[str] = field(default_factory=list)
    only_new: list[str] = field(default_factory=list)
    newly_counted: list[str] = field(default_factory=list)  # e.g. drafts marked reviewed since
    no_longer_counted: list[str] = field(default_factory=list)
    by_lang: list[GroupChange] = field(default_factory=list)
    by_tag: list[GroupChange] = field(default_factory=list)
    latency: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)  # p50/p95: (old, new)

    @property
    def same_questions(self) -> bool:
        return bool(self.old.get("questions_name") == self.new.get("questions_name"))


def load_results(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A results.json as written by `eval --output`; ConfigError saying what is wrong otherwise."""
    file = Path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(
            f"Cannot read '{file}': {exc.strerror or exc}.",
            suggestion="Give the results.json files of two runs (eval --output FILE).",
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"'{file}' {_NOT_RESULTS}: it is not JSON ({exc}).") from None
    items = data.get("items") if isinstance(data, dict) else None
    summary = data.get("summary") if isinstance(data, dict) else None
    if (
        not isinstance(summary, dict)
        or not isinstance(items, list)
        or not all(isinstance(i, dict) and isinstance(i.get("id"), str) for i in items)
    ):
        raise ConfigError(f"'{file}' {_NOT_RESULTS}: it needs a 'summary' and 'items' with ids.")
    return data


def _counted(item: dict[str, Any]) -> bool:
    # Files written before drafts existed have no 'scored': every item counted then.
    return bool(item.get("scored", True))


def _groups(old: dict[str, Any], new: dict[str, Any]) -> list[GroupChange]:
    out = []
    for name in sorted(set(old) | set(new)):
        before, after = old.get(name), new.get(name)
        out.append(
            GroupChange(
                name,
                before["accuracy"] if before else None,
                after["accuracy"] if after else None,
                before["n"] if before else 0,
                after["n"] if after else 0,
            )
        )
    # Largest drop first: that is what a reader of a diff looks for.
    return sorted(out, key=lambda g: (g.change if g.change is not None else 0.0, g.group))


def diff_runs(old: dict[str, Any], new: dict[str, Any]) -> RunDiff:
    """Compare two loaded results files (see load_results)."""
    old_items = {i["id"]: i for i in old["items"]}
    new_items = {i["id"]: i for i in new["items"]}
    result = RunDiff(old=old["summary"], new=new["summary"])
    result.only_old = [i for i in old_items if i not in new_items]
    result.only_new = [i for i in new_items if i not in old_items]
    for item_id, after in new_items.items():
        before = old_items.get(item_id)
        if before is None:
            continue
        counted = (_counted(before), _counted(after))
        if counted != (True, True):
            if counted == (False, True):
                result.newly_counted.append(item_id)
            elif counted == (True, False):
                result.no_longer_counted.append(item_id)
            continue
        if bool(before.get("correct")) == bool(after.get("correct")):
            continue
        flip = Flip(item_id, str(after.get("question", "")), str(after.get("lang", "")), str(after.get("reason", "")))
        (result.wrong_to_right if after.get("correct") else result.right_to_wrong).append(flip)
    result.by_lang = _groups(result.old.get("by_lang") or {}, result.new.get("by_lang") or {})
    result.by_tag = _groups(result.old.get("by_tag") or {}, result.new.get("by_tag") or {})
    old_lat, new_lat = result.old.get("latency_ms") or {}, result.new.get("latency_ms") or {}
    result.latency = {q: (old_lat.get(q), new_lat.get(q)) for q in ("p50", "p95")}
    return result


# --------------------------------------------------------------------------- printing


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _points(change: float | None) -> str:
    return "" if change is None or change == 0 else f"{change * 100:+.1f} pts"


def _accuracy(summary: dict[str, Any]) -> str:
    return f"{_pct(summary.get('accuracy'))} ({summary.get('correct', 0)}/{summary.get('total', 0)})"


def _run_name(summary: dict[str, Any]) -> str:
    return f"{summary.get('questions_name')} ({summary.get('planner')}, {summary.get('timestamp') or 'undated'})"


def _flips(console: Console, title: str, mark: str, flips: list[Flip], *, why: bool) -> None:
    console.print(f"[bold]{title} ({len(flips)})[/bold]")
    for flip in flips:
        lang = escape(f"[{flip.lang}]")  # brackets are markup to rich
        console.print(f"  {mark} {escape(flip.id)} {lang}: {escape(flip.question)}", highlight=False)
        if why and flip.reason:  # why it is wrong now; a fixed item needs no explaining
            console.print(f"      {escape(flip.reason)}", highlight=False)


def _group_table(title: str, groups: list[GroupChange]) -> Table:
    table = Table(title=title, title_justify="left", box=None, pad_edge=False, header_style="bold")
    for col in ("group", "before", "after", "change", "n before", "n after"):
        table.add_column(col, justify="left" if col == "group" else "right")
    for g in groups:
        table.add_row(g.group, _pct(g.before), _pct(g.after), _points(g.change), str(g.n_before), str(g.n_after))
    return table


def _latency_line(latency: dict[str, tuple[float | None, float | None]]) -> str:
    parts = []
    for name, (before, after) in latency.items():
        if before is None or after is None:
            parts.append(f"{name} {before} -> {after} ms")
            continue
        change = after - before
        rel = f", {change / before * 100:+.0f}%" if before else ""
        parts.append(f"{name} {before:g} -> {after:g} ms ({change:+.1f} ms{rel})")
    return "Latency: " + "; ".join(parts)


def print_diff(diff: RunDiff, console: Console, *, all_tags: bool = False) -> None:
    """The diff in the terminal: flips first, then the groups, then latency."""
    console.print(f"[bold]eval diff[/bold] {escape(_run_name(diff.old))} -> {escape(_run_name(diff.new))}")
    if not diff.same_questions:
        console.print(
            f"[yellow]The runs used different question files ({diff.old.get('questions_name')} vs "
            f"{diff.new.get('questions_name')}): only items with the same id are compared.[/yellow]"
        )
    change = None
    if diff.old.get("accuracy") is not None and diff.new.get("accuracy") is not None:
        change = round(diff.new["accuracy"] - diff.old["accuracy"], 4)
    console.print(f"Accuracy {_accuracy(diff.old)} -> {_accuracy(diff.new)} {_points(change)}".rstrip())
    _flips(console, "Right -> wrong", "[red]✗[/red]", diff.right_to_wrong, why=True)
    _flips(console, "Wrong -> right", "[green]✓[/green]", diff.wrong_to_right, why=False)
    for label, ids in (
        ("Only in OLD", diff.only_old),
        ("Only in NEW", diff.only_new),
        ("Counted now, not before (reviewed since?)", diff.newly_counted),
        ("Counted before, not now", diff.no_longer_counted),
    ):
        if ids:
            more = f", … ({len(ids) - _IDS_SHOWN} more)" if len(ids) > _IDS_SHOWN else ""
            console.print(f"{label} ({len(ids)}): {escape(', '.join(ids[:_IDS_SHOWN]))}{more}", highlight=False)
    console.print(_group_table("By language", diff.by_lang))
    tags = diff.by_tag if all_tags else [g for g in diff.by_tag if g.change != 0 or g.n_before != g.n_after]
    console.print(_group_table("By tag" + ("" if all_tags else " (changed only)"), tags))
    if not all_tags and len(tags) < len(diff.by_tag):
        console.print(f"{len(diff.by_tag) - len(tags)} tag(s) unchanged (--all-tags lists them).")
    console.print(_latency_line(diff.latency))


__all__ = ["Flip", "GroupChange", "RunDiff", "diff_runs", "load_results", "print_diff"]
