"""Family and release attribution: the parent a card states by naming a release, not a repo.

The LLaMA-1 wave never declared `base_model` and seldom named a repo: "a low-rank adapter for
LLaMA-7b", "the weights diff against the base LLaMA", "trained by fine-tuning LLaMA". Such a
statement attributes the model to the release (LLaMA 1), and to the release's root of the stated
size when the roots file lists one (`huggyllama/llama-7b`). Attributions are their own kind of
inferred lineage (`ReleaseAttribution`, table `inferred_releases`), kept apart from the repo
parents of combine.py.

Rules:
1. A mention (mentions.py) counts when the words around it state derivation and no trap
   applies (contexts.py, contexts.toml).
2. A release named by version ("Llama 2 70B") is that release; the family's bare name ("LLaMA")
   is the release the catalogue says the card's date and the size mean, at BARE_FACTOR times the
   confidence, or the family alone when neither settles it.
3. The size is the mention's; else the model's own name's, when the release has that size
   (a 13B fine-tune of LLaMA is named `…-13b`).
4. A model whose card states a repo parent with confidence >= REPO_PARENT_WINS gets no
   attribution from prose: the release is that parent's ancestor, or the same statement. (A repo
   the card names that is one of a release's former ids, decapoda-research/llama-7b-hf, is a
   repo parent: the index resolves it to the release's root of its size, `Catalogue.aliases`.)
5. A release's own models are not attributed to it (DeepSeek-V3's card names DeepSeek-V3).
6. One attribution per family: the most confident, a root before a release before a bare family
   at equal confidence, and the size of the model's own name before other sizes.
"""

from __future__ import annotations

from dataclasses import dataclass

from crawler.lineage.inference.families.catalogue import Catalogue, name_size
from crawler.lineage.inference.families.mentions import MentionFinder
from crawler.lineage.inference.model import InferredParent, ModelEvidence, Relation, snippet
from crawler.lineage.inference.phrasing.contexts import continues_list, judge
from crawler.lineage.inference.text import own_text

BARE_FACTOR = 0.95  # a family's bare name rests on the card's date or the size
REPO_PARENT_WINS = 0.5


@dataclass(frozen=True, slots=True)
class ReleaseAttribution:
    """A model attributed to a release (or only to a family) by what its card states."""

    family: str
    release: str | None  # None: the card names the family, not which release
    root: str | None  # the release's root of the stated size, when the roots file has one
    size: str | None
    relation: Relation
    rule: str  # card_family.<context>
    evidence: str
    confidence: float


class Attributor:
    """Attributes models to the releases of one roots config."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.finder = MentionFinder(catalogue)

    def from_card(self, evidence: ModelEvidence) -> list[ReleaseAttribution]:
        """Every attribution the card's own text states (rules 1-3)."""
        text = own_text(evidence.card_body)
        mentions = self.finder.find(text)
        named = {m.release for m in mentions if m.release}
        found = []
        previous = (None, -1)
        for mention in mentions:
            verdict = judge(text, mention.start, mention.end, evidence.model_id, mention.seed)
            if verdict is None and previous[0] is not None and continues_list(
                    text, previous[1], mention.start):
                verdict = previous[0]
            previous = (verdict, mention.end)
            if verdict is None:
                continue
            release = (self.catalogue.release(mention.release) if mention.release
                       else self.catalogue.bare_release(mention.family, mention.size,
                                                        evidence.created_at, named))
            confidence = verdict.confidence * (1.0 if mention.release else BARE_FACTOR)
            size = mention.size
            if size is None and release is not None:
                own = name_size(evidence.model_id)
                size = own if own in self.catalogue.sizes(release) else None
            root = self.catalogue.root(release, size, mention.variant) if release else None
            found.append(ReleaseAttribution(
                mention.family if release is None else release.family,
                release.name if release else None, root, size, verdict.relation,
                f"card_family.{verdict.rule}", snippet(verdict.evidence), round(confidence, 3)))
        return found

    def attribute(self, evidence: ModelEvidence, parents: list[InferredParent]
                  ) -> list[ReleaseAttribution]:
        """The model's attributions, given the repo parents inferred for it (rules 4-6)."""
        if any(p.confidence >= REPO_PARENT_WINS for p in parents):
            return []
        own = self.catalogue.release_of(evidence.model_id)
        own_size = name_size(evidence.model_id)
        found = [a for a in self.from_card(evidence) if own is None or a.release != own.name]
        best: dict[str, ReleaseAttribution] = {}
        for item in sorted(found, key=lambda a: (-a.confidence, a.root is None,
                                                 a.release is None, a.size != own_size,
                                                 a.rule)):
            best.setdefault(item.family, item)
        return list(best.values())
