"""Table definitions of the demo factory (the spec's contract plus a few extra columns)."""

from __future__ import annotations

# table -> ordered (column, DuckDB type). Spec columns first; extras are appended at the end.
TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "plants": (
        ("plant_id", "VARCHAR"), ("plant_name", "VARCHAR"), ("plant_name_zh", "VARCHAR"),
        ("city", "VARCHAR"), ("opened_on", "DATE"),
    ),
    "production_lines": (
        ("line_id", "VARCHAR"), ("plant_id", "VARCHAR"), ("line_name", "VARCHAR"),
        ("line_name_zh", "VARCHAR"), ("product_family", "VARCHAR"),
    ),
    "machines": (
        ("machine_id", "VARCHAR"), ("line_id", "VARCHAR"), ("machine_name", "VARCHAR"),
        ("machine_type", "VARCHAR"), ("commissioned_on", "DATE"),
    ),
    "products": (
        ("product_id", "VARCHAR"), ("sku", "VARCHAR"), ("product_name", "VARCHAR"),
        ("product_name_zh", "VARCHAR"), ("product_family", "VARCHAR"), ("unit_cost", "DECIMAL(10,2)"),
        ("unit_price", "DECIMAL(10,2)"),
    ),
    "shifts": (
        ("shift_id", "VARCHAR"), ("shift_name", "VARCHAR"), ("shift_name_zh", "VARCHAR"),
        ("start_time", "TIME"), ("end_time", "TIME"),
    ),
    "suppliers": (
        ("supplier_id", "VARCHAR"), ("supplier_name", "VARCHAR"), ("supplier_name_zh", "VARCHAR"),
        ("country", "VARCHAR"), ("category", "VARCHAR"),
    ),
    "materials": (
        ("material_id", "VARCHAR"), ("material_name", "VARCHAR"), ("material_name_zh", "VARCHAR"),
        ("material_type", "VARCHAR"), ("unit", "VARCHAR"), ("standard_cost", "DECIMAL(10,2)"),
    ),
    "customers": (
        ("customer_id", "VARCHAR"), ("customer_name", "VARCHAR"), ("customer_name_zh", "VARCHAR"),
        ("region", "VARCHAR"), ("country", "VARCHAR"),
    ),
    "work_orders": (
        ("work_order_id", "VARCHAR"), ("product_id", "VARCHAR"), ("line_id", "VARCHAR"),
        ("planned_qty", "INTEGER"), ("planned_start", "TIMESTAMP"), ("planned_end", "TIMESTAMP"),
        ("actual_start", "TIMESTAMP"), ("actual_end", "TIMESTAMP"), ("status", "VARCHAR"),
        ("priority", "VARCHAR"),
    ),
    "production_records": (
        ("record_id", "BIGINT"), ("work_order_id", "VARCHAR"), ("machine_id", "VARCHAR"),
        ("line_id", "VARCHAR"), ("shift_id", "VARCHAR"), ("production_date", "DATE"),
        ("planned_time_min", "DOUBLE"), ("run_time_min", "DOUBLE"), ("ideal_cycle_time_s", "DOUBLE"),
        ("total_count", "INTEGER"), ("good_count", "INTEGER"),
    ),
    "downtime_events": (
        ("event_id", "BIGINT"), ("machine_id", "VARCHAR"), ("line_id", "VARCHAR"),
        ("start_time", "TIMESTAMP"), ("end_time", "TIMESTAMP"), ("duration_min", "DOUBLE"),
        ("category", "VARCHAR"), ("reason", "VARCHAR"), ("reason_zh", "VARCHAR"),
    ),
    "defects": (
        ("defect_id", "BIGINT"), ("work_order_id", "VARCHAR"), ("batch_id", "VARCHAR"),
        ("machine_id", "VARCHAR"), ("line_id", "VARCHAR"), ("detected_at", "TIMESTAMP"),
        ("defect_type", "VARCHAR"), ("defect_type_zh", "VARCHAR"), ("severity", "VARCHAR"),
        ("quantity", "INTEGER"),
    ),
    "finished_batches": (
        ("batch_id", "VARCHAR"), ("work_order_id", "VARCHAR"), ("product_id", "VARCHAR"),
        ("produced_on", "DATE"), ("quantity", "INTEGER"), ("qc_status", "VARCHAR"),
    ),
    "purchase_orders": (
        ("po_id", "VARCHAR"), ("supplier_id", "VARCHAR"), ("material_id", "VARCHAR"),
        ("order_date", "DATE"), ("promised_date", "DATE"), ("delivered_date", "DATE"),
        ("quantity", "DOUBLE"), ("unit_price", "DECIMAL(10,2)"), ("status", "VARCHAR"),
        ("plant_id", "VARCHAR"),  # extra: the receiving plant
    ),
    "material_lots": (
        ("lot_id", "VARCHAR"), ("material_id", "VARCHAR"), ("supplier_id", "VARCHAR"),
        ("po_id", "VARCHAR"), ("received_date", "DATE"), ("quantity", "DOUBLE"),
        ("inspection_result", "VARCHAR"),
        ("plant_id", "VARCHAR"),  # extra: the receiving plant
    ),
    "lot_consumption": (
        ("work_order_id", "VARCHAR"), ("lot_id", "VARCHAR"), ("quantity_used", "DOUBLE"),
    ),
    "sales_orders": (
        ("sales_order_id", "VARCHAR"), ("customer_id", "VARCHAR"), ("product_id", "VARCHAR"),
        ("order_date", "DATE"), ("due_date", "DATE"), ("quantity", "INTEGER"), ("status", "VARCHAR"),
    ),
    "shipments": (
        ("shipment_id", "VARCHAR"), ("sales_order_id", "VARCHAR"), ("batch_id", "VARCHAR"),
        ("customer_id", "VARCHAR"), ("ship_date", "DATE"), ("quantity", "INTEGER"),
    ),
    "customer_complaints": (
        ("complaint_id", "VARCHAR"), ("customer_id", "VARCHAR"), ("batch_id", "VARCHAR"),
        ("reported_on", "DATE"), ("issue", "VARCHAR"), ("quantity_affected", "INTEGER"),
        ("status", "VARCHAR"),
        ("issue_zh", "VARCHAR"),  # extra: Chinese text of the issue
    ),
    "energy_readings": (
        ("machine_id", "VARCHAR"), ("reading_date", "DATE"), ("kwh", "DOUBLE"),
    ),
    "inventory_snapshots": (
        ("snapshot_date", "DATE"), ("plant_id", "VARCHAR"), ("material_id", "VARCHAR"),
        ("on_hand_qty", "DOUBLE"), ("safety_stock", "DOUBLE"),
    ),
}

# Primary keys: the spec's single-column PKs, plus the natural keys of the three link/fact
# tables without one (they are unique by construction and help planners).
PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "plants": ("plant_id",),
    "production_lines": ("line_id",),
    "machines": ("machine_id",),
    "products": ("product_id",),
    "shifts": ("shift_id",),
    "suppliers": ("supplier_id",),
    "materials": ("material_id",),
    "customers": ("customer_id",),
    "work_orders": ("work_order_id",),
    "production_records": ("record_id",),
    "downtime_events": ("event_id",),
    "defects": ("defect_id",),
    "finished_batches": ("batch_id",),
    "purchase_orders": ("po_id",),
    "material_lots": ("lot_id",),
    "sales_orders": ("sales_order_id",),
    "shipments": ("shipment_id",),
    "customer_complaints": ("complaint_id",),
    "lot_consumption": ("work_order_id", "lot_id"),
    "energy_readings": ("machine_id", "reading_date"),
    "inventory_snapshots": ("snapshot_date", "plant_id", "material_id"),
}

# (table, column) -> (referenced table, referenced column), as listed in the spec.
FOREIGN_KEYS: tuple[tuple[str, str, str, str], ...] = (
    ("production_lines", "plant_id", "plants", "plant_id"),
    ("machines", "line_id", "production_lines", "line_id"),
    ("work_orders", "product_id", "products", "product_id"),
    ("work_orders", "line_id", "production_lines", "line_id"),
    ("production_records", "work_order_id", "work_orders", "work_order_id"),
    ("production_records", "machine_id", "machines", "machine_id"),
    ("production_records", "line_id", "production_lines", "line_id"),
    ("production_records", "shift_id", "shifts", "shift_id"),
    ("downtime_events", "machine_id", "machines", "machine_id"),
    ("downtime_events", "line_id", "production_lines", "line_id"),
    ("defects", "work_order_id", "work_orders", "work_order_id"),
    ("defects", "batch_id", "finished_batches", "batch_id"),
    ("defects", "machine_id", "machines", "machine_id"),
    ("defects", "line_id", "production_lines", "line_id"),
    ("finished_batches", "work_order_id", "work_orders", "work_order_id"),
    ("finished_batches", "product_id", "products", "product_id"),
    ("purchase_orders", "supplier_id", "suppliers", "supplier_id"),
    ("purchase_orders", "material_id", "materials", "material_id"),
    ("purchase_orders", "plant_id", "plants", "plant_id"),
    ("material_lots", "material_id", "materials", "material_id"),
    ("material_lots", "supplier_id", "suppliers", "supplier_id"),
    ("material_lots", "po_id", "purchase_orders", "po_id"),
    ("material_lots", "plant_id", "plants", "plant_id"),
    ("lot_consumption", "work_order_id", "work_orders", "work_order_id"),
    ("lot_consumption", "lot_id", "material_lots", "lot_id"),
    ("sales_orders", "customer_id", "customers", "customer_id"),
    ("sales_orders", "product_id", "products", "product_id"),
    ("shipments", "sales_order_id", "sales_orders", "sales_order_id"),
    ("shipments", "batch_id", "finished_batches", "batch_id"),
    ("shipments", "customer_id", "customers", "customer_id"),
    ("customer_complaints", "customer_id", "customers", "customer_id"),
    ("customer_complaints", "batch_id", "finished_batches", "batch_id"),
    ("energy_readings", "machine_id", "machines", "machine_id"),
    ("inventory_snapshots", "plant_id", "plants", "plant_id"),
    ("inventory_snapshots", "material_id", "materials", "material_id"),
)


def create_sql(table: str) -> str:
    """CREATE TABLE statement for DuckDB (keys are added after the bulk load)."""
    cols = ", ".join(f"{name} {typ}" for name, typ in TABLES[table])
    return f"CREATE TABLE {table} ({cols})"
