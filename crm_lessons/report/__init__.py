"""Parameterised CRM report on an analyst's own transaction file.

``crm-lessons report --data sales.csv`` reads the file with
:func:`crm_lessons.io.read_transactions` (bad input stops here, before the
template runs), computes the per-customer tables once (:func:`precompute_tables`),
hands those tables, not the transactions, to the report template
``notebooks/report/crm_report.ipynb``, runs the template in the same process
(:func:`crm_lessons.runner.execute_in_process`: no kernel, nothing pickled) and
writes a self-contained HTML page (no code, images embedded, nothing loaded
from the internet) atomically.

The template calls the helpers of this module (:func:`prepare_data`,
:func:`segment_summary`, :func:`clv_table`, :func:`format_money`, ...), so the
numbers it shows are computed by tested functions.

Large data: with ``engine='duckdb'`` or ``'spark'`` (the default is DuckDB for
Parquet input and for a text file too large for memory) the file is read by
:func:`crm_lessons.engines.read_source` with the same policies, the
per-customer tables are computed on the engine (:mod:`crm_lessons.engines`),
and only those small tables reach the template (:class:`CustomerTables`).

The package: ``_data`` reads and checks the input and computes the
per-customer tables (``_tables`` in one pass over the transactions),
``_content`` formats numbers and builds the sections' tables, ``_notes`` the notes that explain
them (each computed from the table it explains) and the key figures as JSON,
``_render`` runs the template and writes the page.
"""

from crm_lessons._validation import DataError
from crm_lessons.report._content import (
    REPORT_CSS,
    TEXT,
    clv_failure_reason,
    clv_table,
    escape,
    format_count,
    format_money,
    format_pct,
    html_table,
    naive_clv,
    reading_notes,
    segment_actions,
    segment_summary,
)
from crm_lessons.report._data import (
    CDNOW_AS_OF,
    MIN_CUSTOMERS,
    CustomerTables,
    ReportData,
    choose_engine,
    customer_tables,
    load_prepared,
    precompute_tables,
    prepare_data,
)
from crm_lessons.report._notes import (
    figures_script,
    left_out_counts,
    left_out_table,
    repeat_customers,
    report_figures,
    stage_definitions,
    stage_rules,
)
from crm_lessons.report._render import render_report, template_path

__all__ = [
    "REPORT_CSS",
    "CDNOW_AS_OF",
    "MIN_CUSTOMERS",
    "CustomerTables",
    "DataError",
    "ReportData",
    "TEXT",
    "choose_engine",
    "clv_failure_reason",
    "clv_table",
    "customer_tables",
    "escape",
    "format_count",
    "format_money",
    "format_pct",
    "figures_script",
    "html_table",
    "left_out_counts",
    "left_out_table",
    "repeat_customers",
    "report_figures",
    "stage_definitions",
    "stage_rules",
    "load_prepared",
    "naive_clv",
    "precompute_tables",
    "prepare_data",
    "reading_notes",
    "render_report",
    "segment_actions",
    "segment_summary",
    "template_path",
]
