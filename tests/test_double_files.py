"""The files a crawler fetches for lineage inference, through the double's real HTTP server and
the unmodified huggingface_hub client: siblings, config and gguf summaries, config.json,
adapter_config.json, mergekit_config.yml, GGUF heads by range request."""

from __future__ import annotations

import json

import httpx2
import pytest
import yaml
from huggingface_hub import HfApi, hf_hub_download
from huggingface_hub.errors import GatedRepoError, RemoteEntryNotFoundError

from crawler.lineage.inference.gguf_header import read_metadata
from crawler.lineage.inference.sources.mergekit import parse_mergekit
from hub_double import api
from hub_double.files import RepoFiles
from hub_double.files.architectures import ARCHS
from hub_double.files.gguf import GgufSource, gguf_file, name_fields
from hub_double.generator import generated_store
from hub_double.ranges import Unsatisfiable, byte_range
from hub_double.samples import sample_records, samples_store
from hub_double.store import HubStore
from tests.hub_rows import model_row, store_of

HEAD = 256 * 1024


@pytest.fixture(scope="module")
def hub() -> HubStore:
    return generated_store(3_000, seed=5)


def _edge(hub: HubStore, kind: str) -> tuple[str, str]:
    """(child, parent) of an undocumented edge whose evidence includes `kind`."""
    return hub.cursor().execute(
        "SELECT e.child, e.parent FROM truth_edges e JOIN models m ON m.id = e.child "
        "WHERE NOT e.documented AND list_contains(e.evidence, ?) AND m.gated IS NULL "
        "ORDER BY e.child LIMIT 1", [kind]).fetchone()


def _gguf_repo(hub: HubStore) -> str:
    return hub.cursor().execute("SELECT id FROM models WHERE library_name = 'gguf' "
                                "AND gated IS NULL ORDER BY id LIMIT 1").fetchone()[0]


def test_client_downloads_adapter_config_mergekit_and_config(serve, hub):
    serve(hub)
    child, parent = _edge(hub, "adapter_config")
    with open(hf_hub_download(child, "adapter_config.json")) as f:
        assert json.load(f)["base_model_name_or_path"].lower() == parent.lower()
    child, parent = _edge(hub, "mergekit_config")
    with open(hf_hub_download(child, "mergekit_config.yml")) as f:
        text = f.read()
    assert yaml.safe_load(text)["merge_method"]
    assert parent.lower() in {name.lower() for name, _ in parse_mergekit(text).models}
    child, parent = _edge(hub, "config")
    with open(hf_hub_download(child, "config.json")) as f:
        assert json.load(f)["_name_or_path"].rpartition("/")[2].lower() == \
            parent.rpartition("/")[2].lower()


def test_listing_and_info_expand_siblings_config_gguf(serve, hub):
    serve(hub)
    client = HfApi()
    repo = _gguf_repo(hub)
    info = client.model_info(repo, expand=["siblings", "config", "gguf"])
    files = [s.rfilename for s in info.siblings]
    assert files == sorted(files) and any(f.endswith(".gguf") for f in files)
    assert {"total", "architecture", "context_length", "bos_token", "eos_token"} <= set(info.gguf)
    author = repo.partition("/")[0]
    listed = {m.id: m for m in client.list_models(author=author,
                                                 expand=["siblings", "config", "gguf"])}
    assert listed[repo].gguf == info.gguf
    assert [s.rfilename for s in listed[repo].siblings] == files
    transformers = next(m for m in client.list_models(expand=["siblings", "config"], limit=400)
                        if m.config and "architectures" in m.config)
    assert transformers.config["model_type"] and "_name_or_path" not in transformers.config
    assert "config.json" in [s.rfilename for s in transformers.siblings]


def test_gguf_head_by_range_request(serve, hub):
    double = serve(hub)
    repo = _gguf_repo(hub)
    name = next(f for f in RepoFiles(api.find_model(hub.cursor(), repo)).siblings()
                if f.endswith(".gguf"))
    url = f"{double.url}/{repo}/resolve/main/{name}"
    head = httpx2.head(url)
    size = int(head.headers["content-length"])
    assert head.status_code == 200 and head.headers["accept-ranges"] == "bytes" and size > HEAD
    part = httpx2.get(url, headers={"Range": f"bytes=0-{HEAD - 1}"})
    assert part.status_code == 206 and len(part.content) == HEAD
    assert part.headers["content-range"] == f"bytes 0-{HEAD - 1}/{size}"
    read = read_metadata(part.content)
    assert not read.complete and read.values["general.architecture"]
    assert "general.name" in read.values and "tokenizer.ggml.model" in read.values
    whole = httpx2.get(url)
    assert whole.status_code == 200 and len(whole.content) == size
    assert whole.content[:HEAD] == part.content and read_metadata(whole.content).complete
    tail = httpx2.get(url, headers={"Range": "bytes=-100"})
    assert tail.status_code == 206 and tail.content == whole.content[-100:]
    assert httpx2.get(url, headers={"Range": f"bytes={size}-"}).status_code == 416
    path = hf_hub_download(repo, name)  # the client checks the size against Content-Length
    with open(path, "rb") as f:
        assert f.read() == whole.content


def test_captured_file_lists_and_configs_are_served_as_captured(serve):
    serve(samples_store())
    records = [r for r in sample_records()
               if r["metadata"] and r["metadata"].get("siblings") and r["metadata"].get("config")]
    assert len(records) > 50
    for record in records[:20]:
        info = HfApi().model_info(record["id"], expand=["siblings", "config"])
        captured = sorted(s.split("rfilename='")[1].split("'")[0]
                          for s in record["metadata"]["siblings"])
        assert [s.rfilename for s in info.siblings] == captured
        assert info.config == record["metadata"]["config"]


def test_missing_and_gated_files(serve):
    rows = [model_row("org/plain", 0), model_row("org/gated", 1, gated="manual")]
    serve(store_of(rows))
    with pytest.raises(RemoteEntryNotFoundError):
        hf_hub_download("org/plain", "adapter_config.json")
    assert hf_hub_download("org/plain", "config.json")
    with pytest.raises(GatedRepoError):
        hf_hub_download("org/gated", "config.json")


# -- the pieces ---------------------------------------------------------------------------------
def test_byte_ranges():
    assert byte_range(None, 100) is None
    assert byte_range("bytes=0-9", 100) == (0, 9)
    assert byte_range("bytes=90-", 100) == (90, 99)
    assert byte_range("bytes=-10", 100) == (90, 99)
    assert byte_range("bytes=50-500", 100) == (50, 99)
    assert byte_range("bytes=0-1,5-9", 100) is None  # several ranges: the whole file
    assert byte_range("items=0-9", 100) is None
    for bad in ("bytes=100-", "bytes=9-3", "bytes=-0"):
        with pytest.raises(Unsatisfiable):
            byte_range(bad, 100)


def test_gguf_writer_old_and_modern_headers():
    arch = ARCHS["llama"]
    modern = read_metadata(gguf_file(GgufSource("meta-llama/Llama-2-7b-chat-hf",
                                                ("meta-llama/Llama-2-7b-hf",), True), arch,
                                     "llama", "x.Q5_K_M.gguf", "llama2", None, "2024-08-01"))
    values = modern.values
    assert modern.complete and values["general.name"] == "Llama 2 7b Chat Hf"
    assert values["general.organization"] == "Meta Llama"
    assert values["general.base_model.0.repo_url"] == "https://huggingface.co/meta-llama/" \
                                                      "Llama-2-7b-hf"
    assert values["general.source.url"].endswith("/meta-llama/Llama-2-7b-chat-hf")
    assert values["general.file_type"] == 17  # Q5_K_M
    old = gguf_file(GgufSource("someone/tuned-7b", modern=False, generic_name="models"), arch,
                    "llama", "tuned.Q4_0.gguf", None, None, "2023-09-01")
    assert old[4] == 2  # GGUF v2 before November 2023, v3 after
    old_values = read_metadata(old).values
    assert old_values["general.name"] == "models" and "general.organization" not in old_values
    assert name_fields("mistralai/Mistral-7B-Instruct-v0.2")["general.size_label"] == "7B"
