"""Golden tests on the Vega-Lite specs: one file per answer shape, in both languages.

Each answer in `tests.chart_answers.SHAPES` is charted and compared, whole, with
tests/golden/charts/<shape>.json. A difference fails with the first lines of a diff; when it
is intended (a chart rule changed), regenerate the files and review the diff in git:

    FA_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_charts_golden.py

A shape without a golden file fails too (unless regenerating), so a new shape is pinned on
purpose; a golden file without a shape fails, so a removed shape does not leave a stale file.
"""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from assistant.explain.charts import auto_chart
from semantic_layer.loader import load_layer
from tests.chart_answers import SHAPES

GOLDEN_DIR = Path(__file__).resolve().parent / "golden" / "charts"
UPDATE = os.environ.get("FA_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def demo_layer():
    return load_layer()


def dump(spec: dict[str, Any] | None) -> str:
    """Stable text: sorted keys, Chinese kept readable, one value per line for small diffs."""
    return json.dumps(spec, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_chart_spec_matches_golden(demo_layer, shape: str) -> None:
    got = dump(auto_chart(SHAPES[shape](demo_layer)))
    path = GOLDEN_DIR / f"{shape}.json"
    if UPDATE:
        GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(got, encoding="utf-8")
        return
    assert path.exists(), f"no golden file {path.name}: run with FA_UPDATE_GOLDEN=1 and review it"
    want = path.read_text(encoding="utf-8")
    if got != want:
        diff = difflib.unified_diff(want.splitlines(), got.splitlines(), "golden", "now", lineterm="", n=2)
        pytest.fail(f"{shape}: chart spec differs from {path.name}\n" + "\n".join(list(diff)[:60]))


def test_every_golden_file_has_a_shape() -> None:
    stale = sorted(p.stem for p in GOLDEN_DIR.glob("*.json") if p.stem not in SHAPES)
    assert not stale, f"golden files without a shape in tests/chart_answers.py: {stale}"


def test_goldens_cover_both_languages_and_every_chart_kind() -> None:
    kinds: dict[str, set[str]] = {}
    for path in GOLDEN_DIR.glob("*.json"):
        spec = json.loads(path.read_text(encoding="utf-8"))
        kinds.setdefault(spec["usermeta"]["kind"], set()).add(path.stem.rsplit("_", 1)[-1])
    assert set(kinds) == {"line", "bar", "grouped_bar", "compare", "scatter"}
    for kind in ("line", "bar", "compare"):
        assert {"en", "zh"} <= kinds[kind], kind


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_chart_is_valid_vega_lite(demo_layer, shape: str) -> None:
    # auto_chart skips altair's schema check for speed (~20 ms per answer); the check runs here,
    # through altair's own validation of a spec read back from its dictionary.
    import altair as alt

    spec = auto_chart(SHAPES[shape](demo_layer))
    assert spec is not None
    alt.Chart.from_dict(spec, validate=True)
