"""Settings, declared once as a table (name, default, environment variable, help).

This is the only module that reads the environment or the config file. Precedence:
explicit argument > environment variable > config file > default. The config file is TOML
at $FA_CONFIG or <user config dir>/factory-assistant/config.toml, with the setting names as
keys (e.g. `llm_model = "gpt-4o-mini"`). The README's settings table is checked against
SETTINGS_TABLE by the test suite.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import platformdirs

from assistant.core.errors import ConfigError

APP = "factory-assistant"
CONFIG_ENV = "FA_CONFIG"  # where the config file is (it cannot name itself)


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    env: str
    help: str


SETTINGS_TABLE: tuple[Setting, ...] = (
    Setting("db", None, "FA_DB", "Database: a DuckDB file path or a SQLAlchemy URL (default: the demo factory "
                                 "in the data folder)."),
    Setting("layer", None, "FA_LAYER", "Semantic layer folder (default: the demo factory's layer)."),
    Setting("as_of", None, "FA_AS_OF", "The date that 'today' means, YYYY-MM-DD (default: the real today)."),
    Setting("planner", None, "FA_PLANNER", "rules, llm or hybrid (default: hybrid when an LLM is configured, "
                                           "else rules)."),
    Setting("max_rows", 5000, "FA_MAX_ROWS", "Row cap for every query; more rows set `truncated`."),
    Setting("timeout_s", 10.0, "FA_TIMEOUT", "Statement time limit in seconds."),
    Setting("max_question_chars", 2000, "FA_MAX_QUESTION_CHARS", "Longest question read, on every surface; "
                                                                 "longer ones get a clear message, not an answer."),
    Setting("max_result_bytes", 50_000_000, "FA_MAX_RESULT_BYTES", "Byte cap on one result (as well as rows); "
                                                                   "more sets `truncated` or refuses."),
    Setting("temp_dir", None, "FA_TEMP_DIR", "Where DuckDB may spill to disk (default: <cache_dir>/spill)."),
    Setting("max_temp_size", "2GB", "FA_MAX_TEMP_SIZE", "Most disk DuckDB may spill to, e.g. 2GB."),
    Setting("memory_limit", "2GB", "FA_MEMORY_LIMIT", "Most memory one DuckDB database may use, e.g. 2GB."),
    Setting("pool_size", 8, "FA_POOL_SIZE", "Queries run at once; more wait in a queue."),
    Setting("queue_timeout_s", 5.0, "FA_QUEUE_TIMEOUT", "Seconds a query waits for a free connection before the "
                                                        "user is told the service is busy."),
    Setting("summaries", True, "FA_SUMMARIES", "Read the layer's summary tables (`aggregates:`) where they give "
                                               "a question's exact figures (false: always the fact tables)."),
    Setting("answer_cache_s", 60.0, "FA_ANSWER_CACHE", "Seconds the API keeps an answer for the same question (and "
                                                       "conversation so far), user scope and date (0: off)."),
    Setting("api_rate_per_min", 600, "FA_API_RATE", "Questions one API token may ask per minute (bursts of a tenth "
                                                  "of that); more get 429 with Retry-After (0: no limit)."),
    Setting("bot_rate_per_min", 12, "FA_BOT_RATE", "Questions one chat user may ask a bot per minute; more get "
                                                  "\"wait a moment\" (0: no limit)."),
    Setting("bot_working_after_s", 2.0, "FA_BOT_WORKING_AFTER", "Seconds a chat bot waits for an answer before it "
                                                               "posts \"working on it\"."),
    Setting("users_file", None, "FA_USERS", "TOML file of users (role, attributes, hashed password, chat and API "
                                            "identities); without one the app runs as an anonymous demo."),
    Setting("alerts_file", None, "FA_ALERTS", "YAML file of alert rules and delivery channels (default: the demo's "
                                              "example rules when the demo layer is used)."),
    Setting("alerts_db", None, "FA_ALERTS_DB", "Alert state database: a SQLAlchemy URL or a SQLite file path "
                                               "(default: alerts.sqlite in the data folder)."),
    Setting("app_url", None, "FA_APP_URL", "The app's address as people reach it (links in alerts, briefings and "
                                           "chat replies), e.g. https://factory.example.com."),
    Setting("slack_bot_token", None, "FA_SLACK_BOT_TOKEN", "Slack bot token (xoxb-...) for alerts and the Slack bot."),
    Setting("slack_signing_secret", None, "FA_SLACK_SIGNING_SECRET", "Slack app's signing secret: the Slack bot "
                                                                     "checks every request with it."),
    Setting("slack_app_token", None, "FA_SLACK_APP_TOKEN", "Slack app-level token (xapp-..., scope "
                                                           "connections:write) for the bot's Socket Mode."),
    Setting("feishu_app_id", None, "FA_FEISHU_APP_ID", "Feishu/Lark app id (cli_...): the webhooks bot replies as "
                                                       "this app."),
    Setting("feishu_app_secret", None, "FA_FEISHU_APP_SECRET", "Feishu/Lark app secret, for the bot's "
                                                               "tenant_access_token."),
    Setting("feishu_verification_token", None, "FA_FEISHU_VERIFICATION_TOKEN", "Feishu/Lark event subscription's "
                                                                               "verification token."),
    Setting("feishu_encrypt_key", None, "FA_FEISHU_ENCRYPT_KEY", "Feishu/Lark event subscription's encrypt key "
                                                                 "(events arrive encrypted and signed when set)."),
    Setting("feishu_api_base", "https://open.feishu.cn", "FA_FEISHU_API_BASE", "Feishu Open API address "
                                                                               "(Lark: https://open.larksuite.com)."),
    Setting("dingtalk_app_secret", None, "FA_DINGTALK_APP_SECRET", "DingTalk internal robot's AppSecret: checks "
                                                                   "each message's sign header."),
    Setting("wecom_corp_id", None, "FA_WECOM_CORP_ID", "WeCom (企业微信) corp id (ww...)."),
    Setting("wecom_agent_id", None, "FA_WECOM_AGENT_ID", "WeCom app's AgentId: the bot replies as this app."),
    Setting("wecom_secret", None, "FA_WECOM_SECRET", "WeCom app's Secret, for the bot's access_token."),
    Setting("wecom_token", None, "FA_WECOM_TOKEN", "WeCom app's callback Token (checks msg_signature)."),
    Setting("wecom_aes_key", None, "FA_WECOM_AES_KEY", "WeCom app's callback EncodingAESKey (43 characters)."),
    Setting("wecom_api_base", "https://qyapi.weixin.qq.com", "FA_WECOM_API_BASE", "WeCom API address."),
    Setting("teams_hmac_secret", None, "FA_TEAMS_HMAC_SECRET", "Microsoft Teams outgoing webhook's security token "
                                                               "(base64): checks each request's HMAC."),
    Setting("data_dir", None, "FA_DATA_DIR", "Where the demo database is written (default: the user data folder)."),
    Setting("cache_dir", None, "FA_CACHE_DIR", "Where caches live (default: the user cache folder)."),
    Setting("index_dir", None, "FA_INDEX_DIR", "Where the retrieval index is kept (default: <cache_dir>/index)."),
    Setting("startup_cache", True, "FA_STARTUP_CACHE", "Keep the member catalogue and the rule planner's "
                                                       "vocabulary between starts, in <cache_dir>/startup (false: "
                                                       "rebuild them in every process)."),
    Setting("llm_provider", None, "FA_LLM_PROVIDER", "LangChain provider: openai, ollama, anthropic, ... "
                                                     "(OpenAI-compatible servers: openai + llm_base_url)."),
    Setting("llm_model", None, "FA_LLM_MODEL", "Model name, e.g. gpt-4o-mini, qwen2.5:7b, deepseek-chat."),
    Setting("llm_base_url", None, "FA_LLM_BASE_URL", "Base URL of an OpenAI-compatible or Ollama server."),
    Setting("llm_api_key", None, "FA_LLM_API_KEY", "API key (not needed for local servers)."),
    Setting("llm_temperature", 0.0, "FA_LLM_TEMPERATURE", "Sampling temperature."),
    Setting("llm_timeout_s", 30.0, "FA_LLM_TIMEOUT", "Seconds before an LLM call is abandoned."),
    Setting("llm_repair_rounds", 2, "FA_LLM_REPAIR_ROUNDS", "How often the LLM may fix a rejected plan."),
)
DEFAULTS: dict[str, Any] = {s.name: s.default for s in SETTINGS_TABLE}
PLANNERS = ("rules", "llm", "hybrid")
SECRETS = frozenset({"llm_api_key", "slack_bot_token", "slack_signing_secret", "slack_app_token", "feishu_app_secret",
                     "feishu_verification_token", "feishu_encrypt_key", "dingtalk_app_secret", "wecom_secret",
                     "wecom_token", "wecom_aes_key", "teams_hmac_secret"})


@dataclass
class Settings:
    """The values in effect. Every field is a row of SETTINGS_TABLE (its default comes from there)."""

    db: str | None = DEFAULTS["db"]
    layer: str | None = DEFAULTS["layer"]
    as_of: dt.date | None = DEFAULTS["as_of"]
    planner: str | None = DEFAULTS["planner"]
    max_rows: int = DEFAULTS["max_rows"]
    timeout_s: float = DEFAULTS["timeout_s"]
    max_question_chars: int = DEFAULTS["max_question_chars"]
    max_result_bytes: int = DEFAULTS["max_result_bytes"]
    temp_dir: str | None = DEFAULTS["temp_dir"]
    max_temp_size: str = DEFAULTS["max_temp_size"]
    memory_limit: str = DEFAULTS["memory_limit"]
    pool_size: int = DEFAULTS["pool_size"]
    queue_timeout_s: float = DEFAULTS["queue_timeout_s"]
    summaries: bool = DEFAULTS["summaries"]
    answer_cache_s: float = DEFAULTS["answer_cache_s"]
    api_rate_per_min: int = DEFAULTS["api_rate_per_min"]
    bot_rate_per_min: int = DEFAULTS["bot_rate_per_min"]
    bot_working_after_s: float = DEFAULTS["bot_working_after_s"]
    users_file: str | None = DEFAULTS["users_file"]
    alerts_file: str | None = DEFAULTS["alerts_file"]
    alerts_db: str | None = DEFAULTS["alerts_db"]
    app_url: str | None = DEFAULTS["app_url"]
    slack_bot_token: str | None = DEFAULTS["slack_bot_token"]
    slack_signing_secret: str | None = DEFAULTS["slack_signing_secret"]
    slack_app_token: str | None = DEFAULTS["slack_app_token"]
    feishu_app_id: str | None = DEFAULTS["feishu_app_id"]
    feishu_app_secret: str | None = DEFAULTS["feishu_app_secret"]
    feishu_verification_token: str | None = DEFAULTS["feishu_verification_token"]
    feishu_encrypt_key: str | None = DEFAULTS["feishu_encrypt_key"]
    feishu_api_base: str = DEFAULTS["feishu_api_base"]
    dingtalk_app_secret: str | None = DEFAULTS["dingtalk_app_secret"]
    wecom_corp_id: str | None = DEFAULTS["wecom_corp_id"]
    wecom_agent_id: str | None = DEFAULTS["wecom_agent_id"]
    wecom_secret: str | None = DEFAULTS["wecom_secret"]
    wecom_token: str | None = DEFAULTS["wecom_token"]
    wecom_aes_key: str | None = DEFAULTS["wecom_aes_key"]
    wecom_api_base: str = DEFAULTS["wecom_api_base"]
    teams_hmac_secret: str | None = DEFAULTS["teams_hmac_secret"]
    data_dir: str | None = DEFAULTS["data_dir"]
    cache_dir: str | None = DEFAULTS["cache_dir"]
    index_dir: str | None = DEFAULTS["index_dir"]
    startup_cache: bool = DEFAULTS["startup_cache"]
    llm_provider: str | None = DEFAULTS["llm_provider"]
    llm_model: str | None = DEFAULTS["llm_model"]
    llm_base_url: str | None = DEFAULTS["llm_base_url"]
    llm_api_key: str | None = DEFAULTS["llm_api_key"]
    llm_temperature: float = DEFAULTS["llm_temperature"]
    llm_timeout_s: float = DEFAULTS["llm_timeout_s"]
    llm_repair_rounds: int = DEFAULTS["llm_repair_rounds"]
    sources: dict[str, str] = field(default_factory=dict)  # setting -> where its value came from

    @classmethod
    def load(cls, **overrides: Any) -> Settings:
        """Read arguments, the environment and the config file, in that order of precedence."""
        file_values = _read_config_file()
        values: dict[str, Any] = {}
        sources: dict[str, str] = {}
        types = {f.name: str(f.type) for f in fields(cls)}
        for setting in SETTINGS_TABLE:
            raw, source = setting.default, "default"
            if setting.name in file_values:
                raw, source = file_values[setting.name], "config file"
            if os.environ.get(setting.env) not in (None, ""):
                raw, source = os.environ[setting.env], setting.env
            if overrides.get(setting.name) is not None:
                raw, source = overrides[setting.name], "argument"
            values[setting.name] = _coerce(setting.name, raw, types[setting.name])
            sources[setting.name] = source
        settings = cls(**values, sources=sources)
        if settings.planner not in (None, *PLANNERS):
            raise ConfigError(f"Unknown planner '{settings.planner}'.", suggestion="Use rules, llm or hybrid.")
        return settings

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_model and (self.llm_provider or self.llm_base_url))

    @property
    def effective_planner(self) -> str:
        return self.planner or ("hybrid" if self.llm_configured else "rules")

    def data_path(self) -> Path:
        return Path(self.data_dir) if self.data_dir else Path(platformdirs.user_data_dir(APP))

    def cache_path(self) -> Path:
        return Path(self.cache_dir) if self.cache_dir else Path(platformdirs.user_cache_dir(APP))

    def index_path(self) -> Path:
        return Path(self.index_dir) if self.index_dir else self.cache_path() / "index"

    def temp_path(self) -> Path:
        return Path(self.temp_dir) if self.temp_dir else self.cache_path() / "spill"

    def alerts_db_url(self) -> str:
        """The alert state database as a SQLAlchemy URL (a bare path is a SQLite file)."""
        target = self.alerts_db or str(self.data_path() / "alerts.sqlite")
        return target if "://" in target else f"sqlite:///{Path(target).expanduser()}"

    def demo_db_path(self) -> Path:
        """Where the demo factory is generated when no database is configured."""
        return self.data_path() / "factory.duckdb"

    def db_target(self) -> str:
        return self.db or str(self.demo_db_path())

    def today(self) -> dt.date:
        return self.as_of or dt.date.today()

    def describe(self) -> list[tuple[str, str, str]]:
        """(name, value, source) for the settings panel; secrets masked."""
        out = []
        for setting in SETTINGS_TABLE:
            value = getattr(self, setting.name)
            shown = "••••" if setting.name in SECRETS and value else str(value)
            out.append((setting.name, shown, self.sources.get(setting.name, "default")))
        return out


def environment_value(name: str) -> str | None:
    """A secret named by configuration (e.g. a webhook's `secret_env`), read here so that every
    read of the environment stays in this module."""
    return os.environ.get(name) or None


def environment_has(name: str) -> bool:
    """Whether a third-party variable is set (e.g. a provider's own OPENAI_API_KEY, which its
    client reads itself): asked here so that every read of the environment stays in this module."""
    return bool(os.environ.get(name))


def config_path() -> Path:
    """Where the config file is read from and written to."""
    return Path(os.environ.get(CONFIG_ENV, Path(platformdirs.user_config_dir(APP)) / "config.toml"))


def save_setting(name: str, value: str, *, private: bool = False) -> Path:
    """Set one setting in the config file, keeping every other line and comment. `private`: the
    value holds a secret (a password in a URL), so the file is made readable by its owner only."""
    from semantic_layer.safe_write import locked_update_text

    if name not in DEFAULTS:
        raise ConfigError(f"Unknown setting '{name}'.")
    path = config_path()
    line = f"{name} = {json.dumps(value)}"  # a JSON string is a valid TOML basic string

    def change(current: str | None) -> str:
        text = _with_line(current or "", name, line)
        try:
            tomllib.loads(text)  # never leave a file that Settings.load cannot read
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"The config file {path} is not valid TOML: {exc}.") from None
        return text

    locked_update_text(path, change)
    if private:
        path.chmod(0o600)
    return path


def _with_line(current: str, name: str, line: str) -> str:
    """The config text with `line` in place of the top-level `name = ...` (settings are top-level
    keys, so a new one goes before the first [table])."""
    own = re.compile(rf"^\s*{re.escape(name)}\s*=")
    lines = current.splitlines()
    end = next((i for i, old in enumerate(lines) if old.lstrip().startswith("[")), len(lines))
    top, rest = lines[:end], lines[end:]
    at = next((i for i, old in enumerate(top) if own.match(old)), len(top))  # where the old value was
    top = [old for old in top if not own.match(old)]
    top.insert(min(at, len(top)), line)
    return "\n".join([*top, *rest]) + "\n"


def _read_config_file() -> dict[str, Any]:
    path = config_path()
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
        if type_name.startswith("bool"):  # env and config text: 0/false/no/off switch it off
            return raw if isinstance(raw, bool) else str(raw).strip().lower() not in ("0", "false", "no", "off", "")
        if type_name.startswith("int"):
            return int(raw)
        if type_name.startswith("float"):
            return float(raw)
    except ValueError:
        raise ConfigError(f"Setting '{name}' has an invalid value '{raw}'.",
                          suggestion="Dates are YYYY-MM-DD; numbers are plain digits.") from None
    return str(raw) if not isinstance(raw, (int, float)) else raw
