"""Measure inference on the real samples: `python -m crawler.lineage.inference.evaluate_samples`.

Prints Markdown: precision and recall per source and rule on the family trees (cards, names,
files; documented lineage hidden) and on the lineage-edge list (names only), then how many 2022
cards get parents and from which rules, a seeded sample of them to check by hand
(`--check N`), and the throughput.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter

from crawler.lineage.inference.combine import infer
from crawler.lineage.inference.evaluate import Evaluation, Score, evaluate
from crawler.lineage.inference.index import RepoIndex
from crawler.lineage.inference.samples import (
    Sample,
    eval_records,
    load_samples,
    split_dev_holdout,
)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _row(name: str, score: Score, edges: int) -> str:
    return (f"| {name} | {score.predicted} | {score.correct} | {_pct(score.precision)} "
            f"| {_pct(score.recall(edges))} |")


def evaluation_table(title: str, result: Evaluation) -> str:
    lines = [f"### {title}", "",
             f"{result.models} models, {result.documented_edges} documented edges.", "",
             "| scope | predicted | correct | precision | recall |", "|---|---|---|---|---|"]
    for threshold, score in result.overall.items():
        label = "all inferred" if threshold == 0 else f"inferred, confidence >= {threshold}"
        lines.append(_row(f"**{label}** ({result.models_with_parents[threshold]} models)",
                          score, result.documented_edges))
    for table in (result.by_source, result.by_rule):
        for key in sorted(table):
            lines.append(_row(f"`{key}`", table[key], result.documented_edges))
    lines.append("")
    lines.append(f"Final parents not in the index (kept, flagged unresolved): {result.unresolved}")
    return "\n".join(lines)


def cards_2022_report(samples: list[Sample], index: RepoIndex, check: int, seed: int) -> str:
    inferred = [(s, infer(s.evidence, index)) for s in samples]
    with_parents = [(s, parents) for s, parents in inferred if parents]
    by_source = Counter(p.source for _, parents in with_parents for p in parents)
    lines = ["### Cards of 2022 (no documented lineage)", "",
             f"{len(samples)} models; {len(with_parents)} get at least one inferred parent, "
             f"{sum(len(p) for _, p in with_parents)} parents in all, "
             f"{sum(not x.resolved for _, p in with_parents for x in p)} unresolved.", "",
             "| best rule | parents |", "|---|---|"]
    lines += [f"| `{rule}` | {count} |" for rule, count in by_source.most_common()]
    if check:
        lines += ["", f"Seeded sample of {check} models with parents (seed {seed}), to check:", ""]
        for sample, parents in random.Random(seed).sample(with_parents,
                                                          min(check, len(with_parents))):
            for p in parents:
                lines.append(f"- `{sample.evidence.model_id}` -> `{p.parent}` ({p.relation}, "
                             f"{p.confidence}, {p.source}{'' if p.resolved else ', unresolved'})"
                             f": {p.evidence[:120]!r}")
    return "\n".join(lines)


def throughput(samples: list[Sample], index: RepoIndex, rounds: int = 3) -> str:
    """Models inferred per minute over these samples' evidence (best of a few rounds)."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for sample in samples:
            infer(sample.evidence, index)
        best = min(best, time.perf_counter() - started)
    chars = sum(len(s.evidence.card_body or "") for s in samples) // max(len(samples), 1)
    return (f"Throughput: {len(samples) / best * 60:,.0f} models a minute on one core "
            f"({len(samples)} models, cards of {chars:,} characters on average).")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", type=int, default=30, help="2022 models to list for checking")
    parser.add_argument("--seed", type=int, default=2022)
    args = parser.parse_args(argv)
    real = load_samples()
    index = real.index
    print(f"Index: {len(index)} known ids.\n")
    print(evaluation_table("Family trees (cards, names, files; lineage hidden)",
                           evaluate(eval_records(real.trees, index), index)))
    print()
    dev, holdout = split_dev_holdout(real.edges)
    for label, part in (("holdout half", holdout), ("dev half", dev)):
        print(evaluation_table(f"Lineage edges 2025-06, {label} (name only)",
                               evaluate(eval_records(part, index), index)))
        print()
    print(cards_2022_report(real.cards_2022, index, args.check, args.seed))
    print()
    print(throughput(real.trees + real.cards_2022, index))


if __name__ == "__main__":
    main()
