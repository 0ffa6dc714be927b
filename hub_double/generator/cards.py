"""What a model's card and tags say: the Hub's derived tags, card tags, evaluation results, and
the README bytes of the cards the double must serve verbatim (broken YAML, latin-1, megabytes).

Tags follow the order the Hub gives them (library, format, architecture, card tags, task,
languages, datasets, papers, parents, license), so served rows look like real ones.
"""

from __future__ import annotations

import yaml

from hub_double.generator.catalogue import BENCHMARKS, Kind, Style, pick
from hub_double.generator.mess import Mess
from hub_double.generator.node import Draw

CARD_TAGS = {Kind.FINETUNE: ((), ("trl", "sft"), ("unsloth", "trl"), ("generated_from_trainer",)),
             Kind.ADAPTER: (("lora", "generated_from_trainer"), ("lora",)),
             Kind.MERGE: (("mergekit", "merge"),),
             Kind.QUANTIZED: ((), ("llama-cpp", "gguf-my-repo"), ("quantized",))}
def with_parent_tags(tags: list[str], parent: str, relation: str) -> list[str]:
    """`tags` with the Hub's tags for one more parent, after the other parents' tags."""
    added = [f"base_model:{parent}"] + ([f"base_model:{relation}:{parent}"]
                                        if relation != "unspecified" else [])
    last = max((i for i, t in enumerate(tags) if t.startswith("base_model:")), default=-1)
    return tags[:last + 1] + added + tags[last + 1:]


BROKEN_HEADERS = (
    "---\nbase_model: {parent}\ntags: [finetuned, {name}\nlibrary_name: transformers\n---\n",
    "---\nbase_model:\n\t- {parent}\npipeline_tag: text-generation\n---\n",
    "---\nbase_model: {parent}\nmodel_name: {name}: the sequel\n---\n",
    "---\nbase_model: {parent}\n  datasets:\n- alpaca\n---\n",
)
LATIN1_BODY = ("Modèle affiné pour le français: données nettoyées, qualité supérieure.\n"
               "Entraîné à Genève, évalué à Zürich (±2 %).\n")
LONG_BLOCK = "".join(f"| eval-{k:05d} | {k * 37 % 1000 / 10:.1f} | {k * 91 % 997} |\n"
                     for k in range(2000))


def eval_results(name: str, r: float) -> list[dict]:
    """A model-index with 1-4 leaderboard benchmarks and scores derived from r."""
    results = []
    for k, (title, dataset, metric) in enumerate(BENCHMARKS[: 1 + int(r * 4) % 4]):
        score = round(30 + (r * 1000 * (k + 3)) % 55, 2)
        results.append({"task": {"type": "text-generation", "name": "Text Generation"},
                        "dataset": {"name": title, "type": dataset, "split": "test"},
                        "metrics": [{"type": metric, "value": score}]})
    return [{"name": name, "results": results}]


def card_tags(kind: int, d: Draw) -> list[str]:
    """The tags a derivative's card lists itself (trl, lora, mergekit ...)."""
    return list(pick(CARD_TAGS[kind], d.datasets))


def hub_tags(style: Style, card: dict, relation: str | None, parent_ids: list[str],
             extra: list[str], arxiv: list[str]) -> list[str]:
    """Tags the way the Hub derives them from the card, the files and the relation."""
    tags = [style.library, *extra]
    if style.library not in ("gguf", "mlx"):
        tags.append("safetensors")
    if style.arch:
        tags.append(style.arch)
    tags += card.get("tags", ())
    tags.append(style.pipeline)
    tags += card.get("language", ())
    tags += [f"dataset:{ds}" for ds in card.get("datasets", ())]
    tags += [f"arxiv:{a}" for a in arxiv]
    for parent in parent_ids:
        tags.append(f"base_model:{parent}")
        if relation:
            tags.append(f"base_model:{relation}:{parent}")
    if card.get("license"):
        tags.append(f"license:{card['license']}")
    tags += ("endpoints_compatible", "region:us")
    return list(dict.fromkeys(tags))



def verbatim_card(mess: int, model_id: str, card: dict, parent: str, d: Draw) -> bytes:
    """README bytes for the cases the server must not render from card_data."""
    name = model_id.split("/")[1]
    if mess == Mess.BROKEN_YAML:
        header = pick(BROKEN_HEADERS, d.extra).format(parent=parent, name=name)
        return f"{header}\n# {name}\n\nFine-tuned from {parent}.\n".encode()
    header = "---\n" + yaml.safe_dump(card, sort_keys=False) + "---\n\n"
    if mess == Mess.LATIN1:
        return header.encode() + f"# {name}\n\n{LATIN1_BODY}".encode("latin-1") + b"\xff\xfe\n"
    size = 1_000_000 + int(d.extra * 1_000_000)
    table = LONG_BLOCK * (size // len(LONG_BLOCK) + 1)
    return (header + f"# {name}\n\n| task | score | n |\n|---|---|---|\n" + table).encode()

