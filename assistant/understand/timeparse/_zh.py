"""Simplified-Chinese base rules.

Chinese has no word boundaries, so the guards here are about numbers: a
numeral glued to 号线 / 号机 ('3号线'), ranking prefixes ('前5') and counts
('3个月' is a duration, not March) must never become dates.
"""

from __future__ import annotations

import re

from ._core import (
    CJK_RE,
    CNN,
    DAY,
    Cand,
    Date,
    LazyPattern,
    cand,
    cn_num,
    cn_year,
    half_range,
    iso_week_range,
    month_range,
    period_range,
    quarter_range,
    rolling_range,
    safe_date,
    year_range,
    yl_latest,
)
from ._en import Rule

_NB = rf"(?<![\d{CNN}])"  # not the tail of a longer number ('十一月' is not '一月')
NUMC = rf"(\d{{1,3}}|[{CNN}]{{1,3}})"
MONC = r"(1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])"
DAYC = r"(3[01]|[12]\d|0?[1-9]|三十一?|二十[一二三四五六七八九]?|十[一二三四五六七八九]?|[一二三四五六七八九])"
# 号 followed by these is a line/machine/building number ('3号线', '2号机')
DAY_END = r"\s*(?:日|号)(?![线机楼台位仓库车])"
_YEARC = r"(?:19|20)\d{2}|[一二][〇零九][〇零一二三四五六七八九]{2}"
_YREL = {"今年": 0, "本年": 0, "去年": -1, "上年": -1, "上一年": -1, "前年": -2, "明年": 1}
# A year prefix: explicit ('2025年', '2025年度的') or relative ('今年', '去年').
YX = (rf"(?:(?<!\d)(?P<y>{_YEARC})\s*年(?:度)?|(?P<yr>今年|本年|去年|上一?年|前年|明年))"
      r"(?:\s*的)?\s*")
_QNUM = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_REL_PREFIX = {"本": 0, "这": 0, "当": 0, "上": -1, "下": 1}
_UNITS = {"周": "week", "星期": "week", "礼拜": "week", "月": "month", "季度": "quarter",
          "季": "quarter", "年": "year", "天": "day", "日": "day"}
_WD = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}


def _c(p: str) -> LazyPattern:
    return LazyPattern(p, re.I)


def _g(m: re.Match[str], name: str) -> str | None:
    return m.groupdict().get(name)


def _yx(m: re.Match[str], as_of: Date) -> int | None:
    if _g(m, "y"):
        return cn_year(m.group("y"))
    if _g(m, "yr"):
        return as_of.year + _YREL[m.group("yr")]
    return None


def h_day(m: re.Match[str], as_of: Date) -> Cand | None:
    off = {"今": 0, "本": 0, "昨": -1, "前": -2, "明": 1}[m.group(1)[0]]
    return cand(m, period_range("day", as_of, off), "relative")


def h_rel(m: re.Match[str], as_of: Date) -> Cand | None:
    p = m.group(1)
    off = -2 if p.startswith("上上") else _REL_PREFIX[p[0]]
    return cand(m, period_range(_UNITS[m.group(2)], as_of, off), "relative")


def h_rel_year(m: re.Match[str], as_of: Date) -> Cand | None:
    return cand(m, year_range(as_of.year + _YREL[m.group(1)]), "relative")


def h_todate(m: re.Match[str], as_of: Date) -> Cand | None:
    unit = {"年": "year", "月": "month", "季": "quarter", "周": "week"}[m.group(1)]
    return cand(m, (period_range(unit, as_of, 0)[0], as_of), "to_date")


def h_lastn(m: re.Match[str], as_of: Date) -> Cand | None:
    if m.group(1) == "半":  # 近半年 = the last 6 months
        return cand(m, rolling_range("month", 6, as_of), "last_n")
    n = cn_num(m.group(1))
    return cand(m, rolling_range(_UNITS[m.group(2)], n, as_of), "last_n") if n else None


def h_months(m: re.Match[str], as_of: Date) -> Cand | None:
    a, b = cn_num(m.group("m")), cn_num(m.group("m2"))
    y = _yx(m, as_of)
    if not a or not b or a > 12 or b > 12 or not _cn_numeral_ok(m, "m", y):
        return None
    if y is None:  # the most recent end month; the span may cross a year boundary
        y = yl_latest(("m", b, 0), as_of)[0].year - (a > b)  # type: ignore[index]
    end_y = y + (a > b)
    return cand(m, (month_range(y, a)[0], month_range(end_y, b)[1]), "between")


def h_ago(m: re.Match[str], as_of: Date) -> Cand | None:
    n = cn_num(m.group(1))
    return cand(m, period_range("day", as_of, -n), "relative") if n else None


def h_year(m: re.Match[str], as_of: Date) -> Cand | None:
    y = cn_year(m.group(1))
    return cand(m, year_range(y), "absolute", year=y)


# Characters that may precede a bare Chinese-numeral month or quarter. Anything else
# CJK is probably a word ending: 统一月度 is 'unified monthly', not January.
_CN_LEAD = set("在和与及或从自到至的是对比看查询按年、跟同")


def _cn_numeral_ok(m: re.Match[str], group: str, y: int | None) -> bool:
    if y is not None or m.group(group).isascii() or m.start() == 0:
        return True
    prev = m.string[m.start() - 1]
    return prev in _CN_LEAD or not CJK_RE.match(prev)


def h_month(m: re.Match[str], as_of: Date) -> Cand | None:
    mo = cn_num(m.group("m"))
    y = _yx(m, as_of)
    if not mo or mo > 12 or not _cn_numeral_ok(m, "m", y):
        return None
    if y is not None:
        return cand(m, month_range(y, mo), "absolute", year=y)
    return cand(m, yl_latest(("m", mo, 0), as_of), "month_name", yl=("m", mo, 0))


def h_day_of(m: re.Match[str], as_of: Date) -> Cand | None:
    mo, d = cn_num(m.group("m")), cn_num(m.group("d"))
    y = _yx(m, as_of)
    if not mo or not d or mo > 12 or safe_date(2000, mo, d) is None \
            or not _cn_numeral_ok(m, "m", y):
        return None
    if y is not None:
        x = safe_date(y, mo, d)
        return cand(m, (x, x), "absolute", year=y) if x else None
    return cand(m, yl_latest(("md", mo, d), as_of), "month_day", yl=("md", mo, d))


def _yl_or_year(m: re.Match[str], as_of: Date, k: str, n: int,
                rng: tuple[Date, Date] | None) -> Cand | None:
    """With a year prefix use `rng`; without, the most recent period started by as_of."""
    y = _yx(m, as_of)
    if y is not None:
        return cand(m, rng, "absolute", year=y)
    return cand(m, yl_latest((k, n, 0), as_of), "absolute", yl=(k, n, 0))


def h_quarter(m: re.Match[str], as_of: Date) -> Cand | None:
    q = _QNUM[_g(m, "q") or _g(m, "q2") or _g(m, "q3") or ""]
    y = _yx(m, as_of)
    # 统一季度 = 'unified quarterly'; only 一 ends common words ('伟达电子三季度' is Q3)
    if _g(m, "q2") in ("一", "1") and not _cn_numeral_ok(m, "q2", y):
        return None
    return _yl_or_year(m, as_of, "q", q, quarter_range(y, q) if y is not None else None)


def h_half(m: re.Match[str], as_of: Date) -> Cand | None:
    h = 1 if m.group("h") == "上" else 2
    y = _yx(m, as_of)
    return _yl_or_year(m, as_of, "h", h, half_range(y, h) if y is not None else None)


def h_weekno(m: re.Match[str], as_of: Date) -> Cand | None:
    w = cn_num(m.group("w"))
    if not w:
        return None
    y = _yx(m, as_of)
    return _yl_or_year(m, as_of, "w", w, iso_week_range(y, w) if y is not None else None)


def h_weekday(m: re.Match[str], as_of: Date) -> Cand | None:
    wd = _WD[m.group(2)]
    p = m.group(1)
    if p:  # 上周三 / 本周三 / 下周三: that day in the given ISO week (unambiguous in Chinese)
        monday = period_range("week", as_of, _REL_PREFIX[p])[0]
        d = monday + wd * DAY
    else:  # bare 周三 = the most recent Wednesday, today included
        d = as_of - ((as_of.weekday() - wd) % 7) * DAY
    return cand(m, (d, d), "relative")


_MON_G = r"(?P<m>" + MONC[1:-1] + r")\s*月"
_DAY_G = r"\s*(?P<d>" + DAYC[1:-1] + ")" + DAY_END
# '3个月' is a duration and '前3月' a ranking, hence 个/前 in the guard
# 'NB-L3月产量': L3 is a line, not March; a month in Chinese numerals may follow an id ('SZ-L4十一月')
_NO_YEAR = rf"(?:(?<![\dA-Za-z{CNN}前第个-])|(?<=[\dA-Za-z])(?=[{CNN}]))"
_WEEK = ("周", "星期", "礼拜")
# Words ending in 本 / 当 ('版本' version, '样本' sample, '相当' fairly): the next
# character starts no '本月' / '当月'. 成 is left out on purpose: 完成本月计划
# ('complete this month's plan') is commoner in questions than 成本月度.
_WORD_END = "版账文样剧课书根脚基相适充恰"

RULES: list[Rule] = [
    # 提前天数 = 'days in advance', not 'the day before yesterday'
    (("天", "日"), _c(r"(今天|今日|本日|昨天|昨日|(?<![提之以])前天|明天|明日)"), h_day),
    # (?<![以之]): '以上', '之下' are not 'last'/'next'; 周期 = cycle, 季节 = season
    ((*_WEEK, "月", "季"),
     _c(r"(?<![以之每" + _WORD_END + r"])(本|这一?个?|当|上上个?|上一?个?|下一?个?)\s*(周|星期|礼拜|月|季度|季)"
        r"(?!期|节)(?:份|度)?"), h_rel),
    (("年",), _c(r"(?<![以之" + _WORD_END + r"])(今年|本年|去年|上一?年|前年|明年)(?:度)?"),
     h_rel_year),
    (("初",), _c(r"(?:本|今)?(年|月|季|周)初\s*(?:至今|以来|到现在|到今天|迄今)"), h_todate),
    (("近", "过去"),
     _c(r"(?:最近|过去|(?<![接附将])近)\s*(?:的)?\s*" + NUMC
        + r"\s*(?:个)?\s*(天|日|周|星期|礼拜|月|季度|季|年)(?:以内|之内|内|来)?"), h_lastn),
    (("半年",), _c(r"(?:最近|过去|(?<![接附将])近)\s*(?:的)?\s*(半)年(?:以内|之内|内|来)?"),
     h_lastn),
    (("天前",), _c(_NB + NUMC + r"\s*天前"), h_ago),
    (("年",), _c(r"(?<!\d)(" + _YEARC + r")\s*年(?:度)?"), h_year),
    (("月",), _c(YX + _MON_G + r"(?:份)?"), h_month),
    (("月",), _c(YX + _MON_G + _DAY_G), h_day_of),
    (("月",), _c(_NO_YEAR + _MON_G + r"(?:份)?(?!度)"), h_month),
    (("月",), _c(_NO_YEAR + _MON_G + _DAY_G), h_day_of),
    # '2025年1-3月', '1到3月': one 月 closes a span of months
    (("月",), _c(r"(?:" + YX + "|" + _NO_YEAR + r")(?P<m>" + MONC[1:-1]
                 + r")\s*(?:-|~|—|到|至)\s*(?P<m2>" + MONC[1:-1] + r")\s*月(?:份)?"), h_months),
    # '四季' alone means the four seasons, so a bare numeral needs 季度 or 第
    (("季",), _c(r"(?:" + YX + r")?(?:第\s*(?P<q>[一二三四1-4])\s*季度?|" + rf"(?<![\d{CNN}])"
                 r"(?P<q2>[一二三四1-4])\s*季度)"), h_quarter),
    (("q",), _c(YX + r"Q(?P<q3>[1-4])(?![A-Za-z0-9])"), h_quarter),
    (("半年",), _c(r"(?:" + YX + r")?(?P<h>上|下)半年(?:度)?"), h_half),
    (("第",), _c(r"(?:" + YX + r")?第\s*(?P<w>\d{1,2}|[" + CNN + r"]{1,3})\s*(?:周|星期)"),
     h_weekno),
    # 一 and 日 are common word starts (上周一共 = 'last week in total', 本周日产量 =
    # 'this week's daily output), so they only count before a clear terminator.
    (_WEEK, _c(r"(?<![每以之])(上|本|这|下)?\s*(?:个|一)?\s*(?:周|星期|礼拜)"
               # '上周三个厂': 三 counts the plants that follow (a measure word), it names no Wednesday
               r"([二三四五六天](?!\s*[个家条台位种次项批件张名座]|\s*[号线])|[一日](?=$|[的,。\s、?!和与到至起开以及]))"),
     h_weekday),
]
