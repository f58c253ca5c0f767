"""Every user-facing string of the Streamlit app, in English and Simplified Chinese.

One table, so a missing translation is a test failure rather than a surprise on a phone.
Names of metrics, dimensions and units' meanings come from the semantic layer, not here.
"""

from __future__ import annotations

from typing import Any

LANGS = ("en", "zh")

STRINGS: dict[str, dict[str, str]] = {
    # frame and navigation
    "app_title": {"en": "Factory assistant", "zh": "工厂助手"},
    "app_caption": {"en": "Ask in plain English or Chinese; every answer shows how it was computed.",
                    "zh": "用中文或英文提问，每个答案都附有计算说明。"},
    "lang_toggle": {"en": "中文", "zh": "中文"},
    "lang_help": {"en": "Switch the interface to Simplified Chinese.", "zh": "关闭后界面切换为英文。"},
    "nav_ask": {"en": "Ask", "zh": "提问"},
    "nav_glossary": {"en": "Metrics glossary", "zh": "指标词典"},
    "nav_alerts": {"en": "Alerts", "zh": "预警"},
    "nav_trace": {"en": "Traceability", "zh": "追溯"},
    "nav_settings": {"en": "Settings", "zh": "设置"},
    "new_chat": {"en": "New conversation", "zh": "新对话"},
    "new_chat_help": {"en": "Forget the previous questions; follow-ups start fresh.",
                      "zh": "清空之前的问题，重新开始对话。"},
    # sign-in (assistant/surfaces/app/signin.py)
    "signin_title": {"en": "Sign in", "zh": "登录"},
    "signin_caption": {"en": "What you see depends on your account: a plant manager sees their plant.",
                       "zh": "你能看到的数据取决于你的账号：工厂经理只看到本厂的数据。"},
    "signin_user": {"en": "User name", "zh": "用户名"},
    "signin_password": {"en": "Password", "zh": "密码"},
    "signin_button": {"en": "Sign in", "zh": "登录"},
    "signin_wrong": {"en": "That user name and password do not match. Check both and try again.",
                     "zh": "用户名和密码不匹配，请检查后重试。"},
    "signin_provider": {"en": "Sign in with your company account", "zh": "使用公司账号登录"},
    "signin_unknown_email": {"en": "{email} has no account here. Ask your administrator to add it to the users file.",
                             "zh": "{email} 在这里没有账号，请联系管理员把它加入用户文件。"},
    "signed_in_as": {"en": "Signed in as {name}", "zh": "当前用户：{name}"},
    "signout": {"en": "Sign out", "zh": "退出登录"},
    "demo_mode": {"en": "Demo mode: no sign-in, everyone sees all the data.",
                  "zh": "演示模式：无需登录，所有人都能看到全部数据。"},
    "access_error": {"en": "Your account cannot open this data: {err}", "zh": "你的账号无法打开这些数据：{err}"},
    # ask page
    "chat_placeholder": {"en": "Ask a question about your data", "zh": "请输入关于数据的问题"},
    "thinking": {"en": "Working out the answer…", "zh": "正在计算答案…"},
    "loading": {"en": "Loading the data model (first start only)…", "zh": "正在加载数据模型（仅首次启动）…"},
    "onboarding": {"en": "Try one of these questions:", "zh": "可以试试这些问题："},
    "intro_data": {"en": "**{name}**: data from {start} to {end}, latest records {latest}.",
                   "zh": "**{name}**：数据覆盖 {start} 至 {end}，最新记录日期为 {latest}。"},
    "mode_rules": {"en": "Offline (no AI model): questions are read by built-in rules.",
                   "zh": "离线（未使用大模型）：问题由内置规则解读。"},
    "mode_llm": {"en": "Questions are read by the AI model {model}.", "zh": "问题由大模型 {model} 解读。"},
    "mode_hybrid": {"en": "Questions are read by built-in rules, and by the AI model {model} when the rules are "
                          "unsure.",
                    "zh": "问题先由内置规则解读，规则拿不准时交给大模型 {model}。"},
    "intro_today": {"en": "“Last month”, “this year” and the like count from {day}.",
                    "zh": "“上个月”“今年”等说法从 {day} 起算。"},
    "intro_can": {"en": "Ask for a figure, a ranking, a trend or a breakdown. To compare, name both periods "
                        "(“this quarter vs last quarter”) or ask “compare that with …” after an answer. Alerts are "
                        "coming soon.",
                  "zh": "可以问数值、排名、趋势或拆分。要对比，请说出两个时段（“本季度与上季度对比”），"
                        "或在回答后问“和……比呢”。预警功能即将推出。"},
    "intro_trace": {"en": "To trace, name a {nodes} and its id, here or on the Traceability page.",
                    "zh": "要追溯，请说出{nodes}及其编号，在这里提问或使用“追溯”页面。"},
    "or": {"en": " or ", "zh": "或"},
    "followups": {"en": "You could also ask:", "zh": "还可以问："},
    "try_instead": {"en": "Did you mean:", "zh": "您是不是想问："},
    "no_data": {"en": "No rows matched this question.", "zh": "没有符合条件的数据。"},
    "table": {"en": "Table", "zh": "数据表"},
    "download_csv": {"en": "Download CSV", "zh": "下载 CSV"},
    "truncated": {"en": "Only the first {n} rows are shown; narrow the question to see everything.",
                  "zh": "仅显示前 {n} 行；请缩小问题范围以查看全部数据。"},
    "reason_too_many_categories": {"en": "Too many categories for a readable chart ({n}); showing a table.",
                                   "zh": "类别太多（{n} 个），图表难以阅读，改为表格显示。"},
    "reason_too_many_series": {"en": "Too many lines for one chart ({n}); showing a table.",
                               "zh": "线条太多（{n} 条），改为表格显示。"},
    "reason_no_metric": {"en": "", "zh": ""},
    "reason_shape": {"en": "", "zh": ""},
    "reason_no_rows": {"en": "", "zh": ""},
    "vs_previous": {"en": "vs previous period", "zh": "较上期"},
    "error_generic": {"en": "Something went wrong while answering. Please rephrase the question or try again.",
                      "zh": "回答时出现问题。请换个说法或稍后重试。"},
    "refused_hint": {"en": "I can only answer questions about the data described in the metrics glossary.",
                     "zh": "我只能回答指标词典中所列数据的相关问题。"},
    # provenance
    "how_computed": {"en": "How was this computed?", "zh": "这个结果是怎么算的？"},
    "interpretation": {"en": "Your question read as", "zh": "问题理解为"},
    "what_it_means": {"en": "What the figures mean", "zh": "指标含义"},
    "show_details": {"en": "Show formula and SQL", "zh": "显示公式和 SQL"},
    "answered_by": {"en": "Question read by", "zh": "问题解析方式"},
    "reader_rules": {"en": "offline rules (no AI model)", "zh": "离线规则（未使用大模型）"},
    "reader_llm": {"en": "AI model", "zh": "大模型"},
    "reader_hybrid": {"en": "offline rules, with an AI model when unsure", "zh": "离线规则，不确定时使用大模型"},
    "reader_verified": {"en": "a checked example question", "zh": "已核对的示例问题"},
    "metrics": {"en": "Metrics", "zh": "指标"},
    "formula": {"en": "Formula", "zh": "公式"},
    "filters": {"en": "Covers", "zh": "范围"},
    "no_filters": {"en": "everything (no filter)", "zh": "全部（未筛选）"},
    "time_range": {"en": "Period", "zh": "时间范围"},
    "all_dates": {"en": "all dates", "zh": "全部日期"},
    "sql": {"en": "SQL", "zh": "SQL"},
    "planner": {"en": "Planner", "zh": "规划器"},
    "rows": {"en": "Rows", "zh": "行数"},
    "truncated_flag": {"en": "truncated", "zh": "已截断"},
    "complete": {"en": "complete", "zh": "完整"},
    "freshness": {"en": "Data up to", "zh": "数据截至"},
    "timings": {"en": "Timings", "zh": "耗时"},
    "not_understood": {"en": "Words not used", "zh": "未使用的词"},
    "timing_plan": {"en": "plan", "zh": "规划"},
    "timing_compile": {"en": "compile", "zh": "编译"},
    "timing_execute": {"en": "run", "zh": "查询"},
    "timing_total": {"en": "total", "zh": "合计"},
    # glossary
    "glossary_intro": {"en": "Every figure the assistant can answer, with what it means and how it is counted.",
                       "zh": "助手能回答的全部指标，以及每个指标的含义和计算方式。"},
    "search": {"en": "Search metrics", "zh": "搜索指标"},
    "search_placeholder": {"en": "name, synonym or description", "zh": "名称、同义词或说明"},
    "n_metrics": {"en": "{n} of {total} metrics", "zh": "共 {total} 个指标，显示 {n} 个"},
    "synonyms": {"en": "Synonyms", "zh": "同义词"},
    "unit": {"en": "Unit", "zh": "单位"},
    "description": {"en": "Description", "zh": "说明"},
    "cut_by": {"en": "Can be broken down by", "zh": "可按以下维度拆分"},
    "internal_name": {"en": "Name", "zh": "内部名称"},
    "better": {"en": "Better when", "zh": "方向"},
    "higher": {"en": "higher", "zh": "越高越好"},
    "lower": {"en": "lower", "zh": "越低越好"},
    "no_match": {"en": "No metric matches that search.", "zh": "没有符合搜索条件的指标。"},
    # alerts
    "alerts_title": {"en": "Alerts (coming soon)", "zh": "预警（即将推出）"},
    "alerts_body": {
        "en": "Alerts will watch metrics for you: pick a metric and a threshold (for example a rate below 60 % "
              "for any member, or a rate up more than 2 points week over week), choose who is told (Slack, "
              "DingTalk, WeCom or email) and how often it is checked. Each alert will link back to the same "
              "answer, chart and provenance you see on the Ask page.",
        "zh": "预警将替您盯住指标：选择指标和阈值（例如任一成员某个比率低于 60%，或周环比上升超过 2 个百分点），"
              "选择通知对象（Slack、钉钉、企业微信或邮件）和检查频率。每条预警都会链接到与“提问”页相同的答案、图表和计算说明。"},
    # traceability
    "trace_title": {"en": "Traceability", "zh": "追溯"},
    "trace_intro": {"en": "Pick or type an id: the chain is followed upstream and downstream.",
                    "zh": "选择或输入编号：系统将向上游和下游追溯整条链路。"},
    "trace_kind": {"en": "Start from", "zh": "起点类型"},
    "trace_id": {"en": "Id", "zh": "编号"},
    "trace_pick": {"en": "Recent ids", "zh": "最近的编号"},
    "trace_run": {"en": "Trace", "zh": "追溯"},
    "trace_no_genealogy": {"en": "This data has no links between lots, batches and orders, so there is "
                                 "nothing to trace.",
                           "zh": "当前数据没有批次、物料和订单之间的关联，无法追溯。"},
    "trace_pick_placeholder": {"en": "choose a recent id", "zh": "选择一个最近的编号"},
    "trace_more": {"en": " ({n} more not listed)", "zh": "（另有 {n} 个未列出）"},
    "trace_missing": {"en": "Linked but without a record of their own: {ids}", "zh": "有关联但没有自身记录：{ids}"},
    "trace_none": {"en": "Nothing is linked to that id.", "zh": "该编号没有关联记录。"},
    "trace_diagram": {"en": "Chain diagram", "zh": "链路图"},
    "upstream": {"en": "Upstream (where it came from)", "zh": "上游（来源）"},
    "downstream": {"en": "Downstream (where it went)", "zh": "下游（去向）"},
    # settings
    "settings_title": {"en": "Settings", "zh": "设置"},
    "database": {"en": "Database", "zh": "数据库"},
    "db_ok": {"en": "Connected to {db}.", "zh": "已连接：{db}。"},
    "db_missing": {"en": "No database found at {db}.", "zh": "在 {db} 未找到数据库。"},
    "db_howto": {"en": "Create the demo factory with `factory-assistant demo-data`, or point FA_DB at your database, "
                       "then reload this page.",
                 "zh": "运行 `factory-assistant demo-data` 生成演示数据，或将 FA_DB 指向您的数据库，然后刷新本页。"},
    "db_error": {"en": "The database could not be opened: {err}", "zh": "无法打开数据库：{err}"},
    "set_session": {"en": "For this browser session", "zh": "本次浏览器会话"},
    "set_session_help": {"en": "These choices apply to your questions in this browser tab until it is closed.",
                         "zh": "以下选择仅对本浏览器标签页中的提问生效，关闭后恢复默认。"},
    "set_language": {"en": "Language", "zh": "语言"},
    "set_as_of": {"en": "Count “today” as", "zh": "“今天”按此日期计算"},
    "set_as_of_help": {"en": "“Last month”, “this year” and the like count from this date.",
                       "zh": "“上个月”“今年”等说法从这一天起算。"},
    "set_as_of_reset": {"en": "Back to {day}", "zh": "恢复为 {day}"},
    "set_reading": {"en": "How questions are read", "zh": "问题解读方式"},
    "set_reading_now": {"en": "How questions are read: {how}", "zh": "问题解读方式：{how}"},
    "reading_rules": {"en": "Offline (no AI model)", "zh": "离线（未使用大模型）"},
    "reading_llm": {"en": "AI model {model}", "zh": "大模型 {model}"},
    "reading_hybrid": {"en": "Built-in rules, AI model {model} when unsure",
                       "zh": "内置规则优先，拿不准时用大模型 {model}"},
    "reading_no_llm": {"en": "No AI model is set up. An administrator can add one with FA_LLM_PROVIDER and "
                             "FA_LLM_MODEL.",
                       "zh": "尚未配置大模型。管理员可通过 FA_LLM_PROVIDER 和 FA_LLM_MODEL 添加。"},
    "set_in_effect": {"en": "In effect now", "zh": "当前生效"},
    "set_data": {"en": "Data", "zh": "数据"},
    "data_contents": {"en": "{metrics} metrics, {dimensions} ways to break them down, {verified_queries} checked "
                            "example questions",
                      "zh": "{metrics} 个指标，{dimensions} 种拆分方式，{verified_queries} 个已核对的示例问题"},
    "set_today": {"en": "“Today”: {day} ({source})", "zh": "“今天”：{day}（{source}）"},
    "today_session": {"en": "chosen for this session", "zh": "本会话中设定"},
    "today_fixed": {"en": "fixed in the settings", "zh": "由系统设置固定"},
    "today_real": {"en": "the real date", "zh": "实际日期"},
    "set_limits": {"en": "An answer shows at most {rows} rows; a question stops after {seconds} s.",
                   "zh": "每个答案最多显示 {rows} 行；单个问题超过 {seconds} 秒即停止。"},
    "all_settings": {"en": "All settings, for administrators (argument > environment > config file > default)",
                     "zh": "全部设置，供管理员参考（参数 > 环境变量 > 配置文件 > 默认值）"},
    "not_set": {"en": "not set", "zh": "未设置"},
    "source_default": {"en": "default", "zh": "默认值"},
    "source_config": {"en": "config file", "zh": "配置文件"},
    "source_argument": {"en": "argument", "zh": "参数"},
    "col_setting": {"en": "Setting", "zh": "设置项"},
    "col_value": {"en": "Value", "zh": "值"},
    "col_source": {"en": "Source", "zh": "来源"},
    "config_error": {"en": "The settings could not be read: {err}", "zh": "无法读取设置：{err}"},
}

def t(key: str, lang: str, **values: Any) -> str:
    """The string for `key` in `lang` (English when missing), with {placeholders} filled."""
    entry = STRINGS.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry["en"]
    return text.format(**values) if values else text


def lang_from_locale(locale: str | None) -> str:
    """'zh', 'zh-CN', 'zh-Hans-SG' -> zh; anything else (or unknown) -> en."""
    return "zh" if (locale or "").lower().startswith("zh") else "en"
