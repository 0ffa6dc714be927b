"""How a card writes its parent's name, when that is not the id the Hub's tags carry.

The Hub derives its `base_model:` tags from the card, resolving the name the author typed to the
repo's id of today; the card keeps what was typed: an id of before a rename, a legacy id without
namespace, another case, or the local directory the model was trained from (which resolves to
nothing). A few cards name an old id that no tag carries: the crawler must ask the Hub.

Rates and where they come from:
- legacy ids: the 2022 Trainer cards of shared/hub-samples name these parents only by them
  (legacy ids were then the canonical ones: 103 of 228 parents named); after the move many
  tutorials and scripts keep the old form, so half the cards still write it (as evidence.py's
  config files do);
- renamed repos: before the rename the old id was the only one; after it, copied snippets keep
  it in a few cards;
- other cases: none of the 167 cards of the family trees that name a base model spells it in
  another case (95% bound: under 1.8%; P_CASE stays below it);
- local paths: 3 of the 228 Trainer cards of 2022 name a directory (/home/ec2-user/SageMaker/
  marian_large, wghts/checkpoint-20000 ...): 1.3% of the Trainer-trained (fine-tunes, adapters);
- card-only old names: a small share, CARD_ONLY of the resolvable spellings;
- a model listed beside the parent (ExtraParents): 9 of the 167 family-tree cards naming a
  base model do, none of them spelling a tagged parent otherwise.
A real listing capture of 15,156 records (the figures the project was given; not in ../shared)
has about 5% of card-naming models naming parents otherwise than the tags, and 18% of its
multi-parent children are false pairs (a card spelling and a tag spelling of one parent). With
merges making 1.7% of card-naming models multi-parent, both hold only if the tagged spellings
stay near 1% and the rest are local paths, URLs and listed extras, as the family trees suggest:
the probabilities below are scaled so (tests/test_generator_names.py checks both figures). They
apply to the cards that name parents at all (undocumented.py): most cards of before late 2023
name none, so the spellings of that era are rarer per model than per naming card.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from itertools import accumulate

from hub_double.generator.catalogue import LEGACY_IDS, RENAMED, Kind, ts
from hub_double.generator.fixed import Fixed

P_LEGACY = (0.5, 0.5)  # a legacy-id parent written by its legacy id: before / after the move
P_RENAMED = (0.4, 0.05)  # a renamed parent written by its old id: before / after the rename
P_CASE = 0.012  # any parent with capitals written in lower case
P_LOCAL = 0.013  # a fine-tune's or adapter's parent written as the training directory
CARD_ONLY = 0.15  # resolvable spellings that no tag carries (on background models: see below)
P_EXTRA = 0.03  # fine-tunes' and adapters' cards listing a popular model they were not made from
TRAINED = frozenset({Kind.FINETUNE, Kind.ADAPTER})
LOCAL_PATHS = ("./output", "../checkpoint-500", "/home/me/{stem}", "outputs/checkpoint-{step}",
               "/content/drive/MyDrive/{stem}", "./results/checkpoint-{step}",
               "/workspace/models/{stem}", "wghts/checkpoint-{step}")
# What the Hub takes for a model id (huggingface_hub's validate_repo_id, simplified)
REPO_ID = re.compile(r"(?:[A-Za-z0-9][\w.-]*/)?[A-Za-z0-9][\w.-]*")
OLD_NAMES = {new: (old, "legacy", ts(day)) for new, (old, day) in LEGACY_IDS.items()} | {
    new: (old, "renamed", ts(day)) for new, (old, day) in RENAMED.items()}


@dataclass(frozen=True)
class Spelling:
    """A parent's name as the card writes it, and what the Hub makes of it."""

    written: str
    canonical: str | None  # the repo the Hub answers the name with; None: nothing
    how: str  # legacy | renamed | case | local_path
    tagged: bool  # the Hub's base_model tags carry the canonical id

    @property
    def is_repo_id(self) -> bool:
        """A name the Hub can be asked for (a local path like outputs/checkpoint-50 too)."""
        return bool(REPO_ID.fullmatch(self.written)) and ".." not in self.written


def spell(parent: str, child_time: int, kind: int, background: bool,
          r: float) -> Spelling | None:
    """How the card of a `kind` child created at `child_time` writes `parent`, from a uniform
    draw r; None when it writes the id itself. Only background models (outside the LLaMA and
    DeepSeek trees) name a parent no tag carries: a family crawl follows tags, and must reach
    every family member."""
    if kind in TRAINED and r < P_LOCAL:
        template = LOCAL_PATHS[int(r / P_LOCAL * len(LOCAL_PATHS))]
        stem = parent.rsplit("/", 1)[-1].lower()
        written = template.format(stem=stem, step=500 * (1 + int(r * 1e6) % 40))
        return Spelling(written, None, "local_path", False)
    r = (r - P_LOCAL) / (1 - P_LOCAL) if kind in TRAINED else r
    tagged = not background or (r * 7919) % 1 >= CARD_ONLY
    if parent in OLD_NAMES:
        old, how, since = OLD_NAMES[parent]
        before, after = P_LEGACY if how == "legacy" else P_RENAMED
        if r < (before if child_time < since else after):
            return Spelling(old, parent, how, tagged)
        return None
    if r < P_CASE and parent.lower() != parent:
        return Spelling(parent.lower(), parent, "case", tagged)
    return None


class ExtraParents:
    """Popular models a card lists beside its parent though the child was not made from them
    (DeepSeek-V3 fine-tunes listing microsoft/phi-4 or Llama-3.3-70B-Instruct): 9 of the 167
    family-tree cards naming a base model do, and the Hub's tags carry none of these names.
    Background models list background models only, so that every family member stays
    reachable through the tags a family crawl follows."""

    def __init__(self, fixed: dict[int, Fixed]) -> None:
        tops = sorted((f.time, i, f.id, f.popularity, f.lineage) for i, f in fixed.items()
                      if f.kind in (Kind.ROOT, Kind.BASE) and f.popularity > 0)
        self.times = [t[0] for t in tops]
        self.index = [t[1] for t in tops]
        self.ids = [t[2] for t in tops]
        self.weights = (list(accumulate(t[3] for t in tops)),
                        list(accumulate(0.0 if t[4] else t[3] for t in tops)))

    def pick(self, child_time: int, background: bool, r: float) -> tuple[str, int] | None:
        """(id, graph index) of a top created before `child_time`, by popularity."""
        k = bisect_left(self.times, child_time)
        weights = self.weights[background]
        if k == 0 or weights[k - 1] == 0:
            return None
        j = bisect_right(weights, r * weights[k - 1], 0, k)
        return self.ids[min(j, k - 1)], self.index[min(j, k - 1)]
