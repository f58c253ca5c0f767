"""The one place chat bots ask: who is asking, in which conversation, how often, and the answer.

Every platform adapter turns its event into an `Incoming` and lays out the `ChatReply` it gets
back; nothing else differs between Slack, Feishu, DingTalk, WeCom and Teams:

- **Who**: with a users file, the chat identity (`slack = ["U012AB3CD"]` under the user) maps to a
  user and the answer is in that user's access scope; an unknown identity is told how to be added,
  never answered. Without a users file the bot is the anonymous demo, as the app is.
- **Where**: one conversation per thread (platform + thread key), so "and for Suzhou?" follows the
  question before it in the same thread, and never a question from another thread.
- **How often**: each delivery once (`Deliveries`), each user at most `bot_rate_per_min`.
- **Alerts**: "alert me when …" gets the rule in words and a confirm button, not an answer; the
  confirm saves it as the user's rule.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine

from assistant.alerts.chat import example_sentence, is_alert_request
from assistant.alerts.config import load_rules
from assistant.alerts.manage import open_state_db, save_rule
from assistant.alerts.scope_check import rule_within_scope
from assistant.core.errors import ClarificationNeeded, FactoryAssistantError, ServiceBusy, user_message
from assistant.core.text import question_lang, valid_unicode
from assistant.core.users import User, Users
from assistant.pipeline import Pipeline
from assistant.scoped import ScopedPipeline, for_user, scope_note
from assistant.surfaces.bots.reply import ChatOption, ChatReply, reply_from_answer, text_reply
from assistant.surfaces.conversations import Conversations
from assistant.surfaces.limits import Deliveries, RateLimit

__all__ = ["ALERT_CONFIRM_PREFIX", "ChatEngine", "Incoming"]

log = logging.getLogger("assistant.bots")

# A confirm button's value: the prefix and the sentence, asked again on press (no state to lose).
ALERT_CONFIRM_PREFIX = "fa-alert-confirm:"

_TEXTS = {
    "unknown_user": ("I don't know you yet, so I can't answer. Ask your administrator to add your {platform} id "
                     "`{sender}` to a user in the users file.",
                     "我还不认识你，所以不能回答。请管理员把你的 {platform} ID `{sender}` "
                     "加到用户文件中的某个用户下。"),
    "slow_down": ("You're asking quickly: please wait {s} s and ask again.", "提问有点快：请等 {s} 秒后再问。"),
    "busy": ("Everyone's asking at once: please ask again in a few seconds.", "现在提问的人很多：请几秒后再问。"),
    "too_long": ("That message is {n:,} characters long; I read at most {limit:,}. Ask in a sentence or two.",
                 "这条消息有 {n:,} 个字符，最多可读 {limit:,} 个。请用一两句话提问。"),
    "help": ("Ask me about your data in English or Chinese, for example:",
             "可以用中文或英文问我数据方面的问题，例如："),
    "alert_offer": ("Shall I watch this for you?\n{words}", "要我帮你盯着吗？\n{words}"),
    "alert_create": ("Create the alert", "创建提醒"),
    "alert_saved": ("Alert created ({id}): {words}", "已创建提醒（{id}）：{words}"),
    "alert_example": ("For example: {example}", "例如：{example}"),
    "failed": ("Something went wrong on my side; the answer was not computed. Please try again.",
               "我这边出了问题，没能算出答案。请再试一次。"),
}


def said(key: str, lang: str, **values: object) -> str:
    en, zh = _TEXTS[key]
    return (zh if lang == "zh" else en).format(**values)


@dataclass(frozen=True)
class Incoming:
    """One chat message for the assistant, the platform's markup already taken off."""

    platform: str  # slack, feishu, dingtalk, wecom, teams: also the identity kind in the users file
    sender: str  # the platform's user id
    thread: str  # the conversation: channel + thread, or the chat id for one-to-one chats
    text: str
    event_id: str = ""  # the platform's delivery id, for answering a retried delivery once


class ChatEngine:
    """Answers `Incoming` messages over one shared pipeline; safe to call from many threads."""

    def __init__(self, pipeline: Pipeline, users: Users | None, *, max_conversations: int = 2000,
                 rate_per_min: int | None = None) -> None:
        self.pipeline = pipeline
        self.users = users
        settings = pipeline.settings
        self.conversations = Conversations(max_conversations)
        self.deliveries = Deliveries()
        self.rate = RateLimit(settings.bot_rate_per_min if rate_per_min is None else rate_per_min)
        self._store: Engine | None = None

    @property
    def store(self) -> Engine:
        """The alert state database, opened on the first alert request (most bots never need it)."""
        if self._store is None:
            self._store = open_state_db(self.pipeline.settings.alerts_db_url())
        return self._store

    def first_delivery(self, platform: str, event_id: str) -> bool:
        """False for a delivery already taken (a platform's retry): the adapter drops it."""
        return self.deliveries.first_time(f"{platform}:{event_id}" if event_id else "")

    def who(self, platform: str, sender: str) -> tuple[bool, User | None]:
        """(known, user): unknown only when users are configured and this identity is not among them."""
        if self.users is None:
            return True, None
        user = self.users.by_identity(platform, sender)
        return user is not None, user

    def reply(self, msg: Incoming) -> ChatReply:
        """The answer to one message; never raises for anything a user can type."""
        text = valid_unicode(msg.text).strip()
        lang = question_lang(text) if text else "en"
        known, user = self.who(msg.platform, msg.sender)
        if not known:
            return text_reply("denied", lang, said("unknown_user", lang, platform=msg.platform, sender=msg.sender))
        if not text:
            return self.help(lang, user)
        limit = self.pipeline.settings.max_question_chars
        if len(text) > limit:
            return text_reply("refused", lang, said("too_long", lang, n=len(text), limit=limit))
        wait = self.rate.wait_s(f"{msg.platform}:{msg.sender}")
        if wait > 0:
            return text_reply("busy", lang, said("slow_down", lang, s=max(1, round(wait))))
        try:
            if text.startswith(ALERT_CONFIRM_PREFIX):
                return self._save_alert(text.removeprefix(ALERT_CONFIRM_PREFIX), user, lang)
            if is_alert_request(text):
                return self._offer_alert(text, user, lang)
            return self._answer(msg, text, user)
        except ServiceBusy:
            return text_reply("busy", lang, said("busy", lang))
        except FactoryAssistantError as exc:
            return text_reply("error", lang, user_message(exc, lang))
        except Exception:  # one bad message must not take the bot down; the log has the detail
            log.exception("bot reply failed (%s)", msg.platform)
            return text_reply("error", lang, said("failed", lang))

    def help(self, lang: str, user: User | None) -> ChatReply:
        layer = for_user(self.pipeline, user).layer
        queries = sorted(layer.spec.verified_queries, key=lambda q: q.lang != lang)[:4]
        picks = tuple(ChatOption(q.question, q.question) for q in queries)
        return text_reply("help", lang, said("help", lang), options_=picks)

    def _answer(self, msg: Incoming, text: str, user: User | None) -> ChatReply:
        view = for_user(self.pipeline, user)
        _cid, conversation = self.conversations.open(f"{msg.platform}:{msg.thread}", msg.thread)
        with conversation.lock:  # two messages racing in one thread take turns
            answer = view.ask(text, session=conversation.session)
            self.conversations.trim(conversation)
        note = scope_note(view, answer.lang) if isinstance(view, ScopedPipeline) and view.access.values else ""
        return reply_from_answer(answer, view.layer, app_url=self.pipeline.settings.app_url, scope_note=note)

    def _offer_alert(self, sentence: str, user: User | None, lang: str) -> ChatReply:
        settings = self.pipeline.settings
        alerts = load_rules(settings, self.pipeline.layer, self.store)
        try:
            draft = rule_within_scope(sentence, self.pipeline, user=user, taken={r.id for r in alerts.rules},
                                       channels=alerts.channels, as_of=settings.today())
        except ClarificationNeeded as exc:
            example = said("alert_example", lang, example=example_sentence(self.pipeline.layer, lang))
            return text_reply("clarify", lang, f"{exc.text(lang)}\n{example}")
        confirm = ChatOption(said("alert_create", lang), ALERT_CONFIRM_PREFIX + sentence)
        return text_reply("alert", lang, said("alert_offer", lang, words=draft.text(lang)), options_=(confirm,))

    def _save_alert(self, sentence: str, user: User | None, lang: str) -> ChatReply:
        # Read again from the sentence: the button carries no rule, so nothing in it can be forged
        # beyond what the user could type, and the rule is checked in the user's scope once more.
        settings = self.pipeline.settings
        alerts = load_rules(settings, self.pipeline.layer, self.store)
        draft = rule_within_scope(sentence, self.pipeline, user=user, taken={r.id for r in alerts.rules},
                                   channels=alerts.channels, as_of=settings.today())
        saved = save_rule(self.store, draft.rule)
        return text_reply("alert_saved", lang, said("alert_saved", lang, id=saved.id, words=draft.text(lang)))
