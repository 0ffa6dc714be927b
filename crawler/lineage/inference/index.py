"""The index of known repo ids that every inferred name is resolved through.

Resolution rules, in order (`Resolution.how` records which one applied):
- `exact`: the id is known as written.
- `case`: known up to letter case (`Meta-Llama/llama-2-7b-hf`); the Hub treats ids so.
- `legacy`: a name without namespace (`bert-base-uncased`, the Trainer's cards of 2020-2022)
  maps to the repo the Hub moved it to when one of the organisations that received the legacy
  models holds it (`google-bert/bert-base-uncased`); else to the id itself when the index lists
  it without namespace; never to a namesake in another namespace: user namespaces hold copies of
  every legacy model, and a legacy name never meant a copy.
- `alias`: a name the caller knows stands for another repo (the roots file's former ids of a
  release: decapoda-research/llama-7b-hf stands for huggyllama/llama-7b).
- `basename`: the last component of a disk path (`/home/x/llama-7b`): as a legacy name, else the
  one known repo of that name or the dominant one (`pick`); the caller gives it a low
  confidence.
- `unresolved`: none of the above; the cleaned name is kept and flagged.

`pick` chooses among several repos sharing a name: those created after the child cannot be its
parent; of the rest, a single one wins, or the most downloaded one if it has at least ten times
the downloads of the next; otherwise the name is ambiguous and nothing is chosen.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from crawler.lineage.inference.refs import Reference

# Organisations the Hub moved its namespace-less legacy models into in 2024
# (bert-base-uncased -> google-bert/bert-base-uncased, gpt2 -> openai-community/gpt2, ...).
LEGACY_ORGS = frozenset({"google-bert", "openai-community", "facebookai", "distilbert", "albert",
                         "almanach",
                         "google-t5", "xlnet", "transfo-xl"})
DOMINANCE = 10.0  # downloads ratio that makes one of several same-named repos the likely parent
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_SEPARATORS = re.compile(r"[\-_]")

How = Literal["exact", "case", "alias", "legacy", "basename", "unresolved"]


@dataclass(frozen=True, slots=True)
class Resolution:
    parent: str
    resolved: bool
    how: How


def fuzzy_key(name: str) -> str:
    """Letters and digits only, lower case: 'Llama 2 7B Chat' and 'Llama-2-7b-chat' agree."""
    return _NOT_ALNUM.sub("", name.lower())


class RepoIndex:
    """Known repo ids with optional downloads and creation dates used to break ties."""

    def __init__(
        self,
        ids: Iterable[str],
        downloads: Mapping[str, float] | None = None,
        created_at: Mapping[str, datetime] | None = None,
        aliases: Mapping[str, str] | None = None,
    ) -> None:
        self._by_lower: dict[str, str] = {}
        self._by_name: dict[str, list[str]] = defaultdict(list)
        self._by_key: dict[str, list[str]] = defaultdict(list)
        self._orgs: set[str] = set()
        self._legacy_stems: set[str] = set()  # 'bert-base' of 'bert-base-uncased', …
        for repo_id in ids:
            lower = repo_id.lower()
            if lower in self._by_lower:
                continue
            self._by_lower[lower] = repo_id
            org, _, name = repo_id.rpartition("/")
            self._by_name[name.lower()].append(repo_id)
            self._by_key[fuzzy_key(name)].append(repo_id)
            if org:
                self._orgs.add(org.lower())
            if not org or org.lower() in LEGACY_ORGS:
                parts = _SEPARATORS.split(name.lower())
                self._legacy_stems.update("-".join(parts[:i]) for i in range(1, len(parts)))
        self._downloads = {k.lower(): v for k, v in (downloads or {}).items()}
        self._created = {k.lower(): v for k, v in (created_at or {}).items()}
        self._aliases = {k.lower(): v for k, v in (aliases or {}).items()}

    def __len__(self) -> int:
        return len(self._by_lower)

    def ids(self) -> list[str]:
        """Every known id, as indexed."""
        return list(self._by_lower.values())

    def download_counts(self) -> dict[str, float]:
        return dict(self._downloads)

    def creation_dates(self) -> dict[str, datetime]:
        return dict(self._created)

    def canonical(self, repo_id: str) -> str | None:
        """The id as indexed, matching letter case aside; None when unknown."""
        return self._by_lower.get(repo_id.lower())

    def has_org(self, org: str) -> bool:
        return org.lower() in self._orgs

    def named(self, name: str) -> list[str]:
        """Every known id whose name part (after the slash) is `name`, letter case aside."""
        return list(self._by_name.get(name.lower(), ()))

    def is_legacy_stem(self, name: str) -> bool:
        """Whether `name` is the start of several legacy checkpoints' names ('BERT-base' of
        bert-base-uncased and bert-base-cased): a family, not the one repo a namesake in a
        user's namespace would be."""
        return "-".join(_SEPARATORS.split(name.lower())) in self._legacy_stems

    def keyed(self, name: str) -> list[str]:
        """Every known id whose name part equals `name` up to case and punctuation."""
        return list(self._by_key.get(fuzzy_key(name), ()))

    def created(self, repo_id: str) -> datetime | None:
        return self._created.get(repo_id.lower())

    def pick(self, ids: Iterable[str], before: datetime | None = None) -> str | None:
        """The one plausible parent among same-named repos, or None when it stays ambiguous."""
        options = list(dict.fromkeys(ids))
        if before is not None:
            options = [i for i in options if (self.created(i) or before) <= before]
        if not options:
            return None
        if len(options) == 1:
            return options[0]
        ranked = sorted(options, key=lambda i: self._downloads.get(i.lower(), -1), reverse=True)
        top, second = (self._downloads.get(i.lower()) for i in ranked[:2])
        if top is not None and top > 0 and (second or 0) * DOMINANCE <= top:
            return ranked[0]
        return None

    def find_title(self, title: str, org: str | None = None,
                   before: datetime | None = None) -> str | None:
        """The repo a human-readable name designates ('Qwen2.5 7B Instruct' by 'Qwen'), if one."""
        options = self.keyed(title)
        if org:
            options = [i for i in options if fuzzy_key(i.rpartition("/")[0]) == fuzzy_key(org)]
        return self.pick(options, before)

    def resolve(self, ref: Reference, before: datetime | None = None) -> Resolution:
        """Resolve a cleaned reference by the rules in the module docstring."""
        alias = self._aliases.get(ref.name.lower())
        if alias is not None:
            return Resolution(self.canonical(alias) or alias, True, "alias")
        if "/" in ref.name:
            known = self.canonical(ref.name)
            if known is not None:
                return Resolution(known, True, "exact" if known == ref.name else "case")
        else:
            found = self._legacy(ref.name)
            if found is None and ref.local_path:
                found = self.pick((i for i in self.named(ref.name) if "/" in i), before)
            if found is not None:
                return Resolution(found, True, "basename" if ref.local_path else "legacy")
        return Resolution(ref.name, False, "unresolved")

    def _legacy(self, name: str) -> str | None:
        moved = [i for i in self.named(name) if i.split("/", 1)[0].lower() in LEGACY_ORGS]
        return moved[0] if len(moved) == 1 else self.canonical(name)
