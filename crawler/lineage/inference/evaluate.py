"""Precision and recall of inference against documented lineage the evidence does not show.

Each `EvalRecord` pairs evidence from which the documented lineage has been removed (the caller's
job, see samples.py) with the documented parents. A predicted parent is correct when it is one
of them, compared case-insensitively as the index canonicalises them.

Scores are reported three ways:
- per rule and per source, over the candidates each produced (after resolution and dropping the
  model itself, before combination): what that evidence alone would claim;
- overall, over `infer`'s final output, at several confidence thresholds.
Recall is over every documented edge of the records, found or not by anything: a rule that
never fires on a kind of model shows as low recall, not as missing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from crawler.lineage.inference.combine import collect, combine
from crawler.lineage.inference.index import RepoIndex
from crawler.lineage.inference.model import ModelEvidence

THRESHOLDS = (0.0, 0.5, 0.7)


@dataclass(frozen=True, slots=True)
class EvalRecord:
    evidence: ModelEvidence
    documented: frozenset[str]  # parent ids, lower case, canonical where the index knows them


@dataclass
class Score:
    """Counts behind one precision/recall pair."""

    predicted: int = 0
    correct: int = 0
    found_edges: set[tuple[str, str]] = field(default_factory=set)

    def add(self, child: str, parent: str, documented: frozenset[str]) -> None:
        self.predicted += 1
        if parent.lower() in documented:
            self.correct += 1
            self.found_edges.add((child, parent.lower()))

    @property
    def precision(self) -> float | None:
        return self.correct / self.predicted if self.predicted else None

    def recall(self, documented_edges: int) -> float | None:
        return len(self.found_edges) / documented_edges if documented_edges else None


@dataclass
class Evaluation:
    models: int = 0
    documented_edges: int = 0
    models_with_parents: dict[float, int] = field(default_factory=dict)
    overall: dict[float, Score] = field(default_factory=dict)
    by_rule: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))
    by_source: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))
    unresolved: int = 0  # final parents not in the index


def evaluate(records: Iterable[EvalRecord], index: RepoIndex,
             thresholds: Sequence[float] = THRESHOLDS) -> Evaluation:
    """Score every source, rule and the combined output over `records`."""
    result = Evaluation(models_with_parents={t: 0 for t in thresholds},
                        overall={t: Score() for t in thresholds})
    for record in records:
        child, documented = record.evidence.model_id, record.documented
        result.models += 1
        result.documented_edges += len(documented)
        found = collect(record.evidence, index)
        seen_by_rule: set[tuple[str, str]] = set()
        for item in found:
            for key, table in ((item.candidate.rule, result.by_rule),
                               (item.candidate.source, result.by_source)):
                if (key, item.parent.lower()) not in seen_by_rule:
                    seen_by_rule.add((key, item.parent.lower()))
                    table[key].add(child, item.parent, documented)
        parents = combine(record.evidence, found)
        result.unresolved += sum(not p.resolved for p in parents)
        for threshold in thresholds:
            kept = [p for p in parents if p.confidence >= threshold]
            result.models_with_parents[threshold] += bool(kept)
            for parent in kept:
                result.overall[threshold].add(child, parent.parent, documented)
    return result
