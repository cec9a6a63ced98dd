"""Validation in levels, cheapest first (as Universal Dependencies' validator): every finding has a stable code.

- ``codes``: the table of checks (code, name, level, what it finds, fix); docs/checks.md is generated from it.
- ``finding``: one ``Finding`` (code, file, line, record, message).
- ``level1``: files parse (UTF-8, one JSON object per JSONL line).
- ``level2``: JSON Schema (schema/).
- ``level3``: content: offsets against texts, ids, order, links.
- ``repository``: the reference walk of levels 1-3 over a repository; ``parallel``: the same per document, in processes.
- ``level4``: the Great Expectations gate over the release tables (suites, pandas batches, Spark).
- ``runner``: levels 1-3 then level 4, with jobs, shards and the engine; what the commands call.
"""
