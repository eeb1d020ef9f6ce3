"""Storage: the DuckDB warehouse and the model folder, read and written in one place.

The connection, named readers, the segment tables and their declared schema,
membership history, saved models and their plain-data export.
"""
