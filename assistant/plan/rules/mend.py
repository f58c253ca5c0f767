"""Rewrites of a question before it is read, each keeping its length so every span still points right:
a negated state said as the layer names it ('没到货' -> '未到货'), two layer words joined by a hyphen read
apart, 'lots of' read as no word, a question's inverted subject put back ('were the presses down')."""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.core.text import has_cjk
from assistant.plan.rules.vocab import Vocabulary

_NEGATED = re.compile(r"还?(?:没有|没|尚未|还未)(?=[\u4e00-\u9fff])|已经(?=[\u4e00-\u9fff])")


_LIMIT_NEXT = re.compile(r"\s*(?:到|达到|够|过|超过)\s*\d")


def mend_negated_states(question: str, vocab: Vocabulary) -> str:
    """'没到货', '还没发货': a negated state that the layer names with 未 ('未到货', the open status)
    is that state, so the negation is read, not left to ask about; likewise '已经发货' is 已发货."""
    def swap(m: re.Match[str]) -> str:
        rest = m.string[m.end():m.end() + 4]
        if _LIMIT_NEXT.match(m.string, m.end()):
            return m.group(0)  # 'OEE没到80%': a limit not reached, no state
        for n in range(len(rest), 0, -1):
            if any(t.kind == "value" for t in vocab.lookup(rest[:n])):
                break  # '没关闭': 'closed' is a state of its own; leaving it out is the exact reading
            mark = "已" if m.group(0) == "已经" else "未"  # '已经发货': the layer's 已发货
            if any(t.kind == "value" for t in vocab.lookup(mark + rest[:n])):
                return mark
        return m.group(0)

    return _NEGATED.sub(swap, question)


# '三号线', '二号机': a numbered thing said with a Chinese digit is the same as '3号线' (one character each)
_CN_DIGIT = re.compile(r"[一二三四五六七八九](?=\s*号)")
_DIGITS = {c: str(i) for i, c in enumerate("一二三四五六七八九", start=1)}
_SIDE_BY_SIDE = re.compile(r"\bside\s+by\s+side\b", re.I)
# 'a lot of', 'lots of': a quantifier, however the layer uses 'lot' ('lots' may name material lots)
_QUANTIFIER = re.compile(r"\b(?:a\s+lot|lots|plenty)\s+of\b", re.I)
_COMPOUND = re.compile(r"(?<![\w-])([A-Za-z]{3,})-([A-Za-z]{3,})(?![\w-])")


# '(cnc, press etc)', '（钢材、铝材、树脂这些）', '(e.g. CNC, presses)': examples of what a breakdown holds,
# said to explain the breakdown, not to narrow it. Only right after a breakdown's words ('by', '按', '各').
_EXAMPLES = re.compile(
    r"[(（]\s*(?:(?:e\.g\.?|eg|such as|比如|例如|像)[\s,，:：]*[^()（）]{1,40}?"
    r"|[^()（）]{1,40}?(?:\s*\betc\b\.?|\s*and so on|\s*and the like|这些|这类|那些|那类|那几种|之类的?|什么的"
    r"|等等?))\s*[)）]", re.I)
# '… for each kind of machine - presses, CNCs, paint cells and so on': the same examples after a dash, said last
_DASH_EXAMPLES = re.compile(r"\s[-–—]\s+[^-–—()（）]{1,60}?(?:\s*\betc\b\.?|\s*and\s+so\s+on|\s*and\s+the\s+like"
                            r"|这些|这类|那些|那类|之类的?|什么的|等等?)[.。!！]?\s*$", re.I)
_BREAKDOWN_WORD = re.compile(r"\b(?:by|each|every|per|split|across|between)\b|按|各|每", re.I)
_BREAKDOWN_BEFORE = re.compile(r"(?:\b(?:by|each|every|per|split|across|between)\b|按|各|每|分)[^()（）]{0,24}$", re.I)


# '不管状态', '不论什么状态', 'regardless of status', 'whatever the status': every state counts, none is named
_ANY_STATE = re.compile(r"(?:不管|不论|无论)(?:是)?(?:什么|哪种|何种)?[\u4e00-\u9fff]{0,4}?状态"
                        r"|\b(?:regardless\s+of|whatever|irrespective\s+of|any)\s+(?:the\s+|their\s+|its\s+)?status\b",
                        re.I)


def blank_examples(question: str, vocab: Vocabulary | None = None) -> str:
    """A breakdown's examples in brackets read as no words (same length, so spans keep pointing right);
    so are a member's ('planned stops (changeovers, PM)': what planned stops are, not which of them)."""
    def blank(m: re.Match[str]) -> str:
        before = m.string[max(0, m.start() - 30):m.start()]
        if not _BREAKDOWN_BEFORE.search(before) and not (vocab is not None and _member_before(before, vocab)):
            return m.group(0)
        return " " * len(m.group(0))

    question = _ANY_STATE.sub(lambda m: " " * len(m.group(0)), question)
    def dash(m: re.Match[str]) -> str:  # said last, after the whole question: 'each …' anywhere before it
        return " " * len(m.group(0)) if _BREAKDOWN_WORD.search(m.string, 0, m.start()) else m.group(0)

    return _EXAMPLES.sub(blank, _DASH_EXAMPLES.sub(dash, question))


def _member_before(before: str, vocab: Vocabulary) -> bool:
    """Whether the words right before a bracket name a member ('planned stops', '计划内停机')."""
    words = before.rstrip().split()
    if not words:
        return False
    last = words[-3:]
    tails = [" ".join(last[i:j]) for i in range(len(last)) for j in range(i + 1, len(last) + 1)]
    if has_cjk(words[-1]):  # '计划内停机（…）': any name among the last characters
        run = words[-1][-8:]
        tails = [run[i:j] for i in range(len(run)) for j in range(i + 2, len(run) + 1)]
    return any(any(t.kind == "value" for t in vocab.lookup(tail)) for tail in tails)


def split_compounds(question: str, vocab: Vocabulary) -> str:
    """'critical-severity defects', 'night-shift scrap': two layer words joined by a hyphen are read
    apart, unless the joined form is a name of its own; 'lots of' is read as no word. Same length,
    so spans keep pointing right."""
    def apart(m: re.Match[str]) -> str:
        whole, a, b = m.group(0).lower(), m.group(1).lower(), m.group(2).lower()
        if vocab.lookup(whole) or not (vocab.lookup(a) and vocab.lookup(b)):
            return m.group(0)
        return f"{m.group(1)} {m.group(2)}"

    question = _CN_DIGIT.sub(lambda m: _DIGITS[m.group(0)], question)
    question = _SIDE_BY_SIDE.sub(lambda m: m.group(0)[:2].replace(m.group(0)[:2], "vs") + " " * (len(m.group(0)) - 2),
                                 question)  # 'side by side' compares; its 'by' asks for no breakdown
    return _QUANTIFIER.sub(lambda m: " " * len(m.group(0)), _COMPOUND.sub(apart, question))


_SPLIT_VERB = re.compile(r"([\u4e00-\u9fff])([过了])([\u4e00-\u9fff])")


def joined_verbs(question: str, vocab: Vocabulary) -> str:
    """'停过机', '出了故障': a layer word split by its aspect marker is read whole ('停机过'). Same length."""
    def join(m: re.Match[str]) -> str:
        a, mark, b = m.groups()
        return a + b + mark if vocab.lookup(a + b) and not vocab.lookup(m.group(0)) else m.group(0)

    return _SPLIT_VERB.sub(join, question)


_AUX = ("was", "were", "is", "are")
_SUBJECT_WORD = re.compile(r"[A-Za-z0-9][\w-]*")
_ARTICLES = frozenset({"the", "our", "all", "those", "these", "any", "its", "their"})


def uninvert(question: str, vocab: Vocabulary) -> str:
    """'how long were the presses down': a question puts the subject between the verb and the rest of
    a metric's form ('were down'); the subject goes back before the verb when it only names things
    the layer breaks figures down by (never a metric: 'was output down' asks whether output fell).
    Same length, so spans keep pointing right."""
    pattern = _inverted(vocab)
    if pattern is None:
        return question

    def back(m: re.Match[str]) -> str:
        words = [w for w in _SUBJECT_WORD.findall(m.group(2)) if w.lower() not in _ARTICLES]
        kinds = [{t.kind for t in vocab.lookup(w)} for w in words]
        if not words or not all(k and "metric" not in k and k & {"dimension", "value"} for k in kinds):
            return m.group(0)
        return f"{m.group(2)} {m.group(1)} {m.group(3)}"

    return pattern.sub(back, question)


_INVERTED: dict[int, tuple[Vocabulary, re.Pattern[str] | None]] = {}


def _inverted(vocab: Vocabulary) -> re.Pattern[str] | None:
    """The verb, the subject and a metric form's rest ('were' ... 'down'), built once per vocabulary."""
    held = _INVERTED.get(id(vocab))
    if held is not None and held[0] is vocab:
        return held[1]
    tails = sorted({form.split(" ", 1)[1] for form, terms in vocab.forms.items()
                    if form.count(" ") == 1 and form.split(" ", 1)[0] in _AUX
                    and any(t.kind == "metric" for t in terms)}, key=len, reverse=True)
    pattern = re.compile(rf"\b({'|'.join(_AUX)})\s+((?:[\w-]+\s+){{0,3}}?[\w-]+)\s+"
                         rf"({'|'.join(map(re.escape, tails))})\b", re.I) if tails else None
    if len(_INVERTED) > 8:
        _INVERTED.clear()
    _INVERTED[id(vocab)] = (vocab, pattern)
    return pattern


# 'did it go up from Q3 to Q4', '从三季度到四季度涨了没有': a change between two periods compares them; a
# range ('OEE from March to June') has no such verb. Same length: 'to' -> 'vs', '到' -> '和'.
_CHANGED = re.compile(r"\b(?:go(?:ne|es)?\s+up|went\s+up|go(?:ne|es)?\s+down|went\s+down|ris(?:e|es|en|ing)|rose"
                      r"|increas(?:e|ed|es|ing)|decreas(?:e|ed|es|ing)|dropp?(?:ed|s|ing)?|f[ae]ll(?:en|s|ing)?"
                      r"|chang(?:e|ed|es|ing)|improv(?:e|ed|es|ing)|worsen(?:ed|s|ing)?|climb(?:ed|s|ing)?"
                      r"|jump(?:ed|s|ing)?|grow(?:n|s|ing)?|grew|shr[iu]nk(?:s|ing)?)\b"
                      r"|涨|降|上升|下降|升高|降低|变化|增加|减少|提高|变差|变好", re.I)
_FROM_TO = re.compile(r"\bfrom\s+(?P<a>[^,.;?!]{2,30}?)\s+(?P<to>to)\s+(?=\S)"
                      r"|从(?P<za>[^，,。？?]{2,12}?)(?P<zto>到)", re.I)


def periods_changed(question: str, is_period: Callable[[str], bool]) -> str:
    """'from Q3 to Q4' read as 'Q3 vs Q4' when the question asks how a figure changed between them;
    `is_period` says whether the words after 'from' name a period (never a place or a member)."""
    if not _CHANGED.search(question):
        return question
    def swap(m: re.Match[str]) -> str:
        first = m.group("a") or m.group("za")
        if not is_period(first):
            return m.group(0)
        at = m.start("to") if m.group("to") else m.start("zto")
        word = "vs" if m.group("to") else "和"
        return m.group(0)[:at - m.start()] + word + m.group(0)[at - m.start() + len(word):]
    return _FROM_TO.sub(swap, question)


_PREDICATE = re.compile(r"\b(?:which|what)\s+(?P<np>[a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(?P<aux>are|is|were|was)\s+"
                        r"(?P<adj>[a-z][\w-]*)\b", re.I)


def predicate_first(question: str, vocab: Vocabulary) -> str:
    """'what WOs are running': a state said after the records is read as the layer names it before them
    ('running wos'), when that is a name of a member. Same length (the words are only reordered)."""
    def swap(m: re.Match[str]) -> str:
        np, aux, adj = m.group("np"), m.group("aux"), m.group("adj")
        if not any(t.kind == "value" for t in vocab.lookup(f"{adj} {np}")):
            return m.group(0)
        head = m.group(0)[:m.start("np") - m.start()]
        return f"{head}{adj} {np} {aux}"
    return _PREDICATE.sub(swap, question)


# 'December up to today', '本月截至今天': the period itself, which ends no later than today anyway; not
# after 'from' / 'since' / 'between', where 'today' ends a range ('from March up to today').
_UP_TO_TODAY = re.compile(r"[\s,]*\b(?:up\s+)?(?:to|until|till|through|thru)\s+(?:today|now)\b"
                          r"|\bup\s+to\s+date\b|截至今天|截止到?今天|到今天为止|截至目前|截止到?目前", re.I)
_RANGE_START = re.compile(r"\b(?:from|since|between)\b|从|自", re.I)


def up_to_today(question: str) -> str:
    """'good pieces per plant, December up to today': the words that close the period read as no words."""
    def blank(m: re.Match[str]) -> str:
        clause = re.split(r"[,，。?？;；]", m.string[:m.start()])[-1]
        if _RANGE_START.search(clause):  # 'from March up to today': the range's end, said as 'to today'
            return re.sub(r"\bup\s+(?=to\b)", lambda k: " " * len(k.group(0)), m.group(0), flags=re.I)
        return " " * len(m.group(0))
    return _UP_TO_TODAY.sub(blank, question)


_CAPITAL_A = re.compile(r"(?<![A-Za-z])A\s+([A-Za-z]+)")


def lettered_member(question: str, vocab: Vocabulary) -> str:
    """'Scrap rate, A shift versus C shift': a capital 'A' inside a sentence, before a kind whose member 'A' is,
    is that member ('shift A'), not the article (which the layer's forms never read as a name). Same length."""
    def swap(m: re.Match[str]) -> str:
        before = question[:m.start()].rstrip()
        if not before or before[-1] in ".!?。？！\n":
            return m.group(0)  # 'A shift with more scrap…': a sentence may open with the article
        word = m.group(1)
        if not any(t.kind == "value" and t.member is not None and t.member.key == "A"
                   for t in vocab.lookup(f"{word} a")):
            return m.group(0)
        return f"{word}{m.group(0)[1:len(m.group(0)) - len(word)]}A"

    return _CAPITAL_A.sub(swap, question) if "A " in question else question
