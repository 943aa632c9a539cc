"""Writes of the indicator engine, one module per entity (datasets, catalog; runs by the compute package)."""
