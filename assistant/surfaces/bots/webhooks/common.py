"""What the four webhook adapters share: answering off the request thread, cached API tokens,
numbered options for platforms without buttons, and the reply's parts as chat markdown.

Each adapter verifies its platform's signature, turns the event into an `Incoming`, and lays
the `ChatReply` out in its platform's format; everything else is here once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from assistant.alerts.delivery.base import DeliveryError, check_code, labels, redact, request
from assistant.core.settings import SETTINGS_TABLE, Settings
from assistant.surfaces.bots.engine import ChatEngine
from assistant.surfaces.bots.reply import ChatOption, ChatReply, word

__all__ = ["Bots", "Picks", "TokenCache", "Worker", "call_json", "env_names", "markdown_table", "more_rows_line",
           "provenance_lines", "table_lines", "words"]

log = logging.getLogger("assistant.bots.webhooks")
T = TypeVar("T")

_WORDS = {
    "open": (labels("en")["open"], labels("zh")["open"]),
    "how": ("How this was computed", "计算说明"),
    "pick": ("Reply with a number to ask it:", "回复数字即可提问："),
    "chart": ("Chart in the app", "在应用中查看图表"),
    "computing": ("Still computing that answer: ask again in a few seconds and it will be ready.",
                  "答案还在计算中：请几秒后再问一次，就能看到结果。"),
    "answered": ("That message was answered above.", "这条消息已在上方回答。"),
    "asking": ("Asking: {q}", "正在提问：{q}"),
}


def words(key: str, lang: str, **values: Any) -> str:
    en, zh = _WORDS[key]
    return (zh if lang == "zh" else en).format(**values)


def env_names(names: Iterable[str]) -> list[str]:
    """The environment variables of settings, for "set FA_..." messages (names, never values)."""
    env = {s.name: s.env for s in SETTINGS_TABLE}
    return [env[n] for n in names]


def call_json(http: httpx.Client, method: str, url: str, platform: str, **kwargs: Any) -> dict[str, Any]:
    """A platform API call's JSON body. These platforms answer HTTP 200 with an error code in the
    body (Feishu `code`, DingTalk and WeCom `errcode`): anything but 0 is a DeliveryError."""
    response = request(http, method, url, platform, **kwargs)
    check_code(response, platform, ("code", "errcode"), ("msg", "errmsg"))
    body = response.json()
    return body if isinstance(body, dict) else {}


class Worker:
    """Answers off the request: platforms that reply by API get their acknowledgement at once
    (Feishu 3 s, WeCom 5 s), and Teams can stop waiting without stopping the work."""

    def __init__(self, threads: int, secrets: Callable[[], Iterable[str]]) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="bot-answer")
        self._secrets = secrets
        self._running: set[Future[Any]] = set()
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T | None]:
        future = self._pool.submit(self._guarded, fn, *args)
        with self._lock:
            self._running.add(future)
        future.add_done_callback(self._finished)
        return future

    def _guarded(self, fn: Callable[..., T], *args: Any) -> T | None:
        try:
            return fn(*args)
        except DeliveryError as exc:  # the platform refused or could not be reached: its words, redacted
            log.error("bot reply not delivered: %s", redact(exc.message, self._secrets()))
        except Exception as exc:  # never a traceback at info level: exception texts can carry URLs with tokens
            log.error("bot reply failed (%s): %s", type(exc).__name__, redact(str(exc), self._secrets()))
            log.debug("bot reply failure", exc_info=True)
        return None

    def _finished(self, future: Future[Any]) -> None:
        with self._lock:
            self._running.discard(future)

    def drain(self) -> None:
        """Wait until every answer submitted so far is sent (tests; a clean shutdown)."""
        while True:
            with self._lock:
                running = set(self._running)
            if not running:
                return
            wait(running)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


class TokenCache:
    """An API access token (Feishu tenant_access_token, WeCom access_token), fetched once and
    reused until five minutes before it expires: both platforms rate-limit fetching it."""

    def __init__(self, fetch: Callable[[], tuple[str, float]], clock: Callable[[], float] = time.monotonic) -> None:
        self._fetch = fetch
        self._clock = clock
        self._token = ""
        self._expires = 0.0
        self._lock = threading.Lock()

    def get(self) -> str:
        with self._lock:
            now = self._clock()
            if not self._token or now >= self._expires:
                token, ttl_s = self._fetch()
                self._token, self._expires = token, now + max(60.0, ttl_s - 300.0)
            return self._token


class Picks:
    """The options last offered in each conversation, for platforms whose replies cannot carry
    buttons (WeCom markdown, Teams outgoing webhooks): "2" asks the second option's question."""

    def __init__(self, max_threads: int = 5000) -> None:
        self._offered: OrderedDict[str, tuple[ChatOption, ...]] = OrderedDict()
        self._max = max_threads
        self._lock = threading.Lock()

    def remember(self, thread: str, options: tuple[ChatOption, ...]) -> None:
        with self._lock:
            self._offered.pop(thread, None)
            if options:
                self._offered[thread] = options
                while len(self._offered) > self._max:
                    self._offered.popitem(last=False)

    def resolve(self, thread: str, text: str) -> str:
        number = text.strip().rstrip(".")
        with self._lock:
            options = self._offered.get(thread, ())
        if number.isdigit() and 1 <= int(number) <= len(options):
            return options[int(number) - 1].question
        return text


@dataclass
class Bots:
    """One engine, one HTTP client and one answer pool for all platforms of the server."""

    engine: ChatEngine
    settings: Settings
    http: httpx.Client
    worker: Worker


def markdown_table(reply: ChatReply) -> str:
    """A pipe table (Feishu cards render it); cells' pipes escaped so a label cannot split a column."""
    def row(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"
    lines = [row(reply.headers), "|" + "---|" * len(reply.headers), *(row(r) for r in reply.rows)]
    return "\n".join(lines)


def table_lines(reply: ChatReply) -> list[str]:
    """The table as a markdown list, for DingTalk and WeCom, whose markdown has no tables: one
    line a row, the first column in bold, the others as "header value"."""
    lines = []
    for row in reply.rows:
        if len(row) == 2:
            lines.append(f"- **{row[0]}**: {row[1]}")
        else:
            rest = " · ".join(f"{h} {v}" for h, v in zip(reply.headers[1:], row[1:], strict=True))
            lines.append(f"- **{row[0]}**" + (f" · {rest}" if rest else ""))
    return lines


def more_rows_line(reply: ChatReply) -> str:
    if reply.more_rows:
        return word("more_rows", reply.lang, n=reply.more_rows)
    return word("truncated", reply.lang) if reply.truncated else ""


def provenance_lines(reply: ChatReply) -> list[str]:
    """Where the figures come from, without the SQL (a chat is no place for it; the app has it)."""
    return [f"{label}: {text}" for label, text in reply.provenance]
