"""The unmodified huggingface_hub client against the Hub double, over real HTTP."""

from __future__ import annotations

import json

import httpx2
import pytest
from huggingface_hub import HfApi, ModelCard
from huggingface_hub.errors import (
    BadRequestError,
    GatedRepoError,
    HfHubHTTPError,
    RepositoryNotFoundError,
)

from hub_double.faults import Fault, Quota
from tests.hub_rows import model_row, numbered_store, store_of


def family_store():
    rows = [
        model_row("meta-llama/Llama-2-7b-hf", 0, gated="manual",
                  tags=["transformers", "license:llama2"], card_data={"license": "llama2"}),
        model_row("alice/llama-ft", 1, tags=[
            "license:llama2", "base_model:meta-llama/Llama-2-7b-hf",
            "base_model:finetune:meta-llama/Llama-2-7b-hf"],
            card_data={"license": "llama2", "base_model": "meta-llama/Llama-2-7b-hf"}),
        model_row("TheBloke/llama-ft-GGUF", 2, library_name="gguf", tags=[
            "gguf", "base_model:alice/llama-ft", "base_model:quantized:alice/llama-ft"]),
        model_row("bob/merge", 3, tags=[
            "merge", "base_model:alice/llama-ft", "base_model:merge:alice/llama-ft",
            "base_model:other/model", "base_model:merge:other/model"]),
        model_row("other/model", 4),
        model_row("carol/secret", 5, private=True),
    ]
    return store_of(rows)


def test_lists_every_model_across_many_pages(serve):
    double = serve(numbered_store(250), page_size=20)
    models = list(HfApi().list_models(full=True))
    assert len(models) == 250
    assert len({m.id for m in models}) == 250
    assert double.log.counts()["list"] == 13  # ceil(250 / 20)
    first = models[0]
    assert first.sha and first.last_modified and first.created_at
    assert first.card_data is not None


def test_next_link_is_absolute_and_keeps_the_query(serve):
    double = serve(numbered_store(30), page_size=10)
    response = httpx2.get(f"{double.url}/api/models", params={"author": "org-1", "limit": 1})
    assert response.status_code == 200
    link = response.headers["link"]
    assert link.startswith(f"<{double.url}/api/models?") and 'rel="next"' in link
    assert "author=org-1" in link and "cursor=" in link


def test_sorted_listing_is_descending_and_limit_stops_paging(serve):
    double = serve(numbered_store(100), page_size=10)
    models = list(HfApi().list_models(sort="downloads", limit=35))
    downloads = [m.downloads for m in models]
    assert len(models) == 35 and downloads == sorted(downloads, reverse=True)
    assert double.log.counts()["list"] == 4
    recent = list(HfApi().list_models(sort="last_modified", limit=5, expand=["lastModified"]))
    stamps = [m.last_modified for m in recent]
    assert stamps == sorted(stamps, reverse=True)


def test_filters_by_base_model_and_relation(serve):
    serve(family_store())
    api = HfApi()
    children = {m.id for m in api.list_models(filter="base_model:alice/llama-ft")}
    assert children == {"TheBloke/llama-ft-GGUF", "bob/merge"}
    quantized = {m.id for m in api.list_models(filter="base_model:quantized:alice/llama-ft")}
    assert quantized == {"TheBloke/llama-ft-GGUF"}
    both = {m.id for m in api.list_models(filter=["merge", "base_model:other/model"])}
    assert both == {"bob/merge"}
    assert {m.id for m in api.list_models(author="alice")} == {"alice/llama-ft"}
    assert {m.id for m in api.list_models(search="GGUF")} == {"TheBloke/llama-ft-GGUF"}
    assert "carol/secret" not in {m.id for m in api.list_models()}


def test_expand_on_listing_and_model_info(serve):
    serve(family_store())
    api = HfApi()
    listed = list(api.list_models(author="bob", expand=["downloadsAllTime", "cardData"]))
    assert listed[0].downloads_all_time == 5000 - 3 and listed[0].downloads is None
    with pytest.raises(BadRequestError):
        list(api.list_models(expand=["childrenModelCount"]))
    info = api.model_info("bob/merge", expand=["baseModels", "sha"])
    assert info.base_models == {
        "relation": "merge",
        "models": [{"_id": info.base_models["models"][0]["_id"], "id": "alice/llama-ft"},
                   {"_id": info.base_models["models"][1]["_id"], "id": "other/model"}],
    }
    root = api.model_info("alice/llama-ft", expand=["childrenModelCount"])
    assert root.children_model_count == 2
    full = api.model_info("meta-llama/Llama-2-7b-hf")
    assert full.gated == "manual" and full.card_data["license"] == "llama2"
    assert api.model_info("alice/llama-ft", revision=full.sha).id == "alice/llama-ft"


def test_model_card_load_and_errors(serve):
    serve(family_store())
    card = ModelCard.load("alice/llama-ft")
    assert card.data.base_model == "meta-llama/Llama-2-7b-hf"
    assert "alice/llama-ft" in card.text
    with pytest.raises(GatedRepoError):
        ModelCard.load("meta-llama/Llama-2-7b-hf")
    with pytest.raises(RepositoryNotFoundError) as info:
        HfApi().model_info("nobody/nothing")
    assert not isinstance(info.value, GatedRepoError)
    with pytest.raises(RepositoryNotFoundError):
        HfApi().model_info("carol/secret")


def test_injected_faults_and_quota(serve):
    double = serve(numbered_store(5))
    api = HfApi()
    double.faults.add(Fault("status", kinds={"info"}, status=503, count=1))
    with pytest.raises(HfHubHTTPError) as err:
        api.model_info("org-1/model-1")
    assert err.value.response.status_code == 503
    assert api.model_info("org-1/model-1").id == "org-1/model-1"
    double.faults.add(Fault("rate_limit", kinds={"info"}, retry_after=7))
    with pytest.raises(HfHubHTTPError) as err:
        api.model_info("org-1/model-1")
    assert err.value.response.status_code == 429
    assert err.value.response.headers["retry-after"] == "7"
    assert err.value.response.headers["ratelimit"] == '"api";r=0;t=7'
    double.faults.add(Fault("drop", kinds={"info"}))
    with pytest.raises(httpx2.TransportError):
        api.model_info("org-1/model-1")
    double.faults.add(Fault("truncate", kinds={"info"}))
    with pytest.raises((httpx2.TransportError, json.JSONDecodeError, ValueError)):
        api.model_info("org-1/model-1")
    double.faults.quota = Quota({"api": 2}, window_s=60)
    api.model_info("org-1/model-1")
    api.model_info("org-1/model-1")
    with pytest.raises(HfHubHTTPError) as err:
        api.model_info("org-1/model-1")
    assert err.value.response.status_code == 429
    assert err.value.response.headers["ratelimit-policy"] == '"fixed window";"api";q=2;w=60'
    assert double.log.counts()["info"] == 8


def test_listing_survives_transient_errors_between_pages(serve):
    double = serve(numbered_store(30), page_size=10)
    double.faults.add(Fault("status", kinds={"list"}, status=502, count=1))
    double.faults.add(Fault("rate_limit", kinds={"list"}, retry_after=0, count=1))
    assert len(list(HfApi().list_models())) == 30


def test_quiet_faults_answer_valid_hub_pages_that_say_less(serve):
    store = family_store()
    double = serve(store, page_size=2)
    # the second page of the whole listing, cut to one model and its Link dropped
    double.faults.add(Fault("short", kinds={"list"}, match="cursor=", keep=1))
    # every base_model filter answers an empty list
    double.faults.add(Fault("short", kinds={"list"}, match="filter=base_model:", count=None))
    api = HfApi(endpoint=double.url)
    assert len(list(api.list_models())) == 3  # a full page, then the short one, then nothing
    assert list(api.list_models(filter="base_model:alice/llama-ft")) == []
    assert [m.id for m in api.list_models(author="alice")] == ["alice/llama-ft"]
    double.faults.add(Fault("short", kinds={"list"}, keep=1, keep_link=True))
    assert len(list(api.list_models())) == 4  # one model of the first page dropped, Link kept


def test_dates_are_the_hubs_format(serve):
    double = serve(numbered_store(3))
    body = httpx2.get(f"{double.url}/api/models/org-1/model-1").json()
    assert body["createdAt"] == "2024-01-02T00:00:00.000Z"
    assert body["lastModified"] == "2024-01-02T01:00:00.000Z"


def test_renamed_legacy_and_case_variant_ids_reach_their_repo(serve):
    store = store_of([model_row("meta-llama/Llama-3.1-8B-Instruct", 1),
                      model_row("google-bert/bert-base-uncased", 2),
                      model_row("google/gemma-4-E2B-it", 3)])
    store.add_alias("meta-llama/Meta-Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-8B-Instruct")
    store.add_alias("bert-base-uncased", "google-bert/bert-base-uncased", "legacy")
    double = serve(store)
    api = HfApi(endpoint=double.url)
    assert api.model_info("meta-llama/Meta-Llama-3.1-8B-Instruct").id == \
        "meta-llama/Llama-3.1-8B-Instruct"
    assert api.model_info("bert-base-uncased").id == "google-bert/bert-base-uncased"
    assert api.model_info("google/gemma-4-e2b-it").id == "google/gemma-4-E2B-it"
    statuses = [(e.path, e.status) for e in double.log.entries]
    assert statuses[:2] == [("/api/models/meta-llama/Meta-Llama-3.1-8B-Instruct", 307),
                            ("/api/models/meta-llama/Llama-3.1-8B-Instruct", 200)]
    card = ModelCard.load("meta-llama/Meta-Llama-3.1-8B-Instruct")  # resolve is moved too
    assert card.data.to_dict() == {"license": "mit"}
    with pytest.raises(RepositoryNotFoundError):
        api.model_info("meta-llama/never-existed")
