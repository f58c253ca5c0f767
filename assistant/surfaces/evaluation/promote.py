"""Promote an evaluation item into a verified-queries YAML file.

The verified file is hand-edited and commented, so it is never re-dumped: the new entry
is inserted as text at the end of the `verified_queries:` block, in the block's own
indentation, and the result is re-parsed to prove that exactly one entry was added and
nothing else changed before the file is replaced.

The file is changed under a lock, re-read under it, and replaced atomically
(`semantic_layer.safe_write`), so promotions running at once all land. With a `GoldCheck`
(the CLI always passes one) the gold SQL must pass the guard and the database first, and the
layer must still load with the entry added, or nothing is written (promote_checks.py).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from rich.console import Console
from rich.markup import escape

from assistant.core.errors import FactoryAssistantError
from assistant.surfaces.evaluation.questions import load_questions
from semantic_layer.safe_write import LAYER_HINT, FileWriteError, check_writable, locked_update_text

if TYPE_CHECKING:  # promote_checks imports this module for PromoteError
    from assistant.surfaces.evaluation.promote_checks import GoldCheck

_KEY = "verified_queries"
_HEADER = (
    "# Verified questions with their SQL: shown as examples and used by retrieval.\n"
    "# Entries with source 'eval:<id>' were promoted from the evaluation set.\n"
)
_KEY_LINE = re.compile(rf"^{_KEY}\s*:\s*(?P<rest>[^#]*?)\s*(?P<comment>#.*)?$")


class PromoteError(FactoryAssistantError):
    """The item cannot be promoted (unknown, a refusal, a follow-up, a duplicate, SQL the guard or
    the database refuses) or the file is odd. `lang` is the question's language: Chinese
    questions get the Chinese text as well."""

    def __init__(self, message: str, *, zh: str | None = None, suggestion: str | None = None,
                 zh_suggestion: str | None = None, lang: str = "en") -> None:
        super().__init__(message, suggestion=suggestion)
        self.zh = zh
        self.zh_suggestion = zh_suggestion
        self.lang = lang

    def text(self) -> str:
        """English, then Chinese on its own line when the question is Chinese."""
        if self.lang != "zh" or not self.zh:
            return str(self)
        zh = self.zh.rstrip()
        if self.zh_suggestion:
            zh += ("" if zh.endswith(("。", "？", "！", "）")) else " ") + self.zh_suggestion
        return f"{self}\n{zh}"


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
            raise PromoteError(f"Cannot read results file '{source}': {exc}",
                               zh=f"无法读取结果文件“{source}”：{exc}") from None
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

        raise PromoteError(f"No item '{item_id}' in '{source}'.", zh=f"“{source}”里没有条目“{item_id}”。",
                           suggestion=did_you_mean(item_id, [str(i) for i in ids if i is not None]))
    return found


def _entry_for(item_id: str, item: dict[str, Any]) -> dict[str, Any]:
    lang = str(item.get("lang", "en"))
    if item.get("expect") == "refuse" or not item.get("gold_sql"):
        raise PromoteError(f"Item '{item_id}' expects a refusal; only items with gold SQL can be promoted.",
                           zh=f"条目“{item_id}”期望的是拒答；只有带 gold_sql 的条目才能提升。", lang=lang)
    if item.get("context"):
        # A follow-up ("and for Ningbo?") means nothing without its earlier turns, so as a
        # retrieval example it would teach the wrong SQL for the bare words.
        raise PromoteError(f"Item '{item_id}' is a follow-up in a conversation; only standalone questions "
                           "can be promoted.", suggestion="Add a standalone version of the question to the set.",
                           zh=f"条目“{item_id}”是对话中的追问；只有独立的问题才能提升。",
                           zh_suggestion="请在题目集里加一个独立表述的版本。", lang=lang)
    entry = {"question": str(item["question"]).strip(), "lang": lang,
             "sql": str(item["gold_sql"]).strip(), "source": f"eval:{item_id}"}
    if item.get("as_of"):
        entry["as_of"] = str(item["as_of"])
    return entry


def _render_entry(entry: dict[str, Any], indent: str) -> str:
    dumped = yaml.dump([entry], Dumper=_BlockDumper, allow_unicode=True, sort_keys=False,
                       default_flow_style=False, width=1000)
    return "".join(indent + line if line.strip() else line for line in dumped.splitlines(keepends=True))


def _insert(text: str, entry: dict[str, Any], lang: str) -> str:
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
                           suggestion="Rewrite it as a block list ('- question: ...' lines).",
                           zh=f"“{_KEY}”是行内写法（[...]），无法安全地追加。",
                           zh_suggestion="请改写成逐行的列表（“- question: ...”）。", lang=lang)
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


def _with_entry(text: str, entry: dict[str, Any], target: Path, item_id: str) -> str:
    """`text` with `entry` appended, proven by re-parsing to add exactly that entry."""
    lang = str(entry["lang"])
    try:
        before = yaml.safe_load(text) if text.strip() else None
    except yaml.YAMLError as exc:
        raise PromoteError(f"'{target}' is not valid YAML ({exc}); fix it before promoting.",
                           zh=f"“{target}”不是有效的 YAML；请先修好它再提升。", lang=lang) from None
    if before is None:
        before = {}
    if not isinstance(before, dict) or not isinstance(before.get(_KEY) or [], list):
        raise PromoteError(f"'{target}' must be a mapping with a '{_KEY}' list.",
                           zh=f"“{target}”必须是带有“{_KEY}”列表的映射。", lang=lang)
    existing = before.get(_KEY) or []
    for old in existing:
        if not isinstance(old, dict):
            continue
        if old.get("source") == entry["source"]:
            raise PromoteError(f"Item '{item_id}' was already promoted to '{target}'.",
                               zh=f"条目“{item_id}”已经提升到“{target}”了。", lang=lang)
        if old.get("lang", "en") == entry["lang"] and _norm_question(str(old.get("question", ""))) == _norm_question(
                entry["question"]):
            raise PromoteError(f"'{target}' already has the question “{entry['question']}”.",
                               zh=f"“{target}”里已经有问题“{entry['question']}”。", lang=lang)

    new_text = _insert(text, entry, lang)
    # Prove the textual edit did exactly what we meant before touching the file.
    expected = {**before, _KEY: [*existing, entry]}
    try:
        after = yaml.safe_load(new_text)
    except yaml.YAMLError as exc:
        raise PromoteError(f"Appending to '{target}' would break its YAML ({exc}); file left unchanged.",
                           zh=f"追加到“{target}”会破坏它的 YAML；文件没有改动。", lang=lang) from None
    if after != expected:
        raise PromoteError(f"Could not append to '{target}' without changing other content; file left unchanged.",
                           suggestion=f"Add the entry by hand under '{_KEY}'.",
                           zh=f"无法在不改动其他内容的情况下追加到“{target}”；文件没有改动。",
                           zh_suggestion=f"请手动把这一条加到“{_KEY}”下。", lang=lang)
    return new_text


def promote_item(item_id: str, results_or_questions_path: str | os.PathLike[str],
                 verified_path: str | os.PathLike[str], *, check: GoldCheck | None = None) -> dict[str, Any]:
    """Append item `item_id` as {question, lang, sql, source: 'eval:<id>'}; return the entry.

    With `check`, the SQL must pass the guard and the database and the layer must load with the
    entry, else PromoteError and the file is untouched. Without it only the file's structure is
    checked: that is for tests on files outside any layer; the CLI always checks."""
    entry = _entry_for(item_id, _find_item(item_id, Path(results_or_questions_path)))
    lang = str(entry["lang"])
    target = Path(verified_path)

    def change(current: str | None) -> str:
        # Runs under the lock on what the file holds now, not what it held when we started.
        new_text = _with_entry(current or "", entry, target, item_id)
        if check is not None:
            check.check_layer(target, new_text, str(entry["source"]), lang)
        return new_text

    try:
        check_writable(target, LAYER_HINT)  # say so before the slow checks, not after them
        if check is not None:  # before the lock: other writers need not wait for the database
            check.check_sql(item_id, str(entry["sql"]), lang)
        locked_update_text(target, change, hint=LAYER_HINT)
    except FileWriteError as exc:
        raise PromoteError(exc.message, zh=exc.zh, lang=lang) from None
    return entry


def promote_command(item_id: str, results_or_questions_path: str | os.PathLike[str],
                    verified_path: str | os.PathLike[str], *, check: GoldCheck | None = None,
                    console: Console | None = None) -> None:
    """CLI body of `factory-assistant eval promote`: raises PromoteError/QuestionFileError on refusal."""
    entry = promote_item(item_id, results_or_questions_path, verified_path, check=check)
    out = console or Console()
    # Ids, paths and questions are the user's text: brackets in them are not markup.
    item, where, question = escape(item_id), escape(str(verified_path)), escape(str(entry["question"]))
    out.print(f"Promoted [bold]{item}[/bold] to {where}: {question}")
    if entry["lang"] == "zh":
        out.print(f"已把 [bold]{item}[/bold] 加入 {where}：{question}")
