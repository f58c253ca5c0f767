"""What a language model writes for users loses images, outside links, markup and excess length.

`safe_text` on its own first; then through the LLM planner with the scripted fake chat model
of tests/test_llm_planner.py (no network, no real model), up to the pipeline's answer.
"""

from __future__ import annotations

import pytest

from assistant.core.settings import Settings
from assistant.pipeline import Pipeline
from assistant.plan.llm.planner import LLMPlanner
from assistant.plan.llm.safe_text import MAX_MESSAGE_CHARS, safe_text
from assistant.sql.executor import Executor
from assistant.understand.retrieval.documents import layer_documents
from tests.conftest import EVAL_END
from tests.test_llm_planner import GOOD_SQL, StubRetrieval, answer, context, scripted, with_planners

PIXEL = "![status](https://tracker.example.net/p.gif?user=42)"
HOSTILE = (f"OEE is highest in Suzhou. {PIXEL} See [the full report](https://evil.example.com/phish) "
           "or <img src=x onerror=alert(1)> <a href='https://evil.example.com'>click here</a>. ")


# ---------------------------------------------------------------------- safe_text
def test_plain_words_and_markdown_emphasis_are_kept() -> None:
    text = "OEE by plant, **November 2025**: Suzhou 84.0%, Chongqing 78.1% (lowest).\n\n- 宁波：80.2%"
    assert safe_text(text) == text


@pytest.mark.parametrize("image", [
    PIXEL,
    '![a](https://x.example/a.png "title")',
    "![a][pixel]\n\n[pixel]: https://x.example/a.png",
    '<img src="https://x.example/a.png">',
    "<IMG SRC=https://x.example/a.png/>",
    '<svg><image href="https://x.example/a.png"/></svg>',
])
def test_images_are_removed(image: str) -> None:
    out = safe_text(f"Scrap rate 1.2%. {image}\n\nDone.")
    assert out.startswith("Scrap rate 1.2%.") and out.endswith("Done.")
    assert "x.example" not in out and "tracker" not in out and "<" not in out and "![" not in out


@pytest.mark.parametrize("link, words", [
    ("[the full report](https://evil.example.com/phish)", "the full report"),
    ("[report](https://evil.example.com/a_(b)_c)", "report"),
    ('[report](<https://evil.example.com/a b> "t")', "report"),
    ("[report][r]\n\n[r]: https://evil.example.com", "report"),
    ("<a href='https://evil.example.com'>report</a>", "report"),
    ("[report](javascript:alert(1))", "report"),
    ("[![logo](https://a.example/l.png)report](https://evil.example.com)", "report"),
])
def test_links_keep_their_words_and_lose_their_target(link: str, words: str) -> None:
    out = safe_text(f"See {link}\n\nfor more.")
    assert out.startswith("See ") and words in out and out.endswith("for more.")
    assert "example" not in out and "javascript" not in out and "](" not in out


@pytest.mark.parametrize("address", ["https://evil.example.com/x?y=1", "www.evil.example.com", "<https://evil.example.com>",
                                     "<mailto:someone@evil.example.com>", "javascript:alert(document.cookie)"])
def test_bare_addresses_are_dropped(address: str) -> None:
    out = safe_text(f"Call {address} now")
    assert out.startswith("Call") and out.endswith("now") and "evil" not in out and "javascript" not in out


def test_raw_html_is_removed_and_scripts_with_their_content() -> None:
    out = safe_text("<p>OEE <b>84%</b></p><script>steal()</script><!-- note --><style>p{}</style> done")
    assert out == "OEE 84% done"


def test_control_and_direction_characters_are_removed() -> None:
    out = safe_text("OEE\x1b[2J 84%\x00\u202e%48 EEO\u200b\r\nnext")
    assert "\x1b" not in out and "\x00" not in out and "\u202e" not in out and "\u200b" not in out
    assert out == "OEE[2J 84%%48 EEO\nnext"


def test_long_text_is_cut_with_an_ellipsis() -> None:
    out = safe_text("产量很高。" * 1000)
    assert len(out) == MAX_MESSAGE_CHARS and out.endswith("…") and out.startswith("产量很高。")
    assert safe_text("short", limit=3) == "sh…"


def test_a_megabyte_of_hostile_markdown_comes_out_bounded_and_clean() -> None:
    out = safe_text(HOSTILE * (1_000_000 // len(HOSTILE)))
    assert len(out) <= MAX_MESSAGE_CHARS and out.endswith("…")
    assert "example" not in out and "<" not in out and "![" not in out and "](" not in out
    assert "OEE is highest in Suzhou." in out and "the full report" in out and "click here" in out


@pytest.mark.parametrize("trap", ["[" * 100_000, "![a](" * 50_000, "<a " * 100_000, "](" * 100_000,
                                  "<!--" * 100_000, "[a]" * 100_000, "<script>" * 50_000])
def test_unclosed_constructs_never_become_links(trap: str) -> None:
    out = safe_text(trap + "(https://evil.example.com)")
    assert len(out) <= MAX_MESSAGE_CHARS and "](" not in out and "evil" not in out


# ---------------------------------------------------------------------- through the LLM planner
@pytest.fixture(scope="module")
def pipe(demo_db, layer):
    p = Pipeline(layer, Executor(str(demo_db)), planners={}, settings=Settings(as_of=EVAL_END))
    yield p
    p.close()


@pytest.fixture
def retrieval(pipe):
    return StubRetrieval(layer_documents(pipe.layer, pipe.values), ["metric:oee", "dimension:plant"])


def test_scripted_fake_model_clarify_message_is_cleaned_before_the_user_sees_it(pipe, retrieval) -> None:
    model = scripted(answer(kind="clarify", message=HOSTILE * 5000))  # ~1 MB
    plan = LLMPlanner(model).plan("OEE?", context(pipe, retrieval))
    assert plan.kind == "clarify" and len(plan.message) <= MAX_MESSAGE_CHARS and plan.message.endswith("…")
    assert "example" not in plan.message and "<" not in plan.message and "![" not in plan.message
    assert plan.message.startswith("OEE is highest in Suzhou. ") and "the full report" in plan.message


def test_scripted_fake_model_sql_description_is_cleaned_in_the_answer(pipe, retrieval) -> None:
    model = scripted(answer(kind="sql", sql=GOOD_SQL, message=f"Good parts per plant {PIXEL} [why](https://evil.example.com)"))
    result = with_planners(pipe, retrieval, llm=LLMPlanner(model)).ask("good parts per plant", planner="llm",
                                                                       as_of=EVAL_END)
    assert result.status == "ok" and "Good parts per plant" in result.message and "why" in result.message
    assert "example" not in result.message and "![" not in result.message


def test_scripted_fake_model_message_of_only_an_image_is_sent_back_for_words(pipe, retrieval) -> None:
    model = scripted(answer(kind="refuse", message=PIXEL), answer(kind="refuse", message="I cannot answer that."))
    plan = LLMPlanner(model, repair_rounds=1).plan("OEE?", context(pipe, retrieval))
    assert len(model.calls) == 2 and "plain words" in str(model.calls[1][-1].content)
    assert plan.kind == "refuse" and plan.message == "I cannot answer that." and plan.repair_rounds == 1
