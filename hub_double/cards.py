"""README.md text for served models whose card is not stored verbatim.

Most generated models keep only their parsed YAML (`card_data`); the README is rendered from it on
request, deterministically, so a 2M-model Hub does not store two million card texts.
"""

from __future__ import annotations

import json

import yaml


def render_card(model_id: str, card_data: dict | str | None) -> bytes:
    """A plausible model card: YAML header from card_data, then a short Markdown body."""
    if isinstance(card_data, str):
        card_data = json.loads(card_data)
    name = model_id.split("/")[-1]
    body = (
        f"# {name}\n\n"
        f"This model card describes `{model_id}`.\n\n"
        "## Usage\n\nLoad it with the library named in the metadata.\n"
    )
    if not card_data:
        return body.encode()
    header = yaml.safe_dump(card_data, sort_keys=False, allow_unicode=True)
    return f"---\n{header}---\n\n{body}".encode()
