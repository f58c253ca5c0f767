"""An answer cut short says why (too many rows, or too many bytes), in the question's language."""

from __future__ import annotations

import pytest

from assistant.core.settings import Settings
from assistant.pipeline import Pipeline
from assistant.sql.executor import Executor
from tests.conftest import EVAL_END


@pytest.mark.parametrize("question, cap, words", [
    ("output by machine last month", {"max_rows": 3}, "Only the first 3 rows are shown; the result has more"),
    ("上个月各设备的产量", {"max_rows": 3}, "只显示前 3 行"),
    ("output by machine last month", {"max_result_bytes": 2000}, "larger than one answer may hold"),
])
def test_a_cut_answer_says_why(demo_db, layer, question, cap, words):
    settings = Settings(as_of=EVAL_END, **cap)
    pipe = Pipeline(layer, Executor.from_settings(settings, db=str(demo_db)), settings=settings)
    try:
        answer = pipe.ask(question)
        assert answer.ok and answer.truncated
        assert words in answer.extras["truncation_note"]
    finally:
        pipe.close()
