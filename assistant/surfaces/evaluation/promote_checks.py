"""What a gold SQL must pass before `eval promote` makes it a verified query of the layer.

A verified query is answered as written (through the guard) whenever its question is asked
again, and shown to the LLM as an example, so it must be: accepted by the same Guard the
pipeline uses, free of stars that read whatever columns the database has (including the
ones the layer hides), planned by the database without error, and the layer must still load
with it added. Each refusal names the item, what was wrong and what to try, in English and
Chinese.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.scope import traverse_scope

from assistant.core.errors import (
    DatabaseUnavailable,
    ExecutionError,
    FactoryAssistantError,
    GuardError,
    LayerError,
    user_message,
)
from assistant.core.settings import Settings
from assistant.pipeline import Pipeline
from assistant.sql.executor import Executor
from assistant.surfaces.evaluation.promote import PromoteError
from semantic_layer.loader import load_layer

_FIX_EN = "Fix gold_sql of item '{item}' in the question file and promote it again."
_FIX_ZH = "请在题目文件里修改条目“{item}”的 gold_sql，然后再提升一次。"


class GoldCheck:
    """Checks gold SQL against one layer folder and one database; use as a context manager."""

    def __init__(self, layer_dir: str | Path, db: str, *, settings: Settings | None = None) -> None:
        self.layer_dir = Path(layer_dir)
        self.db = db
        settings = settings if settings is not None else Settings.load()
        layer = load_layer(self.layer_dir)  # LayerError: the layer is broken before we start
        executor = Executor.from_settings(settings, db=db)
        self.pipeline = Pipeline(layer, executor, settings=settings)

    def __enter__(self) -> GoldCheck:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.pipeline.close()

    # ------------------------------------------------------------------ the SQL
    def check_sql(self, item_id: str, sql: str, lang: str) -> None:
        """Guard, then no star over a table, then the database's own plan (EXPLAIN: nothing runs)."""
        fix_en, fix_zh = _FIX_EN.format(item=item_id), _FIX_ZH.format(item=item_id)
        try:
            checked = self.pipeline.check(sql)
        except GuardError as exc:
            raise PromoteError(
                f"The gold SQL of item '{item_id}' was refused by the SQL guard: {exc}",
                zh=f"条目“{item_id}”的 gold_sql 未通过安全检查：{user_message(exc, 'zh')}",
                suggestion=fix_en, zh_suggestion=fix_zh, lang=lang) from None
        starred = _starred_tables(sql, self.pipeline.executor.dialect)
        if starred:
            schema = self.pipeline.layer.physical_schema()
            listing = "; ".join(f"{t}: {', '.join(schema.get(t, {}))}" for t in starred)
            raise PromoteError(
                f"The gold SQL of item '{item_id}' selects columns with a star (*) from "
                f"{', '.join(starred)}: a star reads every column the database has, including "
                "columns the layer hides, and changes meaning when the table changes.",
                zh=f"条目“{item_id}”的 gold_sql 用星号（*）从 {', '.join(starred)} 取列：星号会读出数据库里的所有列，"
                   "包括语义层隐藏的列。",
                suggestion=f"Name the columns instead ({listing}).",
                zh_suggestion=f"请改为写出具体的列名（{listing}）。", lang=lang)
        try:
            self.pipeline.executor.explain(checked)
        except DatabaseUnavailable as exc:
            raise PromoteError(
                f"Cannot check item '{item_id}' against the database {self.db}: {exc}",
                zh=f"无法用数据库 {self.db} 检查条目“{item_id}”：{user_message(exc, 'zh')}",
                suggestion="Pass --db with the evaluation database.",
                zh_suggestion="请用 --db 指定评测数据库。", lang=lang) from None
        except ExecutionError as exc:
            raise PromoteError(
                f"The database cannot run the gold SQL of item '{item_id}': {exc}",
                zh=f"数据库无法执行条目“{item_id}”的 gold_sql：{user_message(exc, 'zh')}",
                suggestion=fix_en, zh_suggestion=fix_zh, lang=lang) from None

    # ------------------------------------------------------------------ the layer
    def check_layer(self, target: Path, new_text: str, source: str, lang: str) -> None:
        """The layer folder, with `target` holding `new_text`, loads and holds the entry `source`."""
        with tempfile.TemporaryDirectory(prefix="fa-promote-") as staging_dir:
            staging = Path(staging_dir)
            for path in self.layer_dir.iterdir():
                if path.suffix in {".yaml", ".yml"} and path.is_file():
                    shutil.copy2(path, staging / path.name)
            inside = target.resolve().parent == self.layer_dir.resolve()
            # A file outside the layer is loaded as an extra file of it, under a name of its own.
            name = target.name if inside else f"{target.stem}.promoted.yaml"
            (staging / name).write_text(new_text, encoding="utf-8")
            try:
                layer = load_layer(staging)
            except LayerError as exc:
                raise PromoteError(
                    f"With the new entry the layer in {self.layer_dir} would not load ({exc}); nothing was written.",
                    zh=f"加入这一条后，{self.layer_dir} 里的语义层将无法加载（{exc}）；文件没有改动。",
                    suggestion="Check the item's question and SQL, or run `factory-assistant layer validate`.",
                    zh_suggestion="请检查该条目的问题和 SQL，或运行 `factory-assistant layer validate`。",
                    lang=lang) from None
        if not any(q.source == source for q in layer.spec.verified_queries):
            raise PromoteError(
                f"The new entry '{source}' did not load back from {target}; nothing was written.",
                zh=f"新条目“{source}”没能从 {target} 重新加载；文件没有改动。", lang=lang)


def _starred_tables(sql: str, dialect: str) -> list[str]:
    """Tables a `*` or `t.*` reads columns from (COUNT(*) reads none). The guard expands stars
    to the layer's columns when it runs SQL, but the stored text would keep the star."""
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
        scopes = traverse_scope(tree)
    except (SqlglotError, FactoryAssistantError):
        return []  # the guard has already read this SQL; nothing more to say here
    found: list[str] = []
    for scope in scopes:
        tables = {alias: src.name.lower() for alias, src in scope.sources.items() if isinstance(src, exp.Table)}
        for select in scope.expression.selects if isinstance(scope.expression, exp.Select) else []:
            for node in select.find_all(exp.Star, exp.Column):
                if isinstance(node, exp.Star) and isinstance(node.parent, exp.Count):
                    continue
                if isinstance(node, exp.Column) and not node.is_star:
                    continue
                if isinstance(node, exp.Star) and isinstance(node.parent, exp.Column):
                    continue  # t.*: counted once, through its Column
                qualifier = node.table if isinstance(node, exp.Column) else ""
                names = [tables[qualifier]] if qualifier in tables else list(tables.values())
                found.extend(n for n in names if n not in found)
    return found
