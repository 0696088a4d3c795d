"""Ingestion: read loss data from CSV, XLSX and JSON Lines files, map it and validate it."""
