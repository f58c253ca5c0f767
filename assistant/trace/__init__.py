"""Traceability: walk the genealogy of the semantic layer forward (where did it go?) and
backward (where did it come from?) in one question.

    detect_trace(question, ctx) -> TraceRequest | None     # routing, called first by the rule planner
    run_trace(pipeline, request, lang) -> TraceResult      # the walk and its tables
    answer_trace(pipeline, question, plan, prov, timings, lang=...) -> Answer
    trace_to_csv(answer) -> str                            # export, no UI needed
"""

from __future__ import annotations

from assistant.trace.answer import answer_trace, build_answer
from assistant.trace.detect import detect_trace
from assistant.trace.export import trace_to_csv
from assistant.trace.model import TraceInputError, TraceLevel, TraceResult
from assistant.trace.run import run_trace

__all__ = ["TraceInputError", "TraceLevel", "TraceResult", "answer_trace", "build_answer", "detect_trace",
           "run_trace", "trace_to_csv"]
