"""Everything a user passes in is checked before the Hub is asked.

Root ids are Hub ids, never paths (`../../etc/passwd` was requested as `GET /etc/passwd`); a
roots file that is not UTF-8 is one line, not a traceback; an endpoint that is not an http(s)
URL and option values that mean nothing are refused before any request; a roots file naming
thousands of models says what they cost before the first request.
"""

from __future__ import annotations

import subprocess

import pytest
from click.testing import CliRunner

from crawler.crawl import crawl
from crawler.http import HubClient
from hf_lineage.cli import main
from hf_lineage.errors import ConfigError, Interrupted
from tests.crawl_helpers import fast_client
from tests.hub_rows import model_row, numbered_store, store_of
from tests.test_crawler_resume import crawl_command

ROOTS = """
[families.mine]
label = "Mine"
organisations = [{orgs}]

[[releases]]
family = "mine"
name = "R1"
released = "2024-01-01"
models = [{models}]
"""


def roots_file(tmp_path, models=('"org-1/model-1"',), orgs=('"org-2"',)):
    path = tmp_path / "roots.toml"
    path.write_text(ROOTS.format(models=", ".join(models), orgs=", ".join(orgs)),
                    encoding="utf-8")
    return path


BAD_IDS = {
    "a path up the tree": ('"../../etc/passwd"', '"org-2"'),
    "a path inside an id": ('"a/../../etc/passwd"', '"org-2"'),
    "an absolute path": ('"/etc/passwd"', '"org-2"'),
    "an id with a query": ('"org-1/model-1?x=1"', '"org-2"'),
    "not a string": ("42", '"org-2"'),
    "an organisation path": ('"org-1/model-1"', '"../org"'),
    "an organisation with a slash": ('"org-1/model-1"', '"org/sub"'),
}


@pytest.mark.parametrize("model, org", BAD_IDS.values(), ids=BAD_IDS.keys())
def test_a_root_that_is_not_a_hub_id_is_refused_before_any_request(model, org, serve,
                                                                    tmp_path):
    double = serve(numbered_store(5))
    path = roots_file(tmp_path, (model,), (org,))
    with pytest.raises(ConfigError, match="is not a"):
        crawl(tmp_path / "hub.duckdb", "family", roots_path=path, client=fast_client())
    assert double.log.total() == 0


def test_the_client_never_puts_a_path_in_a_url(serve):
    double = serve(numbered_store(5))
    client = fast_client()
    for call in (lambda: client.model_info("../../etc/passwd", ["sha"]),
                 lambda: client.fetch_card("a/../../etc/passwd", None),
                 lambda: client.fetch_file("../x", "config.json", None, 100)):
        with pytest.raises(ConfigError, match="not a Hub repo id"):
            call()
    assert double.log.total() == 0


def test_a_roots_file_that_is_not_utf8_is_one_line(serve, tmp_path, hostile_hub_db):
    double = serve(numbered_store(5))
    path = tmp_path / "roots.toml"
    path.write_bytes(ROOTS.format(models='"org-1/mod\xe8le"', orgs='"org-2"')
                     .encode("latin-1"))
    command = crawl_command(tmp_path / "hub.duckdb", double.url, "family") + ["--roots", path]
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True,
                            timeout=120)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == ConfigError.exit_code, result.stderr
    assert lines[-1].startswith("error: ") and "is not UTF-8 text" in lines[-1]
    assert "Traceback" not in result.stderr and double.log.total() == 0
    # the analysis commands read --roots the same way
    analysis = CliRunner().invoke(main, ["roots", "--db", str(hostile_hub_db),
                                         "--roots", str(path)])
    assert analysis.exit_code == ConfigError.exit_code
    assert analysis.stderr.count("\n") == 1 and "is not UTF-8 text" in analysis.stderr


def test_an_endpoint_that_is_not_http_is_refused_before_any_request():
    for endpoint in ("localhost:8080", "ftp://hub.example", "file:///etc/passwd", "http://"):
        with pytest.raises(ConfigError, match="not an http"):
            HubClient(endpoint=endpoint)


@pytest.mark.parametrize("option", [["--workers", "0"], ["--hub-size", "0"],
                                    ["--api-budget", "0"], ["--resolver-budget", "1"]])
def test_option_values_that_mean_nothing_are_refused(option, serve, tmp_path):
    double = serve(numbered_store(5))
    result = CliRunner().invoke(main, ["crawl", "--db", str(tmp_path / "hub.duckdb"),
                                       "--endpoint", double.url, *option])
    assert result.exit_code == 2 and double.log.total() == 0
    assert not (tmp_path / "hub.duckdb").exists()


def test_a_large_roots_file_says_its_cost_before_the_first_request(serve, tmp_path):
    named = [f'"someone-{i}/model-{i}"' for i in range(3000)]
    double = serve(store_of([model_row("org-2/base", 1)]))
    path = roots_file(tmp_path, named)
    notes: list[str] = []
    requests_at_note: list[int] = []

    class Recorder:
        def phase(self, name, total=None): pass
        def advance(self, n=1): pass
        def wait(self, bucket, seconds): pass
        def budget(self, bucket, budget): pass
        def cards(self, fetched, known): pass

        def note(self, message):
            notes.append(message)
            requests_at_note.append(double.log.total())

    # the crawl's budget makes the cost visible: 3,000 requests at 500 per 300 s
    client = HubClient(budgets={"api": 500, "resolvers": 10**7})
    def stop_early(entry):  # the test needs the announcement, not the 3,000 requests
        if double.log.total() >= 3:
            client.cancel()

    double.on_request.append(stop_early)
    with pytest.raises(Interrupted):
        crawl(tmp_path / "hub.duckdb", "family", roots_path=path, client=client,
              progress=Recorder())
    first = next(i for i, note in enumerate(notes) if note.startswith("roots:"))
    assert requests_at_note[first] == 0
    assert "3,000 named models" in notes[first] and "30 min" in notes[first]
