"""Promote an evaluation item into a verified-queries YAML file.

The verified file is hand-edited and commented, so it is never re-dumped: the new entry
is inserted as text at the end of the `verified_queries:` block, in the block's own
indentation, and the result is re-parsed to prove that exactly one entry was added and
nothing else changed before the file is replaced.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console

from assistant.core.errors import FactoryAssistantError
from assistant.surfaces.evaluation.questions import load_questions

_KEY = "verified_queries"
_HEADER = (
    "# Verified questions with their SQL: shown as examples and used by retrieval.\n"
    "# Entries with source 'eval:<id>' were promoted from the evaluation set.\n"
)
_KEY_LINE = re.compile(rf"^{_KEY}\s*:\s*(?P<rest>[^#]*?)\s*(?P<comment>#.*)?$")


class PromoteError(FactoryAssistantError):
    """The item cannot be promoted (unknown, a refusal, a follow-up, a duplicate) or the file is odd."""


class _BlockDumper(yaml.SafeDumper):
    """Multi-line SQL as a readable `|` block instead of a quoted string with \\n escapes."""


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.nodes.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _str_representer)


def _norm_question(text: str) -> str:
    return " ".join(text.split()).casefold()


def _find_item(item_id: str, source: Path) -> dict[str, Any]:
    """The item as a dict (question, lang, gold_sql, expect, context) from results.json or a question file."""
    if source.suffix.lower() == ".json":
        try:
            data = json.loads(source.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise PromoteError(f"Cannot read results file '{source}': {exc}") from None
        items = data.get("items", []) if isinstance(data, dict) else []
        found = next((i for i in items if isinstance(i, dict) and i.get("id") == item_id), None)
        ids = [i.get("id") for i in items if isinstance(i, dict)]
    else:
        qset = load_questions(source)
        match = next((i for i in qset.items if i.id == item_id), None)
        found = match.model_dump() if match is not None else None
        if match is not None and found is not None:
            # Gold SQL has its relative dates resolved against this day; keep it with the entry.
            found["as_of"] = qset.effective_as_of(match)
        ids = [i.id for i in qset.items]
    if found is None:
        from assistant.core.errors import did_you_mean

        raise PromoteError(f"No item '{item_id}' in '{source}'.",
                           suggestion=did_you_mean(item_id, [str(i) for i in ids if i is not None]))
    return found


def _entry_for(item_id: str, item: dict[str, Any]) -> dict[str, Any]:
    if item.get("expect") == "refuse" or not item.get("gold_sql"):
        raise PromoteError(f"Item '{item_id}' expects a refusal; only items with gold SQL can be promoted.")
    if item.get("context"):
        # A follow-up ("and for Ningbo?") means nothing without its earlier turns, so as a
        # retrieval example it would teach the wrong SQL for the bare words.
        raise PromoteError(f"Item '{item_id}' is a follow-up in a conversation; only standalone questions "
                           "can be promoted.", suggestion="Add a standalone version of the question to the set.")
    entry = {"question": str(item["question"]).strip(), "lang": item.get("lang", "en"),
             "sql": str(item["gold_sql"]).strip(), "source": f"eval:{item_id}"}
    if item.get("as_of"):
        entry["as_of"] = str(item["as_of"])
    return entry


def _render_entry(entry: dict[str, Any], indent: str) -> str:
    dumped = yaml.dump([entry], Dumper=_BlockDumper, allow_unicode=True, sort_keys=False,
                       default_flow_style=False, width=1000)
    return "".join(indent + line if line.strip() else line for line in dumped.splitlines(keepends=True))


def _insert(text: str, entry: dict[str, Any]) -> str:
    """The file text with `entry` appended to its verified_queries block (created if absent)."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    key_at = next((n for n, line in enumerate(lines) if _KEY_LINE.match(line.rstrip("\n"))), None)
    if key_at is None:
        prefix = "".join(lines) if lines else _HEADER
        sep = "\n" if lines and lines[-1].strip() else ""
        return prefix + sep + f"{_KEY}:\n" + _render_entry(entry, "  ")
    match = _KEY_LINE.match(lines[key_at].rstrip("\n"))
    assert match is not None  # found by the same pattern above
    rest = match.group("rest")
    if rest == "[]":
        comment = f"  {match.group('comment')}" if match.group("comment") else ""
        lines[key_at] = f"{_KEY}:{comment}\n"
    elif rest:
        raise PromoteError(f"'{_KEY}' is written in flow style ([...]) and cannot be appended to safely.",
                           suggestion="Rewrite it as a block list ('- question: ...' lines).")
    # The block ends at the next top-level line that is not a comment or a '- ' entry;
    # comments and blank lines just above the next key belong to that key, so stop before them.
    end = len(lines)
    for n in range(key_at + 1, len(lines)):
        line = lines[n]
        if line.strip() and not line[0].isspace() and not line.startswith(("#", "-")):
            end = n
            break
    while end > key_at + 1 and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
        end -= 1
    first_entry = next((re.match(r"^(\s*)- ", lines[n]) for n in range(key_at + 1, end)
                        if re.match(r"^(\s*)- ", lines[n])), None)
    indent = first_entry.group(1) if first_entry else "  "
    return "".join(lines[:end]) + _render_entry(entry, indent) + "".join(lines[end:])


def promote_item(item_id: str, results_or_questions_path: str | os.PathLike[str],
                 verified_path: str | os.PathLike[str]) -> dict[str, Any]:
    """Append item `item_id` as {question, lang, sql, source: 'eval:<id>'}; return the entry."""
    entry = _entry_for(item_id, _find_item(item_id, Path(results_or_questions_path)))
    target = Path(verified_path)
    text = target.read_text(encoding="utf-8") if target.exists() else ""
    try:
        before = yaml.safe_load(text) if text.strip() else None
    except yaml.YAMLError as exc:
        raise PromoteError(f"'{target}' is not valid YAML ({exc}); fix it before promoting.") from None
    if before is None:
        before = {}
    if not isinstance(before, dict) or not isinstance(before.get(_KEY) or [], list):
        raise PromoteError(f"'{target}' must be a mapping with a '{_KEY}' list.")
    existing = before.get(_KEY) or []
    for old in existing:
        if not isinstance(old, dict):
            continue
        if old.get("source") == entry["source"]:
            raise PromoteError(f"Item '{item_id}' was already promoted to '{target}'.")
        if old.get("lang", "en") == entry["lang"] and _norm_question(str(old.get("question", ""))) == _norm_question(
                entry["question"]):
            raise PromoteError(f"'{target}' already has the question “{entry['question']}”.")

    new_text = _insert(text, entry)
    # Prove the textual edit did exactly what we meant before touching the file.
    expected = {**before, _KEY: [*existing, entry]}
    try:
        after = yaml.safe_load(new_text)
    except yaml.YAMLError as exc:
        raise PromoteError(f"Appending to '{target}' would break its YAML ({exc}); file left unchanged.") from None
    if after != expected:
        raise PromoteError(f"Could not append to '{target}' without changing other content; file left unchanged.",
                           suggestion=f"Add the entry by hand under '{_KEY}'.")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(new_text, encoding="utf-8")
    os.replace(tmp, target)
    return entry


def promote_command(item_id: str, results_or_questions_path: str | os.PathLike[str],
                    verified_path: str | os.PathLike[str], *, console: Console | None = None) -> None:
    """CLI body of `factory-assistant eval promote`: raises PromoteError/QuestionFileError on refusal."""
    entry = promote_item(item_id, results_or_questions_path, verified_path)
    (console or Console()).print(f"Promoted [bold]{item_id}[/bold] to {verified_path}: {entry['question']}")
