"""Domain-free words of questions, in English and Chinese: how people say "by", "top 5",
"below 80%", "what about", and what a harmful request looks like.

Nothing here names a metric, table or value: those come from the semantic layer.
"""

from __future__ import annotations

import re

from assistant.core.text import EN_NUMBERS
from assistant.plan.rules.limit_words import THRESHOLD as THRESHOLD  # re-exported: 'lx.THRESHOLD'
from assistant.plan.rules.limit_words import THRESHOLD_OPS as THRESHOLD_OPS
from assistant.plan.rules.limit_words import THRESHOLD_RANGE as THRESHOLD_RANGE

_CN_NUM = r"[0-9一二两三四五六七八九十]+"
_EN_NUM = r"\d+|" + "|".join(sorted(EN_NUMBERS, key=len, reverse=True))

# "top 5", "best three", "前5", "最低的三条", "排名后3"; group 'n' is the count, 'dir' the direction word.
# A measure word that can start a name ('条' of '条线', '台' of '台设备') is left for the names to read.
TOP_N = [
    re.compile(rf"\b(?P<dir>top|highest|largest|biggest|most|best|worst|bottom|lowest|smallest|least|fewest"
               rf"|longest|shortest|slowest|fastest|weakest|strongest|poorest)"
               rf"\s+(?P<n>{_EN_NUM})\b", re.I),
    re.compile(rf"(?P<dir>前|后|最高的?|最低的?|最多的?|最少的?|最大的?|最小的?|最好的?|最差的?|最久的?|最长的?|最短的?"
               rf"|最慢的?|最快的?|最常见的?|最频繁的?|排名前|排名后|倒数|垫底的?|吊车尾的?)"
               rf"\s*(?:那|这)?\s*(?P<n>{_CN_NUM})(?:\s*(?:个|名|项|位|种|大)(?!线|台|机|家))?"
               # '前三个月', '后两周': part of a period, no ranking
               rf"(?![\d一二两三四五六七八九十]*\s*(?:个)?\s*(?:月|周|星期|礼拜|天|日|季度|年|小时))"),
]
# A count near a superlative: "which 3 products had the highest", "最长的3条产线", "哪两台".
TOP_COUNT = [
    # ('which one ...' is no count: it asks which of those named)
    re.compile(rf"\b(?:which|what|the|those)\s+(?!one\b)(?P<n>{_EN_NUM})(?=\s+[a-z])", re.I),
    # "3 worst machines", "5 best lines": the count right before the superlative.
    re.compile(rf"\b(?P<n>{_EN_NUM})\s+(?=(?:worst|best|highest|lowest|largest|smallest|biggest|top|bottom"
               rf"|longest|shortest|slowest|fastest|weakest|strongest|poorest)\b)", re.I),
    re.compile(rf"(?:的|哪|是)\s*(?P<n>{_CN_NUM})\s*(?=个|条|台|家|名|项|位|种|批|款)"),
]
# Superlatives without a count: "which line had the highest OEE" -> top 1.
SUPERLATIVE = [
    re.compile(r"\b(?P<dir>highest|lowest|most(?!\s+(?:recent|recently|current|up[- ]to[- ]date|latest)\b)"
               r"|least|best|worst|largest|smallest|biggest|fewest"
               r"|longest|shortest|slowest|fastest|weakest|strongest|poorest"
               # 'run closest to their nameplate cycle time': the best on the figure; furthest from it the worst
               r"|closest|nearest|furthest|farthest"
               # 'which lines are leading on OEE', 'which one came out ahead': the best; lagging, trailing: worst
               r"|leading(?!\s+(?:to|up|into))|ahead(?!\s+of)|lagging|trailing"
               r"|(?<!\d\s)(?<!\d)(?:max(?:imum)?|min(?:imum)?))\b", re.I),
    # 垫底 / 吊车尾: ranked last, i.e. the worst on the figure
    re.compile(r"(?P<dir>最高|最低|最多|最少|最好|最差|最大|最小|最长|最短|最久|最慢|最快|最常见|最频繁|垫底|吊车尾)"),
    # 'day vs night shift - which is worse?': a comparative asked of the members named ranks them
    re.compile(r"\bwhich(?:\s+one)?\s+(?:is|was|are|were|did|does|has|had|looks?)\s+(?P<dir>worse|better|higher|lower)\b",
               re.I),
    # '苏州2号线跟宁波2号线比，停机时长哪个更长': the members compared, ranked
    re.compile(r"哪(?:个|条|台|家|一个|一条|边)?(?:的)?\s*(?P<dir>更(?:长|多|高|大|久|短|少|低|小|好|差))"),
]
# '哪台设备最耗电': any other 最 + verb after a 哪 ranks from the top (not 最近, 最新: times).
BARE_MOST = re.compile(r"(?P<dir>最)(?![近新后早初终])(?=[\u4e00-\u9fff])")
BARE_MOST_LEAST = set("省")  # 最省电, 最省料: the least of what follows
DESC_WORDS = {"top", "leading", "highest", "largest", "biggest", "most", "max", "maximum", "longest", "slowest",
              "前", "最高", "最多", "最大", "排名前", "最长", "最久", "最慢", "最常见", "最频繁",
              "更长", "更多", "更高", "更大", "更久"}
ASC_WORDS = {"bottom", "lowest", "smallest", "least", "fewest", "min", "minimum", "shortest", "fastest", "lower",
             "后", "最低", "最少", "最小", "排名后", "倒数", "最短", "最快", "更短", "更少", "更低", "更小"}
# a ranking said without its figure ('doing best', '最好', 'top performer')
RANKING_WORD = re.compile(r"\b(?:best|worst|better|worse|top|bottom)\b|最好|最差|最强|最弱|垫底", re.I)
GOOD_WORDS = {"best", "better", "最好", "更好", "strongest", "closest", "nearest", "ahead"}
BAD_WORDS = {"worst", "worse", "最差", "更差", "weakest", "poorest", "furthest", "farthest", "垫底", "吊车尾",
             "lagging", "trailing"}

# Group-by markers: the dimension word follows ("by line", "按产线", "各工厂", "每台设备").
# ('what the line produced' is a clause about a line said before: 'what'/'which' take no 'the')
BY_BEFORE = re.compile(r"(?:\b(?:which|what)\s*(?:of\s+(?:the\s+|our\s+))?$)|"
                       r"(?:\bby|\bper|\bfor each|\bfor every|\beach|\bevery|\bacross|\bdifferent"
                       r"|\bbreak(?:\s*it)?\s*down by|\bsplit by|\bgrouped by|\bbroken down by"
                       # 'how was the electricity split between machine types'
                       r"|\b(?:split|spread|shared|divided|distributed)\s+(?:between|among|across|over)"
                       r"|按照|按|各个|各种|各类|各家|各条|各台|各位|各座|各间|各项|各|不同的?|其他的?|其余的?|每个|每条|每台|每家|每一|每种|每类|每|分|哪个|哪些|哪条|哪台|哪家|哪一|哪种|哪类"
                       r"|哪几(?:个|家|条|台|位)?|哪)"
                       r"\s*(?:of\s+(?:the\s+|our\s+)|the\s+)?$", re.I)
# "最慢的三条线", "前5台设备", "top 3 lines": the things ranked follow the count.
RANKED_BEFORE = re.compile(rf"(?:前|后|倒数|最[\u4e00-\u9fff]{{1,2}}?的?)\s*{_CN_NUM}\s*(?:个|条|台|家|名|项|位|种)?$"
                           rf"|\b(?:top|bottom|best|worst|highest|lowest)\s+(?:{_EN_NUM})\s+$", re.I)
BY_AFTER = re.compile(r"^\s*(?:别|分别|各|对比|排名|排行|分(?![钟析数])|breakdown|ranking|wise"
                      # '投诉过我们的客户有哪些': the kind said before the list word is what is listed
                      r"|(?:都)?(?:有|是)哪(?:些|几)"
                      # 'tell me the plant too', '把工厂也带上': the dimension is shown beside the figure
                      r"|(?:too|as\s+well|also)\b)", re.I)
# "all plants", "所有工厂": the whole set, one total, not a breakdown.
ALL_BEFORE = re.compile(r"(?:\ball|\bthe whole|\bentire|所有|全部|整个|全)"
                        r"\s*(?:the\s+|of\s+(?:the\s+|our\s+)?|our\s+)?$", re.I)
# Time words that typos in questions are mended towards before dates are read.
TIME_WORDS = ["today", "yesterday", "this", "last", "past", "previous", "since", "week", "month", "quarter",
              "year", "daily", "weekly", "monthly", "quarterly", "yearly",
              "days", "weeks", "months", "quarters", "years"]
# Ranking words, mended like the time words (a typo must not drop "the highest").
RANKING_WORDS = ["highest", "lowest", "largest", "smallest", "biggest", "most", "least", "fewest", "best", "worst",
                 "top", "bottom", "above", "below", "more", "less", "fewer", "greater", "higher", "lower"]
STRUCTURE_WORDS = TIME_WORDS + RANKING_WORDS
# Shorthands people type for time words and everyday quantities.
ABBREVIATIONS = {"qtr": "quarter", "qtrs": "quarters", "yr": "year", "yrs": "years", "wk": "week", "wks": "weeks",
                 "mth": "month", "mths": "months", "mo": "month", "mos": "months", "yday": "yesterday",
                 "tmrw": "tomorrow", "prev": "previous", "qty": "quantity", "qtys": "quantities",
                 "amt": "amount", "avg": "average", "approx": "approximately", "pcs": "pieces", "pls": "please",
                 "plz": "please", "thx": "thanks", "asap": "soon"}
# "respectively", "分别", "三个工厂", "all three plants": every member on its own row.
RESPECTIVELY = re.compile(r"\brespectively\b|\beach\b|\bindividually\b|\bone by one\b|分别|各自|逐个|"
                          r"各(?:是|有|为|占)?(?:多少|几)|"
                          r"(?:[两二三四五六七八九十几]|(?<!\d)\d+)\s*(?:个|家|条|台|座)|\b(?:all\s+)?(?:two|three|four|five|\d+)\s+(?=[a-z])",
                          re.I)
# "all three plants together", "三个厂加起来": the members named make one total.
TOGETHER = re.compile(r"\btogether\b|\bcombined\b|\bin total\b|\baltogether\b|加起来|合计|加在一起|总共", re.I)
# "planned stops count too", "计划内的也算上", "including planned": a member said to be included
# as well restricts nothing (the total already holds it).
# `[a-z]++`: a word is never split in two (white space must follow it), and trying every split was quadratic.
INCLUDED_AFTER = re.compile(r"^(?:\s*[a-z]++){0,2}\s+(?:counts?|counted|included|includes?)\s+(?:too|as well|also)\b"
                            r"|^(?:\s*[a-z]++){0,2}\s+(?:too|as well)\b(?=\s*(?:[.,;!?]|$))"
                            r"|^\s*(?:的)?(?:也算上?|也包括|也要算|也计入|也算进去|都算|也包含|也一起算)"
                            # 'planned and unplanned both count': the members said together are counted whole
                            r"|^(?:\s*(?:and|or|,)?\s*[a-z]++){0,3}\s+(?:both|all)\s+(?:count|counted|included|in)\b"
                            # '取消的、发了的、没发的全算': the last of a list that is counted whole
                            r"|^\s*(?:的)?(?:\s*[、，,/和及]\s*[^，,。？?、]{1,6}?)*\s*(?:全算|都算|全都算|都要算|全部算|都包括|一起算)",
                            re.I)
# '各种状态都算', 'every status counts': the kind named is counted whole, not broken down
ALL_COUNTED = re.compile(r"\s*(?:的)?(?:都算|全算|都要算|全都算|都包括|都计入|都包含|一起算)"
                         r"|\s+(?:all\s+)?(?:counts?|included)\b(?!\s+(?:by|per)\b)", re.I)
INCLUDED_BEFORE = re.compile(r"(?:\bincluding|\bincl\.?|包括|包含|连同)\s*(?:the\s+)?$", re.I)
# Words joining two metrics into one question ("output and scrap", "产量和报废数").
# A comma joins only a list ("OEE, scrap rate"); across a clause it separates.
METRIC_JOINERS = re.compile(r"\band\b|&|\bplus\b|\bas well as\b|\balong with\b|\bvs\.?|\bversus\b|/|"
                            r"\bnext to\b|\balongside\b|\btogether with\b|\bbeside\b|"
                            r"和|与|及|以及|还有|跟|对比|、", re.I)
# A follow-up that sets members side by side: "compare that with Ningbo", "和苏州比呢", "vs Suzhou?".
COMPARE_WITH = re.compile(r"\bcompare(?:d)?\b|\bvs\.?|\bversus\b|\bagainst\b|\bside by side\b"
                          r"|比呢|相比|对比|比较|比一比|(?:和|跟|与).{1,10}比", re.I)
COMPARE = re.compile(r"\b(?:compare|comparing|comparison|versus|vs\.?)\b|对比|比较|相比", re.I)

# Follow-up cues: the question leans on the previous one.
FOLLOW_UP = re.compile(
    # 'ok, and performance by shift?', 'thanks - and for Chongqing?': an acknowledgement first
    r"^\s*(?:(?:ok(?:ay)?|thanks|thank you|great|cool|right|got it|好的?|嗯|谢谢)\s*[,，.!！-]*\s*)?"
    r"(?:and\b|what about|how about|now\b|same\b|then\b|only\b|just\b|instead\b|also\b"
    r"|break it down|split it|drill down|"
    r"那|那么|换成|换为|改成|改为|改看|换算成|换算为|折算成|折合成?|只看|仅看|只要|再|还有|同样|同期|按.{0,6}拆分|拆分|细分)"
    r"|(?:呢\s*(?:[?？]?\s*$|[?？,，。])|(?:^|[,，。?？])\s*也|instead\??\s*$|\bthe same\b)"
    r"|^\s*(?:其中|这其中|这当中|当中|这里面|里面)"  # '其中非计划停机是多少': of the figure just given
    r"|^\s*(?:so\s+)?what\s+(?:does|would|is)\s+(?:that|it|this)\b"  # 'what does that work out to per unit?'
    r"|(?:也|再)?加上|一起看|\b(?:add|include)\b.{0,40}\b(?:too|as well)\b|\b(?:too|as well)\s*[?.!]?\s*$", re.I)
# 'add good output too', '把良品数也加上': a figure asked beside the earlier ones, not instead of them
ALSO_FIGURE = re.compile(r"\b(?:add|include|also|too|as well|alongside|next to it)\b"
                         r"|加上|带上|附上|顺便|一起看|一并|也要|也看", re.I)

# 'which batches were those about?', '这些是哪些批次': the words point back at the previous answer.
# 'which of its lines …': 'its' points back too (not 'OEE and its parts', said of the question's own figure)
BACK_REFERENCE = re.compile(r"\b(?:those|these|them)\b|\b(?:of|in|at|for|across)\s+(?:its|their)\s+(?!own\b)"
                            r"|那些|这些|它们|它的", re.I)

# "by month instead of by reason", "按月看，不要按原因": the breakdown named after it is taken away.
INSTEAD_OF = re.compile(r"(?:\binstead\s+of|\brather\s+than|\bnot)\s+(?:by\s+|per\s+)?(?:the\s+)?$"
                        r"|(?:而不是|不要|不再|别再?)\s*(?:按照?|分)?\s*$|不(?:用|必)?(?:按照?|分)\s*$", re.I)

from assistant.plan.rules.write_intent import WRITE_INTENT  # noqa: E402  (refused first, kept apart)

# A count of people ('出勤多少人', 'how many operators'): answerable only where the layer names such people.
PEOPLE_COUNTED = re.compile(r"(?:多少|几个?)(?P<who>人|员工|工人|操作工|名员工)"
                            r"|\bhow\s+many\s+(?P<who_en>people|workers|employees|operators|staff|heads)\b|\bheadcount\b",
                            re.I)
# 'which plants do we have', '有哪些工厂': the members themselves are asked, whatever was asked before
MEMBERS_ASKED = re.compile(r"\bdo\s+we\s+(?:have|use|buy|work\s+with|run)\b|\bare\s+there\b|\bexist\b"
                           r"|有哪些|都有哪|一共有几|是哪几", re.I)
# 'prepping the quality huddle - ', 'For the supplier-quality deck: ', 'new to the job - ': an opening clause
PREAMBLE = re.compile(r"^[^?？。.:：]{3,80}?(?:[:：]|\s[-–—]\s)")
# 'Maintenance here.', 'Chongqing plant mgr here -', '质量部这边，': who is asking, said before the question
SELF_INTRO = re.compile(r"^\s*[^?？。.:：,，]{2,40}?\s+here\s*[.,!:;–—-]|^\s*[^?？。，,]{2,12}?这边\s*[，,]"
                        r"|^\s*[a-z]+(?:\s+[a-z]+)?\s*:\s"
                        # 'Quality manager. I need …', '质量经理。…': a role alone as the first sentence
                        r"|^\s*(?:[a-z]+\s+){0,2}(?:manager|mgr|lead|engineer|director|supervisor|planner|buyer|head"
                        r"|coordinator|analyst|vp|scheduler|expediter)(?:\s+(?:again|here))?\s*[.!:,–—-]\s|^\s*[^?？。，,]{0,8}(?:经理|主管|总监|工程师|主任|负责人)"
                        r"(?:[。！!]|(?:想知道|想问一下|想问|想看|问一下|问)?\s*[：:，,])",
                        re.I)  # 'Scheduler: how many …', 'Quality deck: …'

# 'how are we doing?', '最近表现怎么样': how things go, with no figure named (asked which one)
HOW_DOING = re.compile(r"\bhow\s+(?:are|is|were|was|did|do|does)\s+(?:we|things|it|everything)"
                       r"\s+(?:doing|do|going|look\w*)\b"
                       r"|\bhow'?s\s+(?:it|everything|business)\s+(?:going|looking)\b|(?:表现|情况|做得)怎么样", re.I)
# Where a sentence of the question ends: later sentences are asides, comments on the answer.
SENTENCE_END = re.compile(r"[。？?！!；;]|\.\s")
# 'broken down by region', 'break it down into shifts': a breakdown asked, not the breakdown-count metric
BROKEN_DOWN_BY = re.compile(r"\b(?:broken|break|broke|breaking)\s+(?:it\s+|them\s+|this\s+|that\s+)?down"
                            r"\s+(?:by|into|per|across)\b"
                            r"|\bbreak\s+(?:it|them|this|that|these|those)\s+down\b"
                            r"|(?:^|[,.;:!?]\s*)(?:please\s+|pls\s+|can\s+you\s+|could\s+you\s+)?break\s+down\b"
                            r"|\bbreak\s+down\s+(?:the\s+|our\s+)?[a-z]+(?:\s+[a-z]+)?\s+(?:by|per|into)\b", re.I)
# A task other than reading data ('write a short poem for the team', '帮我写一段年会致辞', 'book a room'): with
# no metric named, the words are about something else, however one of them may sound like a metric.
OTHER_TASK = re.compile(r"\b(?:write|draft|compose|translate|book|reserve|buy)\s+(?:me\s+|us\s+)?"
                        r"(?:a|an|some|the|my|our)\s+"
                        r"|(?:帮我|给我|请)?(?:写|起草|撰写|翻译|订|预订|买)(?:一|个|份|张|篇|首|段|封)", re.I)
# Asking for the future: the data records what happened; nothing here forecasts.
FORECAST = re.compile(r"\b(?:forecast\w*|predict\w*|projections?|extrapolat\w*)\b"
                      r"|\b(?:is|are)\s+(?:it|there|a|an|the|we|they)\b[^?]{0,30}\bgoing\s+to\b"
                      r"|明年[^？?。]{0,12}会|会涨|会跌|会不会涨"
                      r"|预测|预估|推测未来|预计(?:下|明|未来)")
# Asking what was paid (refused when no metric of the layer is measured in money).
# Time spent is no money: "how much time did Suzhou spend on maintenance", "换型一共花了多少分钟".
PAID = re.compile(
    r"^(?!.*(?:\bhow much time\b|\b(?:minutes?|hours?|hrs?)\b|分钟|小时|多长时间|多久)).*?(?:"
    r"\bhow much (?:money|did (?:we|it|they) (?:pay|spend)|do (?:we|they) (?:pay|spend))\b"
    r"|\b(?:paid|spent|spend|pay) (?:for|on)\b|\b(?:yuan|rmb|cny|usd|dollars?|euros?)\b|\bcost of\b"
    r"|多少钱|花了多少|人民币|\d\s*元|多少元|(?<![换改])成本(?![周月季年日])|费用|金额)", re.I | re.S)
INJECTION = re.compile(
    r"ignore (?:all |the |your )?(?:previous|prior|above|earlier)|disregard (?:all |the )?(?:previous|prior|above)|"
    r"system prompt|developer mode|jailbreak|you are now|pretend (?:to be|you are)|act as|reveal your|"
    r"print your (?:instructions|prompt)|忽略(?:你|掉|一下)?(?:之前|以上|前面|上面|所有|全部)|"
    r"系统提示|提示词|越狱|扮演|你现在是|显示你的(?:指令|提示)|"
    # asking for what opens the database, not for data in it
    r"\bpasswords?\b|\bcredentials?\b|\bconnection\s+strings?\b|\bapi[\s-]?keys?\b|密码|连接串|连接字符串|口令", re.I)
# Refused whatever the layer holds, in this order (planner.plan).
# Writing a text that is no answer from data ('draft a cover letter for me', '帮我写一封求职信'): refused even when a
# word of it sounds like a metric ('a quality engineer role').
OTHER_WRITING = re.compile(r"\b(?:write|draft|compose|prepare|polish)\s+(?:me\s+|us\s+)?(?:a|an|my|our)\s+"
                           r"(?:[a-z-]+\s+){0,2}(?:letter|poem|essay|speech|story|song|joke|resume|cv|invitation"
                           r"|toast|tweet|linkedin\s+post|wedding|birthday)\b"
                           r"|\bapplying\s+for\s+(?:a|an|the)\s+[\w\s-]{0,30}\b(?:job|role|position)\b"
                           r"|(?:写|起草|撰写|润色)(?:一)?(?:封|首|篇|份|段)?(?:求职信|推荐信|情书|诗|歌词|致辞|演讲稿|简历|祝福语|笑话)",
                           re.I)
ALWAYS_REFUSED = (("injection", INJECTION), ("write", WRITE_INTENT), ("forecast", FORECAST),
                  ("other", OTHER_WRITING))

# Words that carry no meaning for planning (both languages).
STOPWORDS_EN = set([
    "a", "an", "the", "different", "of", "in", "on", "at", "for", "to", "from", "with", "and", "or", "is", "are",
    "was", "were",
    "be", "been", "being", "do", "does", "did", "done", "have", "has", "had", "what", "whats", "what's", "which",
    "who", "whom", "whose", "how", "many", "much", "show", "me", "tell", "give", "list", "display", "get", "find",
    "see", "view", "our", "we", "us", "my", "i", "you", "your", "their", "there", "this", "that", "these", "those",
    "it", "its", "by", "per", "each", "every", "all", "any", "some", "please", "can", "could", "would", "should",
    "will", "shall", "may", "might", "let", "lets", "let's", "just", "only", "also", "vs", "versus", "compare",
    "between", "than", "about", "over", "under", "across", "during", "within", "since", "until", "till", "up", "down",
    "as", "into", "out", "value", "values", "number", "numbers", "total", "overall", "current", "currently", "now",
    "today", "so", "far", "did", "do", "make", "made", "produce", "produced", "run", "ran", "happen", "happened",
    "look", "looking", "like", "trend", "trends", "level", "levels", "breakdown", "broken", "split", "group",
    "grouped", "grouping", "sort", "sorted", "order", "ordered", "rank", "ranked", "ranking", "report", "summary",
    "data", "figure", "figures", "stats", "statistics", "metric", "metrics", "kpi", "kpis", "result", "results",
])
STOPWORDS_ZH = [
    "请", "帮我", "给我", "查询", "查一下", "查看", "看看", "看一下", "显示", "列出", "统计", "一下", "我们",
    "我们的", "的", "了", "是", "多少", "几", "什么", "怎么样", "如何", "情况", "分别", "是多少", "有多少", "有",
    "吗", "呢", "在", "和", "与", "及", "跟", "以及", "或", "中", "里", "上", "下", "对比", "比较", "相比", "数据",
    "指标", "按", "各", "不同", "每", "个", "哪些", "哪个", "哪", "排名", "排行", "趋势", "变化", "那", "那么", "换成",
    "只看", "仅看", "拆分", "细分", "为", "把", "被", "所有", "全部", "总", "共", "一共", "总共", "期间", "时候",
    "全公司", "全厂", "整个公司", "公司整体", "全集团", "整体", "总体", "全体", "整个",
    "状态", "状况", "现在", "目前", "当前",
    "期", "内", "发生", "出现", "以来", "至今", "到", "从", "自", "起", "条", "台", "家", "名", "项", "位", "种",
    "次", "最", "高", "低", "多", "少", "好", "差", "大", "小", "前", "后", "出", "得", "做", "生产", "是否", "？",
    "?", "，", ",", "。", "、", "！", "!", "：", ":", "；", ";", "（", "）", "(", ")", "“", "”", '"', "'",
]

# Question words that are never typos of a layer term.
QUESTION_WORDS = set([
    "top", "bottom", "highest", "lowest", "largest", "smallest", "biggest", "most", "least", "fewest", "best",
    "worst", "max", "maximum", "min", "minimum", "below", "under", "less", "lower", "fewer", "above", "over", "more",
    "greater", "higher", "exceed", "exceeds", "exceeding", "least", "percent", "pct", "daily", "weekly", "monthly",
    "quarterly", "yearly", "annual", "day", "days", "week", "weeks", "month", "months", "quarter", "quarters", "year",
    "years", "last", "past", "previous", "prior", "next", "since", "ago", "before", "after", "latest", "recent",
    "first", "ones", "instead", "only", "just", "compare", "compared", "versus", "trend", "went", "go", "goes",
    "going", "used", "use", "uses", "using", "got", "get", "had", "has", "have", "ones", "one", "break", "breaks",
    "down", "split", "drill", "broken", "apart", "instead", "per", "unit", "doing", "performing", "status", "going",
    "look", "looks", "things", "thing", "where", "when", "minutes", "minute", "mins", "min", "hours", "hour", "hrs",
    "units", "pieces", "times", "pcs", "id", "ids", "build", "builds", "building", "divide", "divided", "divides",
])

# "which day had the lowest output" asks for a breakdown by that period.
WHICH_PERIOD = re.compile(r"\b(?:which|what)\s+(?P<en>day|week|month|quarter|year)\b"
                          r"|哪(?:一|个)?\s*(?P<zh>天|日|周|星期|个月|月|个季度|季度|年)", re.I)
PERIOD_WORDS = {"day": "day", "week": "week", "month": "month", "quarter": "quarter", "year": "year",
                "天": "day", "日": "day", "周": "week", "星期": "week", "个月": "month", "月": "month",
                "个季度": "quarter", "季度": "quarter", "年": "year"}

# A range: "between 3% and 6%", "介于3%和6%之间", "3%到6%之间".
# Leaving members out: "excluding Hamburg", "not counting cancelled ones", "除了宁波", "没关闭".
EXCLUDE = re.compile(r"(?:\bexcluding|\bexcept(?: for)?|\bother than|\bwithout|\bnot including|\bapart from"
                     r"|\bbesides|\bbut not|\brather than|\binstead of|\bnot in|\boutside(?: of)?|\bnot counting"
                     r"|\bnot(?: yet)?(?: been)?|\bno longer|\b(?:is|are|was|were)n't"
                     r"|\b(?:have|has|had)n't(?: yet)? been"
                     r"|\bleav(?:e|ing)\s+out|\bomit(?:ting)?|\bminus|\bdisregard(?:ing)?|\bignor(?:e|ing)"
                     r"|而不是|而非|除了|除去|不含|不包括|不算|排除|去掉|还没有?|没有?|尚未|不是|不在|不属于)"
                     r"\s*(?:the\s+|any\s+)?$", re.I)
# Leaving members out, said after them: "cancelled ones excluded", "取消的不算", "宁波除外".
EXCLUDE_AFTER = re.compile(r"^\s*(?:ones?\s+|orders?\s+)?(?:excluded|aside|not included|don't count|do not count)\b"
                           # '取消掉的不要算', '取消了的别算'
                           r"|^\s*(?:掉了?|了)?的?\s*(?:都|就)?(?:不算|除外|以外|之外|不计入?|不包括在内|不要|别算|不用算|排除在外)")
# Leaving members out, said around them: "leave the cancelled ones out", "take Ningbo out", "keep rejects aside".
_OUT_BEFORE = re.compile(r"\b(?:leav(?:e|ing)|keep(?:ing)?|tak(?:e|ing)|drop(?:ping)?|cut(?:ting)?|strip(?:ping)?)"
                         r"\s+(?:the\s+|all\s+|any\s+)?$", re.I)
_OUT_AFTER = re.compile(r"^\s*(?:ones?\s+|orders?\s+)?(?:out|aside|off)\b", re.I)


def left_out_around(text: str, start: int, end: int) -> bool:
    return bool(_OUT_BEFORE.search(text, max(0, start - 16), start) and _OUT_AFTER.match(text[end:end + 16]))


# "those two", "them", "它们", "这两台": the rows the last answer showed.
THOSE = re.compile(r"\b(?:those|these|them|they|both)\b|它们|他们|这两|那两|这几|那几|这些|那些", re.I)
# "it", "它", "that one", "这家": the one row the last answer showed (a period after 这个 is a period).
THAT_ONE = re.compile(r"\b(?:it|its|that\s+one|this\s+one)\b|它(?!们)"
                      r"|(?:这|那)(?:个|家|台|条|位)(?!月|季|周|星期|年|时|天|礼拜)", re.I)
# "haven't", "didn't", "can't": the verb and a 'not' that the rules after it read.
# typed on a phone the apostrophe is often left out: "arent closed", "didnt ship"
CONTRACTION = re.compile(r"\b([a-z]+)n['’]t\b|\b(are|is|was|were|do|does|did|have|has|had|could|should|would|ca)nt\b",
                         re.I)
# A negation the reading must account for: one left unread would answer the opposite question.
# '有没有上升', '是不是更高' ask whether something holds: a question, not a negation.
NEGATION = re.compile(r"\b(?:not|never|without|none|except|excluding|no longer)\b|n't\b"
                      r"|(?<!有)没|未|(?<!是)不是|(?<!在)不在|不属于|不算|不含|不包括|除了|除去|排除"
                      r"|不要算|(?<!分)别算|不用算|不计", re.I)  # '分别算' is 'each reckoned'
# Negations that leave nothing out: 'is it getting worse or not', '是不是', '有没有' ask yes or no; 'actual
# start, not the schedule' and 'the good ones only, not everything' set aside what the words before did not ask.
# 'a raw count, not a percentage', '要件数不要百分比': the form of the answer declined (no member left out)
DECLINED_FORM = re.compile(r"\b(?:not|rather\s+than|instead\s+of)\s+(?:as\s+|in\s+|by\s+)?(?:an?\s+)?"
                           r"(?:percentages?|percent|rates?|ratios?|shares?|proportions?|%"
                           r"|minutes|mins|hours|hrs|days|pieces|pcs|units|kg|kwh|duration|time)\b"
                           r"|(?:不要|不是|不用)(?:百分比|比例|占比|比率)", re.I)
ASIDE_NEGATION = re.compile(DECLINED_FORM.pattern
                            + r"|\bor not\b(?=\s*(?:[?.!,;]|$))|是不是|有没有|还是没有|行不行|对不对"
                            # '涨了没有', '涨没涨': whether it happened, asked
                            r"|(?<=了)没有?(?=\s*(?:[?？。!！,，]|$))|(?P<v>[\u4e00-\u9fff])没(?P=v)"
                            # 'not per line': a breakdown declined (a follow-up takes the earlier one away)
                            r"|\bnot\s+(?:per|by|for\s+each|broken\s+(?:down|out)\s+by|split\s+by)\b"
                            r"|[,;:–—.?!-]\s*(?:and\s+|but\s+)?not\s+(?:the|a|an|all|everything|every|just)\b[^,.;?!]{0,30}"
                            r"(?=[,.;?!]|$)"
                            # '不是总产量，只要良品': the figure declined, the one wanted said next
                            r"|(?:不是|不要|不看)[^，,。？?；;]{1,10}(?=[，,]\s*(?:只|就))"
                            # '取消的、发了的、没发的全算': every state is counted, the negated one too
                            r"|(?:没有?|未|不)[^，,。？?]{0,6}(?=[^。？?]{0,24}(?:全算|都算|都要算|全都算|都包括|都计入|一起算|全部算))",
                            re.I)
# "compared to the month before", "vs the previous quarter", "环比", "与上月相比".
VS_PREVIOUS = re.compile(r"\b(?:compared (?:to|with)|vs\.?|versus|against)\s+(?:the\s+)?"
                         r"(?:(?:month|week|quarter|year|period|day) before"
                         r"|previous (?:month|week|quarter|year|period|day)"
                         r"|prior (?:month|week|quarter|year|period|day)"
                         r"|one before)|\bover the previous (?:month|week|quarter|year)"
                         r"|\b(?:vs\.?|versus|compared (?:to|with))\s+(?:the\s+)?(?:last|previous|prior)(?:\s+one)?"
                         r"(?=\s*(?:[,.;:?!]|$|-|–|\b(?:did|has|is|was|how|and)\b))"
                         # 'last 4 weeks vs the 4 weeks before that', '最近4周跟再往前4周比'
                         r"|\b(?:vs\.?|versus|compared (?:to|with)|against|next to|beside|alongside)\s+(?:the\s+)?"
                         r"(?:(?:\d+|two|three|four|six)\s+(?:days|weeks|months|quarters)\s+(?:before(?:\s+that|\s+it)?"
                         r"|prior|earlier)|(?:previous|prior|preceding)\s+(?:\d+|two|three|four|six)\s+(?:days|weeks|months))"
                         r"|(?:跟|和|与|比)?再?往前(?:推)?\s*\d*\s*(?:个)?(?:天|周|星期|月|季度)"
                         # '最近4周的报废率和前4周比', '近30天跟之前30天相比': the same length right before
                         r"|(?:跟|和|与|同|对比|比)\s*(?:再|更)?(?:之前|此前|前面|前)的?\s*(?:\d+|[一二两三四五六七八九十]+)\s*(?:个)?"
                         r"(?:天|日|周|星期|礼拜|月|季度)"
                         r"|环比|与上一?期相比|和上一?期比|比上一?期", re.I)
# "vs the same period last year", "year over year", "去年同期", "同比": the same dates a year earlier.
_SAME_A_YEAR_BACK = (r"\bsame (?:period|time|month|quarter|week)(?: (?:of|in))? (?:last|a|the previous|the prior|one)"
                     r" year(?: (?:earlier|before|back|ago))?\b")
SAME_PERIOD_LAST_YEAR = re.compile(_SAME_A_YEAR_BACK +
                                   r"|\byear[- ]over[- ]year\b|\byoy\b|去年同期|上年同期|同比", re.I)
# 'and the same month a year earlier?', '去年同期呢': in a follow-up, the earlier period a year back, instead
YEAR_BACK_INSTEAD = re.compile(_SAME_A_YEAR_BACK + r"|去年同期|上年同期|去年的?这个时候", re.I)

# Money asked for ("what did it cost", "利润", "多少钱"): answerable only by a metric in a money unit.
def money_asked(text: str) -> re.Match[str] | None:
    """A money word in the question, unless it only sets the scene before a colon or a dash."""
    for m in MONEY.finditer(text):
        if not _PREAMBLE_END.match(text, m.end(), m.end() + 30) and not _FOR_A_DOCUMENT.match(text, m.end()):
            return m
    return None


_PREAMBLE_END = re.compile(r"[^?？。.]*?(?:[:：]|\s[-–—]\s)")
# 'for the budget deck', 'cost review slides', '预算会要用': the money word names the meeting the figure is for
_FOR_A_DOCUMENT = re.compile(r"\s*(?:deck|slides?|review|meeting|call|presentation|report|pack|memo|discussion)\b"
                             r"|(?:会|会议|汇报|报告|材料|PPT|ppt)", re.I)
MONEY = re.compile(r"\b(?:costs?|costing|profits?|profitability|margins?|revenues?|prices?|priced|money|dollars?"
                   r"|euros?|turnover|expenses?|budget|wages?|salar(?:y|ies)|payroll|paid|earn(?:s|ings)?)\b"
                   r"|(?<![换改])成本(?![周月季年日])|费用|利润|毛利|收入|营收|营业额|价格|单价|金额|销售额|工资|薪资|薪水|薪酬|时薪"
                   r"|预算|开销|多少钱|采购价|进价|售价|报价|价钱", re.I)
# "plant's", "lines'": a possessive names the thing itself. A word starts where its letters start:
# tried from every letter of a long word, `[a-z]{2,}` read to its end each time (quadratic).
POSSESSIVE = re.compile(r"(?<![a-z])([a-z]{2,}(?:(?=['’]s)|s(?=['’])))['’]s?(?=\s|$|[,.?!])", re.I)


# A follow-up that puts its period beside the previous one: 'compare that with last year', '跟上季度比呢',
# '把上个季度也加上对比一下', 'and last year too'.
BESIDE = re.compile(r"\bcompare|\bvs\.?(?!\w)|\bversus\b|\bagainst\b|\bside by side\b|\b(?:too|as well)\b"
                    r"|比一下|对比|比较|相比|比呢|比怎么样|也加上|一起看|放在一起", re.I)
