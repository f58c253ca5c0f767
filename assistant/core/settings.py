"""Settings, declared as one table (name, default, environment variable, help).

Precedence: explicit argument > environment variable > config file > default. The config
file is TOML at $FA_CONFIG or <user config dir>/factory-assistant/config.toml, with the
setting names as keys (e.g. `llm_model = "gpt-4o-mini"`).
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import platformdirs

from assistant.core.errors import ConfigError

APP = "factory-assistant"


def data_dir() -> Path:
    return Path(os.environ.get("FA_DATA_DIR", platformdirs.user_data_dir(APP)))


def cache_dir() -> Path:
    return Path(os.environ.get("FA_CACHE_DIR", platformdirs.user_cache_dir(APP)))


def default_db_path() -> Path:
    return data_dir() / "factory.duckdb"


# name, default, environment variable, help
SETTINGS_TABLE: list[tuple[str, Any, str, str]] = [
    ("db", None, "FA_DB", "Database: a DuckDB file path or a SQLAlchemy URL (default: the demo factory in the user data folder)."),
    ("layer", None, "FA_LAYER", "Semantic layer folder (default: the demo factory layer)."),
    ("index_dir", None, "FA_INDEX_DIR", "Where the retrieval index is kept (default: user cache folder)."),
    ("as_of", None, "FA_AS_OF", "The date that 'today' means, YYYY-MM-DD (default: the real today)."),
    ("planner", None, "FA_PLANNER", "rules | llm | hybrid (default: hybrid when an LLM is configured, else rules)."),
    ("max_rows", 5000, "FA_MAX_ROWS", "Row cap for every query; more rows set `truncated`."),
    ("timeout_s", 10.0, "FA_TIMEOUT", "Statement time limit in seconds."),
    ("llm_provider", None, "FA_LLM_PROVIDER", "LangChain provider: openai, ollama, anthropic, ... (OpenAI-compatible servers: openai + llm_base_url)."),
    ("llm_model", None, "FA_LLM_MODEL", "Model name, e.g. gpt-4o-mini, qwen2.5:7b, deepseek-chat."),
    ("llm_base_url", None, "FA_LLM_BASE_URL", "Base URL of an OpenAI-compatible or Ollama server."),
    ("llm_api_key", None, "FA_LLM_API_KEY", "API key (not needed for local servers)."),
    ("llm_temperature", 0.0, "FA_LLM_TEMPERATURE", "Sampling temperature."),
    ("llm_timeout_s", 30.0, "FA_LLM_TIMEOUT", "Seconds before an LLM call is abandoned."),
    ("llm_repair_rounds", 2, "FA_LLM_REPAIR_ROUNDS", "How often the LLM may fix a rejected plan."),
]


@dataclass
class Settings:
    db: str | None = None
    layer: str | None = None
    index_dir: str | None = None
    as_of: dt.date | None = None
    planner: str | None = None
    max_rows: int = 5000
    timeout_s: float = 10.0
    llm_provider: str | None = None
    llm_model: str | None = None
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_temperature: float = 0.0
    llm_timeout_s: float = 30.0
    llm_repair_rounds: int = 2
    sources: dict[str, str] = field(default_factory=dict)  # setting -> where its value came from

    @classmethod
    def load(cls, **overrides: Any) -> Settings:
        file_values = _read_config_file()
        values: dict[str, Any] = {}
        sources: dict[str, str] = {}
        types = {f.name: f.type for f in fields(cls)}
        for name, default, env, _help in SETTINGS_TABLE:
            raw, source = default, "default"
            if name in file_values:
                raw, source = file_values[name], "config file"
            if os.environ.get(env) not in (None, ""):
                raw, source = os.environ[env], env
            if overrides.get(name) is not None:
                raw, source = overrides[name], "argument"
            values[name] = _coerce(name, raw, str(types[name]))
            sources[name] = source
        settings = cls(**values, sources=sources)
        if settings.planner not in (None, "rules", "llm", "hybrid"):
            raise ConfigError(f"Unknown planner '{settings.planner}'.", suggestion="Use rules, llm or hybrid.")
        return settings

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_model and (self.llm_provider or self.llm_base_url))

    @property
    def effective_planner(self) -> str:
        return self.planner or ("hybrid" if self.llm_configured else "rules")

    def index_path(self) -> Path | None:
        return Path(self.index_dir) if self.index_dir else None

    def db_target(self) -> str:
        return self.db or str(default_db_path())

    def today(self) -> dt.date:
        return self.as_of or dt.date.today()

    def describe(self) -> list[tuple[str, str, str]]:
        """(name, value, source) for the settings panel; secrets masked."""
        out = []
        for name, _default, _env, _help in SETTINGS_TABLE:
            value = getattr(self, name)
            shown = "••••" if name == "llm_api_key" and value else str(value)
            out.append((name, shown, self.sources.get(name, "default")))
        return out


def _read_config_file() -> dict[str, Any]:
    path = Path(os.environ.get("FA_CONFIG", Path(platformdirs.user_config_dir(APP)) / "config.toml"))
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"The config file {path} is not valid TOML: {exc}.") from None


def _coerce(name: str, raw: Any, type_name: str) -> Any:
    if raw is None:
        return None
    try:
        if "date" in type_name:
            return raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw))
        if type_name.startswith("int"):
            return int(raw)
        if type_name.startswith("float"):
            return float(raw)
    except ValueError:
        raise ConfigError(f"Setting '{name}' has an invalid value '{raw}'.",
                          suggestion="Dates are YYYY-MM-DD; numbers are plain digits.") from None
    return str(raw) if not isinstance(raw, (int, float)) else raw
