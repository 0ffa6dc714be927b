"""Lineage inference: parents a model's card, files and name point to, beyond `base_model`.

Pure Python, no database or HTTP: the crawler builds a `ModelEvidence` from what it fetched and a
`RepoIndex` from the ids it knows, calls `infer`, and stores each `InferredParent` as a row of
`inferred_edges`. See docs/inference.md for every rule and its measured precision.
"""

from crawler.lineage.inference.combine import collect, infer, relation_hint
from crawler.lineage.inference.index import RepoIndex, Resolution
from crawler.lineage.inference.model import (
    RELATIONS,
    Candidate,
    InferredParent,
    ModelEvidence,
    Relation,
)

__all__ = ["RELATIONS", "Candidate", "InferredParent", "ModelEvidence", "Relation", "RepoIndex",
           "Resolution", "collect", "infer", "relation_hint"]
