"""Lineage beyond what `base_model` states as written.

    canonical.py   the canonical repo id of every parent name (renames, legacy ids, case)
    inference/     parents inferred from cards, files and names where none is documented
"""
