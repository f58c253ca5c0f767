"""Read a dbt project's files: the semantic models and metrics of its YAML, each dbt model's SQL
(the columns it selects, from which seed), and the seeds' CSV data when the project ships them.

Nothing here runs dbt. The model SQL is read only when it is a plain SELECT once `ref()`,
`source()` and `config()` are spelled out; anything else leaves the model's columns to what
the semantic model names. Seeds are read so the importer can check keys and dates on the data
the project itself ships (a primary entity that is not unique double counts every join to it).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlglot
import yaml
from sqlglot import exp
from sqlglot.errors import ParseError

from semantic_layer.errors import LayerError
from semantic_layer.interop import Finding

MAX_SEED_ROWS = 100_000  # enough to check keys of the small tables seeds are meant for
_JINJA_CALL = re.compile(r"\{\{\s*(ref|source|config)\s*\((.*?)\)\s*\}\}", re.DOTALL)
_JINJA_ANY = re.compile(r"\{\{|\{%")
_QUOTED = re.compile(r"""['"]([^'"]+)['"]""")


@dataclass
class Seed:
    """One seed CSV: lower-cased header (first occurrence wins) and its rows as text."""

    name: str
    path: Path
    header: list[str]
    rows: list[list[str]]

    def values(self, column: str) -> list[str] | None:
        """The column's values (None when the seed has no such column)."""
        try:
            i = self.header.index(column)
        except ValueError:
            return None
        return [r[i] if i < len(r) else "" for r in self.rows]


@dataclass
class ModelSql:
    """What a dbt model's SQL says: the columns it selects and, for a plain SELECT over one seed,
    which seed column each comes from."""

    columns: list[str]
    seed: Seed | None = None
    seed_columns: dict[str, str] = field(default_factory=dict)  # model column -> seed column

    def values(self, column: str) -> list[str] | None:
        if self.seed is None or column not in self.seed_columns:
            return None
        return self.seed.values(self.seed_columns[column])


@dataclass
class DbtProject:
    root: Path
    name: str
    semantic_models: list[dict[str, Any]] = field(default_factory=list)
    metrics: list[dict[str, Any]] = field(default_factory=list)
    models: dict[str, ModelSql] = field(default_factory=dict)  # dbt model name -> its SQL, read
    column_types: dict[str, dict[str, str]] = field(default_factory=dict)  # model -> column -> data_type
    meta: dict[str, Any] = field(default_factory=dict)  # vars.factory_assistant of dbt_project.yml
    findings: list[Finding] = field(default_factory=list)


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise LayerError(f"'{path}' cannot be read as YAML ({str(exc).splitlines()[0]}).") from None


def _paths(config: dict[str, Any], key: str, default: list[str], legacy: str | None = None) -> list[str]:
    value = config.get(key) or (config.get(legacy) if legacy else None) or default
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def load_project(path: Path) -> DbtProject:
    """The project at `path` (its folder, or its dbt_project.yml). A missing folder or one with
    no dbt_project.yml is a LayerError, which the CLI shows as a message (exit 2)."""
    root = path.parent if path.is_file() and path.name == "dbt_project.yml" else path
    if not root.exists():
        raise LayerError(f"'{path}' does not exist.", suggestion="Pass the folder that holds dbt_project.yml.")
    config = _read_yaml(root / "dbt_project.yml") if (root / "dbt_project.yml").is_file() else None
    if not isinstance(config, dict):
        raise LayerError(f"'{path}' is not a dbt project: it has no dbt_project.yml.",
                         suggestion="Pass the folder that holds dbt_project.yml.")
    project = DbtProject(root=root, name=str(config.get("name") or root.name))
    fa_vars = (config.get("vars") or {}).get("factory_assistant") if isinstance(config.get("vars"), dict) else None
    project.meta = fa_vars if isinstance(fa_vars, dict) else {}
    seeds = _read_seeds(project, [root / p for p in _paths(config, "seed-paths", ["seeds"], "data-paths")])
    for folder in (root / p for p in _paths(config, "model-paths", ["models"], "source-paths")):
        _read_model_folder(project, folder, seeds)
    if not project.semantic_models:
        raise LayerError(f"'{path}' has no MetricFlow semantic models (no `semantic_models:` in its YAML).",
                         suggestion="Import a project that defines semantic models and metrics.")
    return project


def _read_model_folder(project: DbtProject, folder: Path, seeds: dict[str, Seed]) -> None:
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        if path.suffix in {".yml", ".yaml"}:
            _read_properties(project, path)
        elif path.suffix == ".sql":
            project.models[path.stem.lower()] = _read_model_sql(path, seeds)


def _read_properties(project: DbtProject, path: Path) -> None:
    data = _read_yaml(path)
    if not isinstance(data, dict):
        return
    where = str(path.relative_to(project.root))
    project.semantic_models += [{**sm, "_file": where} for sm in _named(data.get("semantic_models")) if _enabled(sm)]
    project.metrics += [{**m, "_file": where} for m in _named(data.get("metrics")) if _enabled(m)]
    for saved in _named(data.get("saved_queries")):
        project.findings.append(Finding(
            "unsupported", f"saved_queries.{saved['name']}", "a saved query is a stored query with no question "
            "in words, which a verified query needs; not imported (ask it, then promote the answer)."))
    for model in _named(data.get("models")):
        _read_model_properties(project, model)


def _named(items: Any) -> list[dict[str, Any]]:
    return [i for i in items or [] if isinstance(i, dict) and i.get("name")]


def _read_model_properties(project: DbtProject, model: dict[str, Any]) -> None:
    name = str(model["name"]).lower()
    types = {str(c["name"]).lower(): str(c["data_type"]) for c in model.get("columns") or []
             if isinstance(c, dict) and c.get("name") and c.get("data_type")}
    if types:
        project.column_types[name] = types
    if "semantic_model" in model:  # dbt 1.12's spec: semantic models inside model properties
        project.findings.append(Finding(
            "unsupported", f"models.{name}.semantic_model",
            "the semantic model is declared inside the model (dbt 1.12 spec); only top-level "
            "`semantic_models:` are read, so this one is not imported."))


def _enabled(item: dict[str, Any]) -> bool:
    """`config: {enabled: false}` takes an item out of the project, as dbt does."""
    config = item.get("config")
    return not (isinstance(config, dict) and config.get("enabled") is False)


# ---------------------------------------------------------------------- model SQL
def _spell_out(sql: str) -> str | None:
    """The SQL with ref()/source() as plain table names and config() removed; None when other
    Jinja remains (macros, loops), which no parser here can read honestly."""
    def call(match: re.Match[str]) -> str:
        args = _QUOTED.findall(match.group(2))
        if match.group(1) == "config" or not args:
            return ""
        return args[-1]

    plain = _JINJA_CALL.sub(call, sql)
    return None if _JINJA_ANY.search(plain) else plain


def _read_model_sql(path: Path, seeds: dict[str, Seed]) -> ModelSql:
    try:
        sql = _spell_out(path.read_text(encoding="utf-8"))
        tree = sqlglot.parse_one(sql, read="duckdb") if sql else None
    except (OSError, UnicodeDecodeError, ParseError):
        tree = None
    if not isinstance(tree, exp.Select) or tree.args.get("joins") or tree.args.get("with"):
        return ModelSql(columns=[])
    source = tree.args.get("from_") or tree.args.get("from")
    table = source.this if source is not None else None
    seed = seeds.get(table.name.lower()) if isinstance(table, exp.Table) else None
    out = ModelSql(columns=[], seed=seed)
    for item in tree.expressions:
        if isinstance(item, exp.Star):
            names = list(dict.fromkeys(seed.header)) if seed else []
            out.columns += names
            out.seed_columns.update({c: c for c in names})
            continue
        name = item.alias_or_name.lower()
        if not name:
            return ModelSql(columns=[])
        out.columns.append(name)
        inner = item.this if isinstance(item, exp.Alias) else item
        if seed is not None and isinstance(inner, exp.Column) and inner.name.lower() in seed.header:
            out.seed_columns[name] = inner.name.lower()
    return out


# ---------------------------------------------------------------------- seeds
def _read_seeds(project: DbtProject, folders: list[Path]) -> dict[str, Seed]:
    seeds: dict[str, Seed] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*.csv")):
            seed = _read_seed(project, path)
            if seed is not None:
                seeds[seed.name] = seed
    return seeds


def _read_seed(project: DbtProject, path: Path) -> Seed | None:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            raw = next(reader, [])
            rows = [row for _, row in zip(range(MAX_SEED_ROWS), reader, strict=False)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        project.findings.append(Finding("defect", f"seeds.{path.stem}", f"cannot be read as CSV ({exc})."))
        return None
    header = [h.strip().lower() for h in raw]
    seen: dict[str, int] = {}
    for i, col in enumerate(header):
        if col in seen:
            # csv readers (and databases loading it) rename or drop one of the two: which one a
            # model's SELECT gets is up to the loader, so the data behind that column is unsure.
            project.findings.append(Finding(
                "defect", f"seeds.{path.stem}",
                f"the header repeats column '{raw[i].strip()}' (columns {seen[col] + 1} and {i + 1}); "
                "models selecting it read the first one here: load the seed with the repeat renamed."))
        else:
            seen[col] = i
    return Seed(name=path.stem.lower(), path=path, header=header, rows=rows)
