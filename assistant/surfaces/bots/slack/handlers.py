"""The Slack bot's listeners: mentions, direct messages, `/factory`, and button presses.

Slack wants every request acknowledged within 3 seconds and retries one it did not see
acknowledged. Bolt (with `process_before_response` off, its default) acknowledges an event
before the listener runs and runs the listener in its worker pool; commands and buttons call
`ack()` first thing. The HTTP response (or the Socket Mode envelope's ack) therefore leaves
before any question is answered, however slow the answer is.

Listeners only check and hand over: each question becomes a job (`jobs` pool) that asks the
engine in a pool of its own (`answers`), waits `bot_working_after_s` for it, posts "working on it"
when it is slow, and puts the answer in place of that message. So Bolt's listener pool is never
held by a slow answer, and a slash command or a button press behind ten slow questions is still
acknowledged at once (their ack() runs in that pool).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltRequest

from assistant.core.text import question_lang
from assistant.surfaces.bots.engine import ChatEngine, Incoming
from assistant.surfaces.bots.reply import ChatReply, text_reply
from assistant.surfaces.bots.slack.layout import ACTION_ASK, ACTION_HOW, ACTION_OPEN, escape, plain_text, said
from assistant.surfaces.bots.slack.post import Poster, Thread

__all__ = ["SlackBot"]

log = logging.getLogger("assistant.bots.slack")

PLATFORM = "slack"  # the identity kind in the users file: `slack = ["U012AB3CD"]`
COMMAND = "/factory"


class SlackBot:
    """One workspace's bot over a shared `ChatEngine`; `register` wires it into a Bolt `App`."""

    def __init__(self, engine: ChatEngine, poster: Poster, *, working_after_s: float | None = None,
                 workers: int = 8) -> None:
        self.engine = engine
        self.poster = poster
        settings = engine.pipeline.settings
        self.working_after_s = settings.bot_working_after_s if working_after_s is None else working_after_s
        # Two pools: a job waits on its answer, and must never wait for a worker of its own pool.
        self.jobs = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="slack-job")
        self.answers = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="slack-answer")
        self.bot_user_id: str | None = None  # from auth.test, to take the bot's own mention off a message

    def close(self) -> None:
        self.jobs.shutdown(wait=False, cancel_futures=True)
        self.answers.shutdown(wait=False, cancel_futures=True)

    def register(self, app: App) -> None:
        def on_mention(body: dict[str, Any], event: dict[str, Any], request: BoltRequest,
                       context: BoltContext) -> None:
            self.bot_user_id = context.bot_user_id or self.bot_user_id
            self._guarded(self.on_message_event, body, event, _retry_num(request))

        def on_message(body: dict[str, Any], event: dict[str, Any], request: BoltRequest,
                       context: BoltContext) -> None:
            self.bot_user_id = context.bot_user_id or self.bot_user_id
            # Direct messages only; edits, deletions, joins and other bots' posts are not questions.
            if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
                return
            self._guarded(self.on_message_event, body, event, _retry_num(request))

        def on_command(ack: Ack, command: dict[str, Any], respond: Callable[..., Any]) -> None:
            ack()  # nothing shown yet: the question is posted in the channel and answered under it
            self._guarded(self.on_command, command, respond)

        def on_option(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
            ack()
            self._guarded(self.on_option, body, action)

        def on_how(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
            ack()
            self._guarded(self.on_how, body, action)

        def on_link(ack: Ack) -> None:
            ack()  # a URL button opens in the browser; Slack still tells the app it was pressed

        app.event("app_mention")(on_mention)
        app.event("message")(on_message)
        app.command(COMMAND)(on_command)
        app.action(re.compile(f"^{ACTION_ASK}_"))(on_option)
        app.action(ACTION_HOW)(on_how)
        app.action(re.compile(f"^{ACTION_OPEN}"))(on_link)

    def _guarded(self, handler: Callable[..., None], *args: Any) -> None:
        # A listener that raises is logged by Bolt and the user sees nothing: log it ourselves instead,
        # with no message text, and keep the worker alive for the next question.
        try:
            handler(*args)
        except Exception:
            log.exception("Slack listener %s failed", getattr(handler, "__name__", "?"))

    # -- the questions -----------------------------------------------------------------------------

    def on_message_event(self, body: dict[str, Any], event: dict[str, Any], retry_num: int) -> None:
        """A mention or a DM: answered once, in the message's thread."""
        channel, ts = str(event.get("channel", "")), str(event.get("ts", ""))
        event_id = str(body.get("event_id", ""))
        # The same message can come twice: a retry carries the same event_id, and a message that is
        # both a DM and a mention comes as two events with one channel and ts.
        if not self.engine.first_delivery(PLATFORM, event_id) or \
                not self.engine.first_delivery(PLATFORM, f"msg:{channel}:{ts}"):
            log.info("Slack event %s already taken (retry %d): dropped", event_id, retry_num)
            return
        if not channel or not ts or not event.get("user"):
            return
        thread = Thread(channel, str(event.get("thread_ts") or ts))
        text = plain_text(str(event.get("text", "")), self.bot_user_id)
        self.ask(thread, Incoming(PLATFORM, str(event["user"]), thread.key, text, event_id))

    def on_command(self, command: dict[str, Any], respond: Callable[..., Any]) -> None:
        """`/factory <question>`: the question goes into the channel as a message and the answer under
        it, so the channel sees both and follow-ups have a thread to go in."""
        user, channel = str(command.get("user_id", "")), str(command.get("channel_id", ""))
        text = plain_text(str(command.get("text", "")), self.bot_user_id)
        lang = question_lang(text)
        shown = said("asked", lang, user=user, text=escape(text)) if text else f"<@{user}> {COMMAND}"
        ts = self.poster.text(Thread(channel, ""), shown) if channel else None
        if not ts:  # a private channel or DM the bot is not in: say so to the asker alone
            respond(text=said("cannot_post", lang), response_type="ephemeral")
            return
        thread = Thread(channel, ts)
        self.ask(thread, Incoming(PLATFORM, user, thread.key, text))

    def on_option(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        """An option or the alert confirm: the button's question, asked by whoever pressed it."""
        thread, user = _pressed_in(body)
        if thread is None or not user:
            return
        question = self.poster.details.question(str(action.get("value", "")))
        if question is None:
            self.poster.text(thread, said("details_gone", "en") + "\n" + said("details_gone", "zh"))
            return
        self.ask(thread, Incoming(PLATFORM, user, thread.key, question))

    def on_how(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        """"How was this computed?": the provenance and SQL, for a known user (the same check as asking)."""
        thread, user = _pressed_in(body)
        if thread is None or not user:
            return
        lang = _message_lang(body)
        known, _user = self.engine.who(PLATFORM, user)
        if not known:  # the engine's words for an unknown user, with no figures
            self.poster.reply(thread, self.engine.reply(Incoming(PLATFORM, user, thread.key, "")))
            return
        self.poster.provenance(thread, str(action.get("value", "")), lang)

    # -- answering ---------------------------------------------------------------------------------

    def ask(self, thread: Thread, msg: Incoming) -> None:
        """Hand the question over and return: the listener's worker is free at once."""
        self.jobs.submit(self._guarded, self.answer, thread, msg)

    def answer(self, thread: Thread, msg: Incoming) -> None:
        """Ask the engine; if it takes longer than `working_after_s`, post "working on it" and put the
        answer in its place when it comes."""
        lang = question_lang(msg.text) if msg.text else "en"
        future = self.answers.submit(self.engine.reply, msg)
        working_ts: str | None = None
        try:
            reply = future.result(timeout=self.working_after_s)
        except TimeoutError:
            working_ts = self.poster.working(thread, lang)
            reply = self._result(future.result, lang)
        except Exception:
            reply = self._result(future.result, lang)
        self.poster.reply(thread, reply, replace_ts=working_ts)

    @staticmethod
    def _result(get: Callable[[], ChatReply], lang: str) -> ChatReply:
        try:
            return get()
        except Exception:  # the engine never raises for user input; a bug still gets a reply
            log.exception("Slack answer failed")
            return text_reply("error", lang, said("failed", lang))


def _retry_num(request: BoltRequest) -> int:
    """X-Slack-Retry-Num: 0 for a first delivery (Socket Mode mirrors it from the envelope)."""
    values = request.headers.get("x-slack-retry-num") or ["0"]
    try:
        return int(values[0])
    except (TypeError, ValueError):
        return 0


def _pressed_in(body: dict[str, Any]) -> tuple[Thread | None, str]:
    """The thread of the message a button is on (its own thread, or the message as a new root), and who pressed."""
    user = str((body.get("user") or {}).get("id", ""))
    channel = str((body.get("channel") or {}).get("id", "") or (body.get("container") or {}).get("channel_id", ""))
    message = body.get("message") or {}
    ts = str(message.get("thread_ts") or message.get("ts") or (body.get("container") or {}).get("message_ts", ""))
    return (Thread(channel, ts) if channel and ts else None), user


def _message_lang(body: dict[str, Any]) -> str:
    message = body.get("message") or {}
    return question_lang(str(message.get("text", "")))
