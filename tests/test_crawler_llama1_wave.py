"""The LLaMA-1 wave, crawled over HTTP: cards that name their base only in prose join the family
through release attributions, and every analysis that takes --inferred counts them."""

from __future__ import annotations

import json
from datetime import datetime

import duckdb
from click.testing import CliRunner

from analysis import timeline
from analysis.db import connect
from crawler.crawl import crawl
from hf_lineage.cli import main
from tests.crawl_helpers import fast_client
from tests.hub_rows import model_row, store_of

SPRING = datetime(2023, 3, 20)
ROOTS = """
[families.llama]
label = "LLaMA"
organisations = ["meta-llama"]
mentions = ["LLaMA"]

[[releases]]
family = "llama"
name = "LLaMA 1"
released = "2023-02-24"
license = "other"
models = ["huggyllama/llama-7b", "huggyllama/llama-13b"]
mentions = ["LLaMA 1", "LLaMA v1"]
former_ids = ["decapoda-research/llama-7b-hf"]
"""


def _card(body: str) -> bytes:
    return f"---\nlicense: other\n---\n{body}\n".encode()


def wave_store():
    """The roots, four wave models declaring no parent (an adapter of LLaMA-7b, a delta of a
    size the name gives, a chatbot naming no size, a Trainer card naming the deleted
    decapoda conversion), a GGUF documented under the size-less one, and two traps."""
    rows = [
        model_row("huggyllama/llama-7b", 0, created_at=datetime(2023, 4, 1),
                  card=_card("LLaMA-7B converted to work with Transformers.")),
        model_row("huggyllama/llama-13b", 1, created_at=datetime(2023, 4, 1)),
        model_row("tloen/alpaca-lora-7b", 2, created_at=SPRING, card=_card(
            "This repo contains a low-rank adapter for LLaMA-7b fit on the Stanford Alpaca "
            "dataset.")),
        model_row("lmsys/vicuna-13b-delta-v0", 3, created_at=SPRING, model_type="llama",
                  card=_card(
            'NOTE: This "delta model" cannot be used directly. Users have to apply it on top '
            "of the original LLaMA weights to get actual Vicuna weights.")),
        model_row("someone/llama-chat", 4, created_at=SPRING, card=_card(
            "A chatbot trained by fine-tuning LLaMA on user-shared conversations.")),
        model_row("someone/llama-chat-GGUF", 5, created_at=datetime(2023, 5, 2),
                  card_data={"license": "other", "base_model": "someone/llama-chat"},
                  tags=["gguf", "base_model:someone/llama-chat",
                        "base_model:quantized:someone/llama-chat"]),
        model_row("me/alpaca-7b-ft", 6, created_at=SPRING, card=_card(
            "This model is a fine-tuned version of [decapoda-research/llama-7b-hf](https://"
            "huggingface.co/decapoda-research/llama-7b-hf) on the alpaca dataset.")),
        model_row("openlm-research/open_llama_7b", 7, created_at=datetime(2023, 6, 7),
                  card=_card("OpenLLaMA: An Open Reproduction of LLaMA, trained from scratch.")),
        model_row("other/beats-llama", 8, created_at=SPRING, card=_card(
            "Our model outperforms LLaMA-13B on most benchmarks.")),
    ]
    return store_of(rows)


def test_the_wave_joins_the_family_with_inference_and_only_then(serve, tmp_path) -> None:
    serve(wave_store())
    roots = tmp_path / "roots.toml"
    roots.write_text(ROOTS, encoding="utf-8")
    db = tmp_path / "hub.duckdb"
    assert crawl(db, "full", client=fast_client(), roots_path=roots, infer=True).status == "ok"

    conn = duckdb.connect(str(db), read_only=True)
    stored = {row[0]: row[1:] for row in conn.execute(
        "SELECT child, release, root, relation FROM inferred_releases").fetchall()}
    edges = conn.execute("SELECT child, parent, parent_declared FROM inferred_edges").fetchall()
    conn.close()
    assert stored == {
        "tloen/alpaca-lora-7b": ("LLaMA 1", "huggyllama/llama-7b", "adapter"),
        "lmsys/vicuna-13b-delta-v0": ("LLaMA 1", "huggyllama/llama-13b", "finetune"),
        "someone/llama-chat": ("LLaMA 1", None, "finetune"),
    }
    assert edges == [("me/alpaca-7b-ft", "huggyllama/llama-7b",
                      "decapoda-research/llama-7b-hf")]  # a former id: its release's root

    wave = {"tloen/alpaca-lora-7b", "lmsys/vicuna-13b-delta-v0", "someone/llama-chat",
            "someone/llama-chat-GGUF", "me/alpaca-7b-ft"}
    with connect(db) as documented:
        members = {r[0] for r in documented.execute(
            "SELECT model_id FROM family_members").fetchall()}
    assert members.isdisjoint(wave)
    with connect(db, inferred=0.5) as inferred:
        rows = inferred.execute("SELECT model_id, depth, releases FROM family_members "
                                "WHERE NOT is_root").fetchall()
        per_release = dict(inferred.execute(
            "SELECT release, count(*) FROM release_membership WHERE depth > 0 GROUP BY ALL"
        ).fetchall())
        growth = timeline.new_derivatives(inferred, "release", "month")
    assert {r[0] for r in rows} == wave
    assert {r[0]: r[1] for r in rows}["someone/llama-chat-GGUF"] == 2  # below its parent
    assert per_release == {"LLaMA 1": len(wave)}
    wave_months = growth[growth["release"] == "LLaMA 1"]
    assert wave_months["new_inferred"].sum() == len(wave)  # the wave, on the timeline

    run = CliRunner().invoke(main, ["tree", "huggyllama/llama-7b", "--inferred", "--db",
                                    str(db)], env={"COLUMNS": "200"})
    assert run.exit_code == 0 and "tloen/alpaca-lora-7b" in run.stdout
    listed = CliRunner().invoke(main, ["sql", "SELECT model_id FROM family_members",
                                       "--inferred", "--format", "json", "--db", str(db)])
    assert wave <= {r["model_id"] for r in json.loads(listed.stdout)}


def test_a_family_crawl_reads_the_cards_of_llama_type_candidates(serve, tmp_path) -> None:
    """A family crawl lists the whole Hub but reads only the cards of candidates whose listing
    hints at a family (here the delta's model_type llama): it joins through its card's words."""
    serve(wave_store())
    roots = tmp_path / "roots.toml"
    roots.write_text(ROOTS, encoding="utf-8")
    db = tmp_path / "family.duckdb"
    assert crawl(db, "family", client=fast_client(), roots_path=roots,
                 infer=True).status == "ok"
    conn = duckdb.connect(str(db), read_only=True)
    ids = {r[0] for r in conn.execute("SELECT id FROM models").fetchall()}
    attributed = {r[0] for r in conn.execute("SELECT child FROM inferred_releases").fetchall()}
    conn.close()
    assert {"lmsys/vicuna-13b-delta-v0", "someone/llama-chat", "someone/llama-chat-GGUF"} <= ids
    assert {"lmsys/vicuna-13b-delta-v0", "someone/llama-chat"} <= attributed
    assert not {"openlm-research/open_llama_7b", "other/beats-llama"} & ids
