"""`python -m hf_lineage` runs the CLI (used where the console script is not on PATH)."""

from hf_lineage.cli import main

main()
