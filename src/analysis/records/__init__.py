"""Records (one row per sampled batch, registered entity or patent grant) -> the yearly tables.

Layer between ``readers`` and the analyses: it imports config, parameters and readers only. Modules:
:mod:`~analysis.records.fields` (record types, Chinese headers), :mod:`~analysis.records.sources`
(files), :mod:`~analysis.records.engine` (DuckDB, Spark), :mod:`~analysis.records.identifiers`
(check digits), :mod:`~analysis.records.queries` (validation SQL), :mod:`~analysis.records.rules`
(the counting rules, stated once) and :mod:`~analysis.records.pipeline` (``python -m analysis records``).
"""
