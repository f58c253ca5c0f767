"""The semantic layer loader: the demo layer is valid, and mistakes are reported with
file, path and a suggestion. `layer validate` checks a layer against a live database."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.core.errors import LayerError
from semantic_layer.loader import DEMO_LAYER_DIR, load_layer


@pytest.fixture()
def layer_copy(tmp_path: Path) -> Path:
    target = tmp_path / "layer"
    shutil.copytree(DEMO_LAYER_DIR, target)
    return target


def _edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text not found in {name}: {old}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_demo_layer_has_every_spec_metric(layer) -> None:
    spec_metrics = {"total_output", "good_output", "scrap_count", "availability", "performance", "quality_rate", "oee",
                    "scrap_rate", "defect_ppm", "downtime_minutes", "breakdown_count", "mttr_min", "mtbf_hours",
                    "plan_attainment", "on_time_delivery_rate", "lot_rejection_rate", "energy_kwh", "energy_per_unit",
                    "customer_otd_rate", "complaint_count"}
    assert spec_metrics <= set(layer.metrics)
    for name in spec_metrics:
        metric = layer.metric(name)
        assert metric.label.en and metric.label.zh and metric.description and metric.formula and metric.unit
        assert layer.metric_dimensions(name), name
    assert {"设备综合效率", "overall equipment effectiveness"} <= set(layer.metric("oee").synonyms.all())
    assert "让步接收" in (layer.dimension("inspection_result").values["conditional"].zh or "")


def test_unknown_column_names_the_closest(layer_copy: Path) -> None:
    _edit(layer_copy, "metrics.yaml", "{name: good_count, table: production_records, agg: sum, expr: good_count}",
          "{name: good_count, table: production_records, agg: sum, expr: good_cnt}")
    with pytest.raises(LayerError) as err:
        load_layer(layer_copy)
    text = str(err.value)
    assert "metrics.yaml" in text and "measures[1]" in text and "good_cnt" in text and "good_count" in text


def test_unknown_measure_in_metric_expression(layer_copy: Path) -> None:
    _edit(layer_copy, "metrics.yaml", "expr: good_count / total_count", "expr: good_count / total_cnt")
    with pytest.raises(LayerError, match=r"unknown measure 'total_cnt'.*Did you mean 'total_count'"):
        load_layer(layer_copy)


def test_wrong_type_reports_file_and_path(layer_copy: Path) -> None:
    _edit(layer_copy, "metrics.yaml", "    unit: ratio\n", "    unit: percentage\n")
    with pytest.raises(LayerError) as err:
        load_layer(layer_copy)
    assert "metrics.yaml: metrics[" in str(err.value) and ".unit" in str(err.value)


def test_bad_yaml_reports_the_line(layer_copy: Path) -> None:
    (layer_copy / "broken.yaml").write_text("metrics:\n  - name: x\n   bad: [\n", encoding="utf-8")
    with pytest.raises(LayerError, match=r"broken.yaml:\d+: is not valid YAML"):
        load_layer(layer_copy)


def test_unknown_section_suggests(layer_copy: Path) -> None:
    (layer_copy / "extra.yaml").write_text("metricz: []\n", encoding="utf-8")
    with pytest.raises(LayerError, match=r"unknown section 'metricz'.*Did you mean 'metrics'"):
        load_layer(layer_copy)


def test_dimension_unreachable_from_metric_is_rejected(layer_copy: Path) -> None:
    _edit(layer_copy, "metrics.yaml", "dimensions: [plant, line, machine, machine_type, product, product_family, defect_type, severity]",
          "dimensions: [plant, customer_region]")
    with pytest.raises(LayerError, match="customer_region"):
        load_layer(layer_copy)


def test_layer_validate_passes_on_the_demo_database(demo_db: Path) -> None:
    from assistant.surfaces.cli.layer_check import check_layer_against_db

    problems, checked = check_layer_against_db(None, str(demo_db))
    assert problems == []
    assert checked > 50


def test_layer_validate_finds_a_column_the_database_lacks(layer_copy: Path, demo_db: Path) -> None:
    from assistant.surfaces.cli.layer_check import check_layer_against_db

    _edit(layer_copy, "tables.yaml", "city: VARCHAR, opened_on: DATE}", "city: VARCHAR, opened_on: DATE, region_code: VARCHAR}")
    problems, _ = check_layer_against_db(str(layer_copy), str(demo_db))
    assert any("plants" in p and "region_code" in p for p in problems), problems


def test_a_level_on_an_undated_table_is_refused_at_load(layer_copy: Path) -> None:
    _edit(layer_copy, "metrics.yaml", "{name: below_safety_rows, table: latest_inventory, agg: count,",
          "{name: below_safety_rows, table: latest_inventory, agg: count, semi_additive: last,")
    with pytest.raises(LayerError, match=r"below_safety_rows.*last day.*latest_inventory.*no date"):
        load_layer(layer_copy)


def test_who_names_a_dimension_the_rows_reach(layer_copy: Path) -> None:
    _edit(layer_copy, "tables.yaml", "    who: customer                # 'who' about these rows asks for the customer\n"
          "    record_columns: [customer, complaint_issue", "    who: custmer\n    record_columns: [customer, complaint_issue")
    with pytest.raises(LayerError, match=r"who: unknown dimension 'custmer'.*Did you mean 'customer'"):
        load_layer(layer_copy)
