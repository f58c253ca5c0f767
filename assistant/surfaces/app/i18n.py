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
    # ask page
    "chat_placeholder": {"en": "Ask a question about your data", "zh": "请输入关于数据的问题"},
    "chat_placeholder_example": {"en": "Ask a question, e.g. {example}", "zh": "提问，例如：{example}"},
    "thinking": {"en": "Working out the answer…", "zh": "正在计算答案…"},
    "loading": {"en": "Loading the data model (first start only)…", "zh": "正在加载数据模型（仅首次启动）…"},
    "onboarding": {"en": "Try one of these questions:", "zh": "可以试试这些问题："},
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
    "interpretation": {"en": "Understood as", "zh": "理解为"},
    "metrics": {"en": "Metrics", "zh": "指标"},
    "formula": {"en": "Formula", "zh": "公式"},
    "filters": {"en": "Filters", "zh": "筛选条件"},
    "no_filters": {"en": "none", "zh": "无"},
    "time_range": {"en": "Time range", "zh": "时间范围"},
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
    "glossary_intro": {"en": "Every metric the assistant knows, straight from the semantic layer.",
                       "zh": "助手能回答的全部指标，直接来自语义层定义。"},
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
    "trace_no_genealogy": {"en": "This semantic layer defines no genealogy, so there is nothing to trace.",
                           "zh": "当前语义层没有定义追溯关系，无法追溯。"},
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
    "planner_rules_only": {"en": "rules planner only (offline); configure FA_LLM_* to enable the LLM planner",
                           "zh": "仅使用规则规划器（离线）；配置 FA_LLM_* 环境变量即可启用大模型规划器"},
    "planner_llm": {"en": "{planner} planner with LLM {model}", "zh": "{planner} 规划器，大模型 {model}"},
    "llm": {"en": "LLM", "zh": "大模型"},
    "layer": {"en": "Semantic layer", "zh": "语义层"},
    "layer_counts": {"en": "{metrics} metrics, {dimensions} dimensions, {tables} tables, "
                           "{verified_queries} verified questions",
                     "zh": "{metrics} 个指标，{dimensions} 个维度，{tables} 张表，{verified_queries} 个已验证问题"},
    "as_of": {"en": "Today is taken as", "zh": "“今天”按此日期计算"},
    "all_settings": {"en": "All settings (argument > environment > config file > default)",
                     "zh": "全部设置（参数 > 环境变量 > 配置文件 > 默认值）"},
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
