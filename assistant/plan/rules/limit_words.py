"""Words that set a limit on a figure: "below 80%", "低于80%", "96%以下", "between 80% and 90%"."""

from __future__ import annotations

import re

# Thresholds: "below 80%", "低于80%", "more than 100"; 'op' and 'num' groups.
THRESHOLD = [
    re.compile(r"(?P<op>below|under|less than|lower than|fewer than|at most|no more than|above|over|more than"
               r"|(?:did|does|do) not (?:reach|hit|meet|make)|failed to (?:reach|hit|meet|make)|fell short of"
               r"|not reaching|short of"
               r"|greater than|higher than|longer than|bigger than|larger than|shorter than|smaller than"
               r"|exceeds?|exceeding|at least|no less than|>=|<=|>|<)"
               r"\s*(?P<num>\d+(?:\.\d+)?)\s*(?P<pct>%|percent|pct)?", re.I),
    re.compile(r"(?P<op>低于|小于|少于|不到|不足|未达到|没有?达到|没有?到|没有?够|达不到|未达|跌破|跌到|掉到|高于|大于|多于|超过|突破|不低于|不少于|至少|不高于|不超过|至多)\s*(?P<num>\d+(?:\.\d+)?)\s*(?P<pct>%|％|个百分点)?"),
    re.compile(r"(?P<op>低于|小于|少于|不到|不足|未达到|没有?达到|没有?到|没有?够|达不到|未达|跌破|跌到|掉到|高于|大于|多于|超过|突破|不低于|不少于|至少|不高于|不超过|至多)\s*(?P<pct>百分之)(?P<cnum>[零一二两三四五六七八九十]+)"),
    # the limit said first: '96%以下', '80 percent or lower'
    re.compile(r"(?<![A-Za-z0-9_.])(?P<num>\d+(?:\.\d+)?)\s*(?P<pct>%|％)?\s*(?P<op>以下|以上|之下|之上)"),
    re.compile(r"(?<![A-Za-z0-9_.])(?P<num>\d+(?:\.\d+)?)\s*(?P<pct>%|percent|pct)?"
               r"\s*(?P<op>or (?:less|lower|below|fewer|more|higher|above))\b",
               re.I),
]
THRESHOLD_OPS = {
    "below": "<", "under": "<", "less than": "<", "lower than": "<", "fewer than": "<", "<": "<",
    "did not reach": "<", "does not reach": "<", "do not reach": "<", "did not hit": "<", "does not hit": "<",
    "do not hit": "<", "did not meet": "<", "does not meet": "<", "do not meet": "<", "did not make": "<",
    "does not make": "<", "do not make": "<", "failed to reach": "<", "failed to hit": "<", "failed to meet": "<",
    "failed to make": "<", "fell short of": "<", "not reaching": "<", "short of": "<",
    "at most": "<=", "no more than": "<=", "<=": "<=",
    "above": ">", "over": ">", "more than": ">", "greater than": ">", "higher than": ">", "exceed": ">",
    "longer than": ">", "bigger than": ">", "larger than": ">", "shorter than": "<", "smaller than": "<",
    "exceeds": ">", "exceeding": ">", ">": ">", "at least": ">=", "no less than": ">=", ">=": ">=",
    "低于": "<", "小于": "<", "少于": "<", "不到": "<", "不足": "<", "高于": ">", "大于": ">", "多于": ">",
    "未达到": "<", "没达到": "<", "没有达到": "<", "达不到": "<", "未达": "<",
    "没到": "<", "没有到": "<", "没够": "<", "没有够": "<",
    "跌破": "<", "跌到": "<", "掉到": "<", "突破": ">",
    "以下": "<", "之下": "<", "以上": ">", "之上": ">",
    "or less": "<=", "or lower": "<=", "or below": "<=", "or fewer": "<=", "or more": ">=", "or higher": ">=",
    "or above": ">=",
    "超过": ">", "不低于": ">=", "不少于": ">=", "至少": ">=", "不高于": "<=", "不超过": "<=", "至多": "<=",
}
THRESHOLD_RANGE = [
    re.compile(r"\bbetween\s+(?P<a>\d+(?:\.\d+)?)\s*(?P<pa>%|percent)?"
               r"\s*(?:and|to|-)\s*(?P<b>\d+(?:\.\d+)?)\s*(?P<pb>%|percent)?", re.I),
    # A number starts where its digits start: tried inside a run of digits, `\d+` read to the run's
    # end from every digit of it (a 100 KB run of digits took minutes, holding the GIL throughout).
    re.compile(r"(?:介于|在)?\s*(?<!\d)(?P<a>\d+(?:\.\d+)?)\s*(?P<pa>%|％)?"
               r"\s*(?:和|到|至|-|~)\s*(?P<b>\d+(?:\.\d+)?)\s*(?P<pb>%|％)\s*之间"),
]
