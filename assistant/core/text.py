"""Text rules shared by every stage: one definition of folding, keys, Chinese detection and
number words, in English and Simplified Chinese.

`fold` keeps one character per character, so a span found in folded text is the same span
in the question; `key` is for lookups (names, synonyms), where spans do not matter.
"""

from __future__ import annotations

import gzip
import importlib.util
import logging
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import msgpack

# CJK Unified Ideographs with extension A and the compatibility block. Kana and Hangul are
# left out on purpose: the Chinese rules (jieba, pinyin, measure words) do not apply to them.
CJK_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_CHAR = re.compile(f"[{CJK_CLASS}]")
CJK_RUN = re.compile(f"[{CJK_CLASS}]+")

EN_NUMBERS: dict[str, int] = {
    w: i + 1 for i, w in enumerate(
        ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
         "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"])
}
EN_NUMBERS.update(thirty=30, forty=40, fifty=50, sixty=60, ninety=90)
CN_DIGITS: dict[str, int] = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
                             "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_NUMERAL_CHARS = "零〇一二两三四五六七八九十"


def valid_unicode(text: str) -> str:
    """Text that encodes as UTF-8: bytes that were not UTF-8 (argv decodes them as lone
    surrogates) become U+FFFD, so JSON written from it is valid."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def width_fold(text: str) -> str:
    """Full-width and compatibility forms to their plain form (ＡＢ１ -> AB1, the ideographic
    space -> ' '), character by character: the result has the same length as `text`, so spans
    found in it index the original. Case is kept."""
    out = []
    for ch in text:
        folded = unicodedata.normalize("NFKC", ch)
        out.append(folded if len(folded) == 1 else ch)  # 'ﬁ' -> 'fi' would shift every later span
    return "".join(out)


def fold(text: str) -> str:
    """`width_fold`, then lower case where that keeps one character per character."""
    return "".join(low if len(low := ch.lower()) == 1 else ch for ch in width_fold(text))


def plain(text: str) -> str:
    """NFKC and lower case over the whole text, for tokens and lookups where spans do not
    matter ('ﬁ' becomes 'fi' here, unlike in `fold`)."""
    return unicodedata.normalize("NFKC", text).lower()


def key(text: str) -> str:
    """A lookup key for names and synonyms: `plain`, '_' and white space runs as one space, trimmed."""
    return re.sub(r"[_\s]+", " ", plain(text)).strip()


def is_cjk(ch: str) -> bool:
    return CJK_CHAR.match(ch) is not None


def has_cjk(text: str) -> bool:
    return CJK_CHAR.search(text) is not None


def all_cjk(text: str) -> bool:
    return bool(text) and all(is_cjk(ch) for ch in text)


def question_lang(text: str) -> str:
    """'zh' when the text holds any Chinese character, else 'en' (how answers pick a language)."""
    return "zh" if has_cjk(text) else "en"


def shorten(text: str, limit: int, *, collapse: bool = True) -> str:
    """At most `limit` characters, ending in '…' when cut; white space runs as one space."""
    if collapse:
        text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cjk_ratio(text: str) -> float:
    """Share of CJK characters among the letters, digits and ideographs of `text` (0.0-1.0)."""
    content = [ch for ch in fold(text) if ch.isalnum()]
    if not content:
        return 0.0
    return sum(1 for ch in content if is_cjk(ch)) / len(content)


# Function words: small, fixed lists (determinism matters more than linguistic completeness, and
# IDF weighting already discounts common words). Kept short so that no domain word is ever dropped.
# 's' and 't' are the remains of "Berlin's" / "don't" after splitting on the apostrophe.
EN_FUNCTION_WORDS = frozenset(
    [
        "a", "an", "and", "are", "as", "at", "be", "by", "did", "do", "does", "for", "from", "how", "i", "in", "is",
        "it", "its", "me", "my", "of", "on", "or", "our", "per", "show", "tell", "than", "that", "the", "their", "them",
        "there", "these", "this", "to", "us", "was", "we", "were", "what", "when", "which", "who", "why", "will",
        "with", "you", "your", "s", "t",
    ]
)
ZH_FUNCTION_WORDS = frozenset(
    [
        "的", "了", "吗", "呢", "吧", "啊", "呀", "和", "与", "及", "或", "是", "在", "把", "被", "给",
        "也", "都", "就", "还", "请", "我", "你", "他", "她", "它", "们", "这", "那", "哪", "什么", "怎么",
        "怎样", "多少", "一下", "有", "个", "么",
    ]
)
# Bigrams containing one of these particles are noise ("店的", "的退"): skip them.
ZH_PARTICLES = frozenset("的了吗呢吧啊呀和与及或是在")

# Closed-class English words (prepositions, determiners, pronouns, auxiliaries, conjunctions and
# the commonest adverbs): a closed class does not grow, and none of them names what is asked.
EN_CLOSED_CLASS = EN_FUNCTION_WORDS | frozenset(
    """about above across after against along among around at before behind below beneath beside beyond
    during except inside into near off onto out outside over past since through throughout till toward
    towards under until up upon within without all any both each either every few many much more most
    neither no none other several some such another he she they him her his hers theirs ours yours mine
    itself themselves ourselves one ones something anything everything nothing am been being can could
    may might must shall should would have has had having get got gets getting again also always ever
    just not now often only really so then too very yet still already even quite rather maybe perhaps
    please thanks thank kindly but if because while whether nor though although where whose whom here
    there how what which who why when""".split())

COMMON_ZIPF = 4.0  # a word seen at least ~10 times per million words is everyday language


@lru_cache(maxsize=4)
def _zipf_table(lang: str) -> dict[str, float]:
    """wordfreq's 'small' list for `lang` (every word down to Zipf 3), read straight from the
    package's data file: importing wordfreq itself costs ~0.25 s that a cold start should not pay.
    The file is cBpack: a header, then buckets of words whose frequency is 10^(-i/100)."""
    spec = importlib.util.find_spec("wordfreq")
    if spec is None or not spec.submodule_search_locations:
        return {}
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / f"small_{lang}.msgpack.gz"
    if not path.exists():
        return {}
    with gzip.open(path, "rb") as handle:
        data = msgpack.load(handle, raw=False)
    return {word: 9.0 - i / 100 for i, bucket in enumerate(data[1:]) for word in bucket}


def everyday_words(lang: str, min_zipf: float) -> list[str]:
    """The words of `lang` at least this common (Zipf scale), most common first."""
    return [w for w, z in _zipf_table(lang).items() if z >= min_zipf]


def word_frequency(word: str, lang: str) -> float:
    """How common a word is in general (Zipf scale: 0 unseen or rarer than 3 .. 7+ 'the'), from
    wordfreq's multi-source frequency lists."""
    return _zipf_table(lang).get(word, 0.0)


def is_common_word(word: str, lang: str | None = None) -> bool:
    """Whether `word` is everyday language rather than a name ('china', 'group', '中国' are;
    'hengtai', '恒泰' are not). The language defaults to the word's script."""
    return word_frequency(word.lower(), lang or question_lang(word)) >= COMMON_ZIPF


@lru_cache(maxsize=512)
def zh_word_tags(word: str) -> tuple[str, ...]:
    """jieba's part-of-speech tags of the words of a Chinese word or phrase, loaded on first use (~1 s):
    the general-language resource that says whether an unknown word reads as a name."""
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)  # else "Building prefix dict..." on stderr
    return tuple(t.flag for t in jieba.posseg.lcut(word))


def cn_number(text: str) -> int | None:
    """0..99 written in Chinese numerals or ASCII digits (十二, 二十三, 两, 12); None otherwise
    (a run of numeral digits such as 一二 is not a number here: in dates it lists months)."""
    if text.isascii() and text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        if len(tens) > 1 or len(ones) > 1 or "十" in ones:
            return None
        t = CN_DIGITS.get(tens, -99) if tens else 1
        o = CN_DIGITS.get(ones, -99) if ones else 0
        value = t * 10 + o
        return value if value > 0 else None
    return CN_DIGITS.get(text) if len(text) == 1 else None


def cn_year(text: str) -> int:
    """'2025' or '二〇二五' -> 2025 (callers match four digits first)."""
    return int(text) if text.isascii() else int("".join(str(CN_DIGITS[c]) for c in text))


def en_number(word: str) -> int:
    """'7' or 'seven' -> 7 (callers match the word list first)."""
    return int(word) if word.isdigit() else EN_NUMBERS[word.lower()]


def parse_count(text: str) -> int | None:
    """A count as people write it: 5, five, 五, 十二; None when it is not one."""
    text = text.strip().lower()
    if text.isdigit():
        return int(text)
    if text in EN_NUMBERS:
        return EN_NUMBERS[text]
    if len(text) > 1 and all(ch in CN_DIGITS for ch in text):  # digit by digit: 一二 = 12
        return int("".join(str(CN_DIGITS[ch]) for ch in text))
    return cn_number(text)
