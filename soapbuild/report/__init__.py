"""Step 4b of the pipeline, report: the compliance report from the session rows.

``aggregate.py`` groups the rows per clinician and period; ``formats.py`` writes
the report as JSON, CSV (one row per session, for billing) and a terminal table.
"""
