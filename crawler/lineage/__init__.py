"""Lineage beyond the documented `base_model` field: parents inferred from cards, files
and names."""
