"""Inference scored against hand labels: what real cards state about their parents.

A label (tests/data/labels, its README and GUIDE) says what a card states: parent repos,
families or releases, or nothing. Each prediction for a labelled card, a repo parent
(`InferredParent`) or a release attribution (`ReleaseAttribution`), is correct when it names
what the card states:
- a repo parent equal to a stated repo (after the same resolution through the index);
- a repo parent or attribution of the release a stated repo or release belongs to (the
  catalogue: a release's roots and former ids), of the stated size when one is stated on both
  sides; an attribution to the family alone is correct for any stated release of that family;
- a repo parent whose name reads as a stated name without a repo ("DialoGPT medium" and
  microsoft/DialoGPT-medium).
On a card labelled `nothing` every prediction is wrong. Labels say what the card states, so only
predictions the card supports are scored (a card rule is their strongest or a supporting rule);
the others, from the repo's name or files, are counted apart (`not_from_card`).

Recall is counted over what inference can name: stated repos, and stated releases of the roots
file's families. A family the roots file does not know ("based on BERT") is reported apart,
never counted. Calibration compares each confidence band's observed precision with its mean
confidence.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from crawler.lineage.inference.families.attribute import ReleaseAttribution
from crawler.lineage.inference.families.catalogue import Catalogue, name_size
from crawler.lineage.inference.index import RepoIndex, fuzzy_key
from crawler.lineage.inference.model import InferredParent
from crawler.lineage.inference.refs import clean_reference
from hf_lineage.errors import ConfigError

LABELS = ("parent", "family", "nothing")
BAND_WIDTH = 0.1
MIN_BAND = 30  # predictions a calibration band holds at least: fewer say nothing of it
DEFAULT_THRESHOLD = 0.5
CARD_SOURCES = ("card_text", "card_context", "card_merge", "card_links", "card_family")


@dataclass(frozen=True, slots=True)
class Stated:
    """One parent a card states, as the label records it."""

    as_written: str
    repo: str | None
    release: str | None
    size: str | None
    relation: str | None


@dataclass(frozen=True, slots=True)
class Label:
    model_id: str
    sample: str | None
    label: str
    parents: tuple[Stated, ...]
    unsure: bool = False


def load_labels(path: str | Path) -> list[Label]:
    """A labels file: one JSON object a line (tests/data/labels/README.md has the format)."""
    labels = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read labels file {path}: {exc}") from exc
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            label = row["label"]
            if label not in LABELS:
                raise ValueError(f"label must be one of {', '.join(LABELS)}, not {label!r}")
            parents = tuple(Stated(p.get("as_written") or "", p.get("repo"), p.get("release"),
                                   p.get("size"), p.get("relation"))
                            for p in row.get("parents") or [])
            labels.append(Label(row["id"], row.get("sample"), label, parents,
                                bool(row.get("unsure"))))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ConfigError(f"labels file {path}, line {number}: {exc}") from exc
    return labels


@dataclass
class Prediction:
    """One prediction on one card, as scored."""

    model_id: str
    parent: str | None  # repo id, or the root of an attribution
    release: str | None
    family: str | None
    confidence: float
    rule: str
    correct: bool


@dataclass
class LabelScore:
    """What `score` counts; `report` prints it."""

    threshold: float
    cards: int = 0
    labelled: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LABELS, 0))
    predictions: list[Prediction] = field(default_factory=list)
    stated_repos: int = 0
    found_repos: int = 0
    stated_releases: int = 0
    found_releases: int = 0
    stating_cards: int = 0  # cards stating a repo or a release of a known family
    recalled_cards: int = 0
    unknown_family_cards: int = 0  # cards stating only families the roots file does not know
    not_from_card: int = 0  # predictions resting on the name or files alone: not scored here

    def kept(self) -> list[Prediction]:
        return [p for p in self.predictions if p.confidence >= self.threshold]

    @property
    def precision(self) -> float | None:
        kept = self.kept()
        return sum(p.correct for p in kept) / len(kept) if kept else None

    def ratio(self, found: int, stated: int) -> float | None:
        return found / stated if stated else None

    def calibration(self) -> list[tuple[str, int, float, float]]:
        """(band, predictions, mean confidence, observed precision) per confidence band.

        Bands are BAND_WIDTH wide, from the top down; a band with fewer than MIN_BAND
        predictions is merged with the next one down (the last with the one above), since a
        handful of predictions cannot tell a precision within a few points."""
        edges = [round(1 - BAND_WIDTH * i, 2) for i in range(int(1 / BAND_WIDTH) + 1)]
        groups: list[tuple[float, float, list[Prediction]]] = []
        pending: list[Prediction] = []
        high = 1.0
        for low, top in zip(edges[1:], edges, strict=False):
            pending += [p for p in self.predictions
                        if low <= p.confidence < top or (top == 1.0 and p.confidence >= top)]
            if len(pending) >= MIN_BAND:
                groups.append((low, high, pending))
                pending, high = [], low
        if pending:
            if groups:
                low, top, band = groups.pop()
                groups.append((0.0, top, band + pending))
            else:
                groups.append((0.0, high, pending))
        return [(f"{low:.2f}-{top:.2f}", len(band), sum(p.confidence for p in band) / len(band),
                 sum(p.correct for p in band) / len(band)) for low, top, band in groups]


def _key(repo: str, index: RepoIndex) -> str:
    ref = clean_reference(repo)
    return index.resolve(ref).parent.lower() if ref else repo.lower()


class Scorer:
    """Matches predictions with labels, for one index and one roots catalogue."""

    def __init__(self, index: RepoIndex, catalogue: Catalogue) -> None:
        self.index = index
        self.catalogue = catalogue

    def _release_of(self, repo: str | None) -> tuple[str | None, str | None]:
        """(release name, size) when `repo` is a release's root or former id."""
        if not repo:
            return None, None
        release = self.catalogue.release_of(repo) or self.catalogue.release_of(
            _key(repo, self.index))
        return (release.name, name_size(repo)) if release else (None, None)

    def _family(self, release: str | None) -> str | None:
        found = self.catalogue.release(release) if release else None
        return found.family if found else None

    def _matches(self, stated: Stated, parent: str | None, release: str | None,
                 family: str | None, size: str | None) -> bool:
        if parent and stated.repo and _key(parent, self.index) == _key(stated.repo, self.index):
            return True
        stated_release, stated_size = (stated.release, stated.size)
        if stated.repo:
            repo_release, repo_size = self._release_of(stated.repo)
            stated_release, stated_size = repo_release or stated_release, repo_size or stated_size
        if stated_release and self.catalogue.release(stated_release):
            if release == stated_release:
                return not (size and stated_size) or size.lower() == stated_size.lower()
            if release is None and family and family == self._family(stated_release):
                return True
        if parent and not stated.repo and stated.as_written:
            return fuzzy_key(parent.rpartition("/")[2]) == fuzzy_key(stated.as_written)
        return False

    def score(self, records: Iterable[tuple[Label, Sequence[InferredParent],
                                            Sequence[ReleaseAttribution]]],
              threshold: float = DEFAULT_THRESHOLD) -> LabelScore:
        result = LabelScore(threshold)
        for label, parents, attributions in records:
            result.cards += 1
            result.labelled[label.label] += 1
            guesses = []
            for parent in parents:
                if not any(rule.split(".", 1)[0] in CARD_SOURCES
                           for rule in (parent.source, *parent.supporting)):
                    result.not_from_card += 1
                    continue
                release, size = self._release_of(parent.parent)
                guesses.append((parent.parent, release, self._family(release), size,
                                parent.confidence, parent.source))
            guesses += [(a.root, a.release, a.family, a.size, a.confidence, a.rule)
                        for a in attributions]
            found: set[int] = set()
            for parent, release, family, size, confidence, rule in guesses:
                hits = {i for i, stated in enumerate(label.parents)
                        if label.label != "nothing"
                        and self._matches(stated, parent, release, family, size)}
                result.predictions.append(Prediction(label.model_id, parent, release, family,
                                                     confidence, rule, bool(hits)))
                if confidence >= threshold:
                    found |= hits
            self._recall(result, label, found)
        return result

    def _recall(self, result: LabelScore, label: Label, found: set[int]) -> None:
        in_scope = False
        for i, stated in enumerate(label.parents):
            if stated.repo:
                result.stated_repos += 1
                result.found_repos += i in found
                in_scope = True
            elif stated.release and self.catalogue.release(stated.release):
                result.stated_releases += 1
                result.found_releases += i in found
                in_scope = True
        if in_scope:
            result.stating_cards += 1
            result.recalled_cards += bool(found)
        elif label.label == "family":
            result.unknown_family_cards += 1


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def report(result: LabelScore, title: str = "Inference against hand labels") -> str:
    """The scores as Markdown: precision, the recalls, the calibration table."""
    kept = result.kept()
    lines = [
        f"### {title}", "",
        f"{result.cards} labelled cards: {result.labelled['parent']} state a parent repo, "
        f"{result.labelled['family']} a family or release, {result.labelled['nothing']} "
        f"nothing; {result.unknown_family_cards} state only a family the roots file does "
        f"not know (not counted in recall). {result.not_from_card} predictions rest on the "
        "repo's name or files alone, not on the card: not scored here.", "",
        f"At confidence >= {result.threshold:g}:", "",
        "| measure | value | counts |", "|---|---|---|",
        f"| precision | {_pct(result.precision)} | {sum(p.correct for p in kept)} of "
        f"{len(kept)} predictions |",
        f"| recall of cards that state a parent or family | "
        f"{_pct(result.ratio(result.recalled_cards, result.stating_cards))} | "
        f"{result.recalled_cards} of {result.stating_cards} cards |",
        f"| recall of stated parent repos | "
        f"{_pct(result.ratio(result.found_repos, result.stated_repos))} | "
        f"{result.found_repos} of {result.stated_repos} |",
        f"| recall of stated families (releases) | "
        f"{_pct(result.ratio(result.found_releases, result.stated_releases))} | "
        f"{result.found_releases} of {result.stated_releases} |", "",
        f"Calibration (every prediction, whatever its confidence; bands of {BAND_WIDTH:g}, "
        f"merged down to at least {MIN_BAND} predictions):", "",
        "| confidence | predictions | mean confidence | observed precision |",
        "|---|---|---|---|",
    ]
    lines += [f"| {band} | {n} | {_pct(mean)} | {_pct(observed)} |"
              for band, n, mean, observed in result.calibration()]
    return "\n".join(lines)
