"""Bare links to model repos in the card: the weakest text evidence.

Rule `card_links.link` (unspecified, 0.30 each, weak): every `huggingface.co/<org>/<name>` link
in the card's own text that is not a dataset, space or file download (`/resolve/`, images), and
not one of the model author's own repos (quantizers link their sibling quants; authors link
their logos). A card linking more than MAX_LINKED distinct models is listing or comparing them
(a benchmark table, a model family overview), so then none of them counts. A lone linked model
gets LONE_LINK_CONFIDENCE. Weak candidates never stand against stronger ones (combine.py).
"""

from __future__ import annotations

import re

from crawler.lineage.inference.index import RepoIndex
from crawler.lineage.inference.model import Candidate, ModelEvidence, snippet
from crawler.lineage.inference.refs import HUB_URL, clean_reference
from crawler.lineage.inference.text import own_text

MAX_LINKED = 3
LINK_CONFIDENCE = 0.30
LONE_LINK_CONFIDENCE = 0.35
_URL = re.compile(HUB_URL)
_FILE_DOWNLOAD = re.compile(r"/(?:resolve|raw)/", re.IGNORECASE)


def candidates(evidence: ModelEvidence, index: RepoIndex) -> list[Candidate]:
    author = (evidence.author or "").lower()
    own = evidence.model_id.lower()
    linked: dict[str, str] = {}
    for match in _URL.finditer(own_text(evidence.card_body)):
        url = match.group("url")
        ref = None if _FILE_DOWNLOAD.search(url) else clean_reference(url)
        if ref is None or "/" not in ref.name:
            continue  # huggingface.co/bert-base-uncased is as likely a user page as a model
        key = ref.name.lower()
        if key == own or key.split("/", 1)[0] == author:
            continue
        linked.setdefault(key, url)
        if len(linked) > MAX_LINKED:
            return []
    confidence = LONE_LINK_CONFIDENCE if len(linked) == 1 else LINK_CONFIDENCE
    return [Candidate(clean_reference(url).name, "unspecified", "card_links.link", snippet(url),
                      confidence, "weak") for url in linked.values()]
