"""Read models: rows written in the append's transaction, as-of queries, rebuild and verify."""
