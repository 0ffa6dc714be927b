"""Turning a name as written in a card or file into a repo id, or refusing it.

Cards name parents as `org/name`, legacy ids without namespace (`bert-base-uncased`), Hub URLs
(`https://huggingface.co/org/name/tree/main`), Markdown links whose text or target holds the id,
or paths on the author's disk (`/home/x/llama-7b`, `./output/checkpoint-500`). `clean_reference`
reduces all of these to a syntactically valid repo id, flags disk paths (only their last
meaningful component survives, and only at low confidence), and refuses the rest: template
placeholders, URLs to datasets, spaces or other sites, strings no Hub repo could be named.

The regex pieces at the bottom (`REF`) match one reference inside prose; every quantifier in
them is bounded, so a hostile card costs time linear in its length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The Hub's own rule for repo names (see crawler/cards.py VALID_REPO_ID), each part at most 96.
_PART = r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,95}"
REPO_ID = re.compile(rf"{_PART}(?:/{_PART})?")
_HUB_URL = re.compile(r"(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)/", re.IGNORECASE)
# First path segments of huggingface.co URLs that are not model repos.
_NOT_MODELS = frozenset({
    "datasets", "spaces", "docs", "blog", "papers", "collections", "organizations", "settings",
    "join", "login", "pricing", "models", "tasks", "learn", "api", "chat", "new", "posts",
    "enterprise", "inference-endpoints", "search", "transformers", "course",
})
# Path segments after org/name that point inside the repo: cut there.
_INSIDE_REPO = frozenset({"tree", "blob", "resolve", "raw", "commit", "commits", "discussions",
                          "edit", "discussion"})
_PLACEHOLDERS = frozenset({
    "", "none", "null", "n/a", "na", "unknown", "more information needed", "optional", "tbd",
    "todo", "model", "base_model", "your-model", "model_name", "model-name", "repo_name",
    # words a sentence puts where a name could stand ("a fine-tuned version of the [X](…)")
    "the", "a", "an", "this", "that", "these", "our", "my", "its", "their", "it", "base",
    "original", "pretrained", "pre-trained", "following", "above", "below", "here", "link",
})
_CHECKPOINT = re.compile(r"^(?:checkpoint|ckpt|step|epoch|global_step)[-_]?\d+$", re.IGNORECASE)
_GENERIC_DIRS = frozenset({"output", "outputs", "out", "model", "models", "results", "final",
                           "final_model", "merged", "tmp", "temp", "content", "data", "src",
                           "workspace", "home", "root", "mnt", "drive", "mydrive", "save",
                           "saved_model", "best_model", "runs", "ckpt", "checkpoints", "hf"})


@dataclass(frozen=True, slots=True)
class Reference:
    """A cleaned name: `name` is a valid repo id; `local_path` when it came from a disk path."""

    name: str
    local_path: bool = False


def _strip_decoration(raw: str) -> str:
    text = raw.strip().strip("`*_\"'<>“”‘’ ")
    return text.rstrip(".,;:!?)]}").strip("`*_\"' ")


def _hub_path(text: str) -> str:
    """What follows `huggingface.co/`, without query or fragment."""
    return _HUB_URL.sub("", text, count=1).split("?", 1)[0].split("#", 1)[0]


def _is_disk_path(path: str) -> bool:
    return path.startswith(("/", ".", "~"))


def is_non_model_url(text: str) -> bool:
    """A Hub URL to a dataset, space, paper or other page that is not a model repo."""
    parts = [part for part in _hub_path(text).split("/") if part]
    return bool(parts) and not _is_disk_path(_hub_path(text)) and parts[0].lower() in _NOT_MODELS


def _from_hub_url(text: str) -> str:
    """`huggingface.co/org/name/tree/main?x#y` -> `org/name`; "" for non-model pages."""
    path = _hub_path(text)
    parts = [part for part in path.split("/") if part]
    if not parts or parts[0].lower() in _NOT_MODELS:
        return ""
    if len(parts) > 1 and parts[1].lower() in _INSIDE_REPO:
        parts = parts[:1]
    return "/".join(parts[:2])


def _from_path(text: str) -> str | None:
    """The last component of a disk path that could name a model, skipping checkpoints."""
    for part in reversed([p for p in re.split(r"[/\\]", text) if p and p not in (".", "..")]):
        if _CHECKPOINT.match(part) or part.lower() in _GENERIC_DIRS or part.endswith(":"):
            continue
        return part
    return None


def _looks_like_path(text: str) -> bool:
    return (text.startswith(("/", "./", "../", "~", "\\")) or "\\" in text
            or re.match(r"^[A-Za-z]:[/\\]", text) is not None or text.count("/") > 1)


def clean_reference(raw: str) -> Reference | None:
    """A repo id from a name as written, or None when it cannot name a model repo."""
    text = _strip_decoration(raw)
    if text.lower() in _PLACEHOLDERS or "information needed" in text.lower():
        return None
    local = False
    if _HUB_URL.match(text) and _is_disk_path(_hub_path(text)):
        text = _hub_path(text)  # the Trainer's link to a local folder: huggingface.co//home/x
    elif _HUB_URL.match(text):
        text = _from_hub_url(text)
    if "://" in text or text.startswith("www."):
        return None  # another site: GitHub, arXiv, a blog
    if _looks_like_path(text):
        text, local = _from_path(text) or "", True
    parts = text.split("/")
    if not REPO_ID.fullmatch(text) or ".." in text:
        return None
    if any(_CHECKPOINT.match(part) for part in parts) or parts[-1].lower() in _GENERIC_DIRS:
        return None  # `outputDAQonly/checkpoint-8710`, `user/output`: a run's folder
    if text.lower() in _PLACEHOLDERS or text.endswith((".json", ".md", ".py", ".bin", ".gguf")):
        return None
    return Reference(text, local_path=local)


# --- One reference inside prose --------------------------------------------------------------
# A Markdown link [text](target), a bare Hub URL, or an id (namespaced, optionally `quoted`).
# Bounded everywhere: no quantifier can run further than a few hundred characters from where a
# match attempt starts.
LINK = r"\[(?P<text>[^\[\]\n]{0,200})\]\((?P<target>[^()\s]{0,300})\)"
HUB_URL = r"(?P<url>https?://(?:www\.)?(?:huggingface\.co|hf\.co)/[^\s()\[\]<>\"'`,]{1,250})"
NAMESPACED_ID = rf"(?P<id>{_PART}/{_PART})"
ANY_ID = rf"(?P<id>{_PART}(?:/{_PART})?)"
_QUOTE = r"[`*\"']{0,2}"


def ref_pattern(bare_ids: str = NAMESPACED_ID) -> str:
    """A reference: link, Hub URL or (possibly quoted) id; `bare_ids` chooses which ids count."""
    return rf"(?:{_QUOTE}{LINK}{_QUOTE}|{HUB_URL}|{_QUOTE}{bare_ids}{_QUOTE}(?![\w/\-]))"


def reference_from_match(match: re.Match[str]) -> Reference | None:
    """The id a `ref_pattern` match names: a link's Hub target, else its text.

    The text of a link to another site counts only when it is a namespaced id: a link
    `[mergekit](https://github.com/…)` names a tool, `[org/name](https://github.com/…)` a repo.
    """
    groups = match.groupdict()
    if groups.get("target") is not None:
        target = groups["target"]
        if is_non_model_url(target):
            return None  # [imdb](https://huggingface.co/datasets/imdb) names a dataset
        if _HUB_URL.match(target):
            return clean_reference(target) or clean_reference(groups.get("text") or "")
        text = clean_reference(groups.get("text") or "")
        return text if text is not None and "/" in text.name else None  # [mergekit](github…)
    return clean_reference(groups.get("url") or groups.get("id") or "")
