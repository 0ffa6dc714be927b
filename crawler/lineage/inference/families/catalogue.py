"""The releases a card can name in prose, from the roots config: names, sizes, roots, former ids.

A release is named in cards by its `mentions` ("Llama 2", "Code Llama", "DeepSeek R1") or by its
family's bare name ("LLaMA"), often with a size ("LLaMA-7B", "Llama 2 70B") and a variant
("-chat", "-Instruct"). The catalogue answers three questions for the inference rules:
- which release a family's bare name means, given the card's date and the size it states
  (`bare_release`): the release current when the card was written, or the one release that has
  that size;
- which root repo a release has of a stated size and variant (`root`): `huggyllama/llama-7b` for
  LLaMA 1 7B; None when the roots file lists no root of that size;
- which release a repo id belongs to (`release_of`), the release's own models and its
  `former_ids` (the repos its weights lived in, such as decapoda-research/llama-7b-hf), and
  which root a former id stands for (`aliases`, given to the index).
Sizes and variants of a root are read from its own name, with the same grammar as prose
(mentions.py), so the roots file needs no size table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from crawler.roots import Release, Roots

VARIANTS = ("chat", "instruct", "base", "python", "it")  # what a root's name may add to its size
_SIZE = re.compile(r"(?<![a-z0-9.])((?:\d{1,2}x)?\d{1,3}(?:\.\d{1,2})?)[\s_\-]?([bm])(?![a-z0-9])",
                   re.IGNORECASE)


def normal_size(number: str, unit: str = "b") -> str:
    """'7b' -> '7B', '8X7B' -> '8x7B', '1.5B' -> '1.5B', '135m' -> '135M'."""
    return f"{number.lower()}{unit.upper()}"


def name_size(repo_id: str) -> str | None:
    """The parameter count a repo's name states ('huggyllama/llama-7b' -> '7B'), if one."""
    match = _SIZE.search(repo_id.rpartition("/")[2])
    return normal_size(match.group(1), match.group(2)) if match else None


def name_variant(repo_id: str) -> str | None:
    """The variant a root's name states ('Llama-2-7b-chat-hf' -> 'chat'), if one."""
    words = set(re.split(r"[\s_\-.]+", repo_id.rpartition("/")[2].lower()))
    return next((v for v in VARIANTS if v in words), None)


@dataclass(frozen=True, slots=True)
class ReleaseRef:
    """A release as the rules name it: its family key and release name."""

    family: str
    release: str


class Catalogue:
    """The releases of a roots config, indexed for the inference rules."""

    def __init__(self, roots: Roots) -> None:
        self.roots = roots
        self.releases: tuple[Release, ...] = roots.releases
        self._by_name = {r.name: r for r in self.releases}
        self._of_repo: dict[str, Release] = {}
        for release in self.releases:
            for repo in (*release.models, *release.former_ids):
                self._of_repo.setdefault(repo.lower(), release)
        self.family_words = {family: words for family, words in roots.family_mentions.items()}

    def release(self, name: str) -> Release | None:
        return self._by_name.get(name)

    def release_of(self, repo_id: str) -> Release | None:
        """The release whose models or former ids hold `repo_id`, letter case aside."""
        return self._of_repo.get(repo_id.lower())

    def is_former(self, repo_id: str) -> bool:
        release = self.release_of(repo_id)
        return release is not None and repo_id.lower() in {f.lower() for f in release.former_ids}

    def family_releases(self, family: str) -> list[Release]:
        """The family's releases, oldest first."""
        return sorted((r for r in self.releases if r.family == family), key=lambda r: r.released)

    def aliases(self) -> dict[str, str]:
        """Each former id of a release -> the release's root of its size and variant (what the
        index resolves a card's `decapoda-research/llama-7b-hf` to); former ids of no listed
        size are left out."""
        found = {}
        for release in self.releases:
            for former in release.former_ids:
                root = self.root(release, name_size(former), name_variant(former))
                if root is not None:
                    found[former] = root
        return found

    def sizes(self, release: Release) -> set[str]:
        return {s for m in release.models if (s := name_size(m))}

    def bare_release(self, family: str, size: str | None, when: datetime | date | None,
                     card_names: set[str]) -> Release | None:
        """The release a family's bare name ('LLaMA-13B') means in a card, or None if unclear.

        The one release of the family that has the stated size; else, with a date, the newest
        release out by then (a card of spring 2023 saying "LLaMA" means LLaMA 1), provided it has
        the size; without a date, the family's first release when the card names no other
        release of the family (`card_names`: release names mentioned anywhere in the card).
        """
        releases = [r for r in self.family_releases(family) if r.bare_name]
        if size:
            with_size = [r for r in releases if size in self.sizes(r)]
            if len(with_size) == 1:
                return with_size[0]
            releases = with_size or releases
        if when is not None:
            day = when.date() if isinstance(when, datetime) else when
            out = [r for r in releases if r.released <= day]
            return out[-1] if out else None
        named = {r.name for r in self.family_releases(family)} & card_names
        return releases[0] if releases and not named - {releases[0].name} else None

    def root(self, release: Release, size: str | None, variant: str | None) -> str | None:
        """The release's root of `size` (and `variant`: chat/instruct, else the base model)."""
        if not size:
            return None
        sized = [m for m in release.models if name_size(m) == size]
        if not sized:
            return None
        wanted = variant if variant in ("chat", "instruct", "python", "it") else None
        for model in sized:
            if name_variant(model) == wanted:
                return model
        return sized[0] if wanted is None else None
