"""Requests to change data, in both languages: refused whatever the layer holds."""

from __future__ import annotations

import re

# Requests to change data: always refused.
WRITE_INTENT = re.compile(
    r"\b(?:delete|truncate|insert|alter|modify|overwrite|remove all|wipe|erase)\b"
    # 'drop table', 'update the status'; not 'did OEE drop last month', 'any update on scrap?'
    r"|\bdrop\s+(?:table|database|schema|column|view|index|all|every|the\s+[\w ]{1,30}?\s+table)\b"
    r"|(?:^|[,.;:!]\s*|\bplease\s+|\bpls\s+)(?:drop|update)\s+(?!on\b|of\b|from\b)"
    r"|\bupdate\s+(?:the\s+)?(?:[\w-]+\s+){0,3}?(?:set|table|records?|rows?|status|database|to)\b"
    r"|\b(?:change|set|make)\b.{0,60}\bto\b\s*\d|\b(?:mark|flag|set)\b.{0,40}\bas\b\s+(?:closed|open|done|resolved|\w+ed)\b"
    r"|\bback-?dat(?:e|ing)\b|\bfalsify\b|\bdoctor the\b"
    # 'Please set complaint CC-00069 to closed', 'change its status to shipped'
    r"|(?:^|[,.;:!]\s*|\bplease\s+|\bpls\s+|\bcan\s+you\s+|\bcould\s+you\s+)set\s+.{0,60}?\bto\s+(?:closed|open"
    r"|done|resolved|cancell?ed|canceled|completed|shipped|released|rejected|accepted|on\s+hold)\b"
    r"|\bchange\s+(?:the\s+|its\s+|their\s+)?(?:status|state)\b.{0,40}\bto\b"
    # An order to move a figure ("bump safety stock for the MCU to 80k"), not a question about a change.
    r"|(?:^|[,.;:!]\s*)(?:please\s+|pls\s+|can you\s+|could you\s+|kindly\s+)?"
    r"(?:bump|raise|lower|increase|decrease|reduce|lift)\b"
    r".{0,80}\b(?:to|by)\b\s*\d"
    # 'push all planned work orders on CQ-L2 back by one week': an order to move records in time
    r"|(?:^|[,.;:!]\s*)(?:please\s+|pls\s+)?(?:push|move|reschedule|postpone|delay|bring)\b.{0,60}"
    r"\b(?:back|forward|out|later|earlier)\b(?:\s+by\b)?"
    # 'customer signed off, please set CC-00070 to closed': an order to a record, said after its reason
    r"|(?:^|[,.;:!]\s*|\bplease\s+|\bpls\s+)(?:set|mark|flag|switch|move)\s+(?:the\s+|this\s+|that\s+)?"
    r"[\w-]*\d[\w-]*\b.{0,30}\b(?:to|as)\s+\w+"
    r"|^\s*(?:please\s+|pls\s+|can you\s+|could you\s+)?"
    r"(?:change|edit|correct|rename|reassign|reopen|cancel|close|approve|reject|release|assign|hold)\s"
    r"(?:the|this|that|(?:[a-z]+\s+)?[a-z]{2,4}-\d)"
    # 'close complaint CC-00069 in the system': an act on a record, done in the system of record
    r"|\b(?:close|cancel|reopen|change|edit|mark|release|reject|approve)\b.{0,50}\b(?:in|on|into)\s+the\s+"
    r"(?:system|database|erp|mes|db)\b"
    r"|改到|调整为|调成|把.{1,24}(?:关闭|关掉|删除|删掉|取消掉)"
    # '把状态改成已关闭' changes a record; '改成今年' / '改为按月' at the start changes the view (a follow-up).
    r"|把.{1,24}(?:改成|改为)|(?<=[\u4e00-\u9fff\w])(?:改成|改为)(?=.{0,6}(?:已|状态|为0|零))"
    # '把那几张采购单的承诺交期往后推两周': an order to move records in time
    r"|把.{1,30}(?:往后推|往前推|推迟|推后|延后|顺延|提前到|往后改|往前改|统一改|改一下|改掉)"
    r"|删除|删掉|清空|修改|更新数据|篡改|插入|写入|覆盖|标记为|标为|设为|置为", re.I)
