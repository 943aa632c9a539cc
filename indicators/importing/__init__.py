"""Importing observations: readers (CSV/XLSX, streamed in chunks), vectorised validation, bulk writers.

Plain modules except ``writers``, which talks to the database. See docs/import-format.md.
"""
