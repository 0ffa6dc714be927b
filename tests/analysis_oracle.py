"""Independent answers for the analysis tests: networkx and plain pandas, no lineage SQL.

Each function recomputes one analysis result from the raw tables (models, edges, model_tags,
cards) and the roots config, with different code paths from the DuckDB views, so the tests
compare two implementations rather than one with itself.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass

import duckdb
import networkx as nx
import numpy as np
import pandas as pd

from analysis import releases
from crawler.roots import Roots, load_roots

PRIORITY = ["merge", "adapter", "quantized", "finetune", "unspecified"]
FORMAT_RULES = [  # (format, tags, libraries, name fragments), first match wins
    ("GGUF", {"gguf"}, {"gguf"}, ("gguf",)), ("GPTQ", {"gptq"}, set(), ("gptq",)),
    ("AWQ", {"awq"}, set(), ("awq",)), ("EXL2", {"exl2"}, set(), ("exl2",)),
    ("MLX", {"mlx"}, {"mlx"}, ("mlx",)),
    ("bitsandbytes", {"bitsandbytes", "4-bit", "8-bit"}, set(), ("bnb",)),
    ("ONNX", {"onnx"}, {"onnx"}, ("onnx",)), ("FP8", {"fp8"}, set(), ("fp8",)),
    ("HQQ", set(), set(), ("hqq",)), ("AQLM", set(), set(), ("aqlm",)),
]


@dataclass
class Hub:
    models: pd.DataFrame
    edges: pd.DataFrame
    tags: pd.DataFrame
    cards: pd.DataFrame
    roots: Roots
    graph: nx.DiGraph  # parent -> child, self-loops dropped
    aliases: dict[str, tuple[str, str | None]]  # license_aliases: alias -> (license, name)
    known: set[str]  # the taxonomy's license ids (license_kinds)


def load(conn: duckdb.DuckDBPyConnection, roots: Roots | None = None) -> Hub:
    models = conn.execute("SELECT * FROM models").df()
    edges = conn.execute("SELECT * FROM edges").df()
    graph = nx.DiGraph()
    graph.add_nodes_from(models["id"])
    graph.add_edges_from((p, c) for c, p in zip(edges["child"], edges["parent"], strict=True)
                         if c != p)
    aliases = {a: (lic, name) for a, lic, name in conn.execute(
        "SELECT alias, license, license_name FROM license_aliases").fetchall()}
    known = {row[0] for row in conn.execute("SELECT license FROM license_kinds").fetchall()}
    return Hub(models, edges, conn.execute("SELECT * FROM model_tags").df(),
               conn.execute("SELECT * FROM cards").df(), roots or load_roots(), graph,
               aliases, known)


def model_roots(hub: Hub) -> pd.DataFrame:
    """(model_id, root, family, release, depth): BFS below every root of the config found in
    the crawl; an organisation root's release is the one its name gives (analysis.releases)."""
    listed: dict[str, list] = {}
    for release in hub.roots.releases:
        for model in release.models:
            listed.setdefault(model, []).append(release)
    authors = dict(zip(hub.models["id"], hub.models["author"], strict=True))
    org = {m: hub.roots.organisations[a] for m, a in authors.items()
           if a in hub.roots.organisations and m not in listed}
    created = dict(zip(hub.models["id"], hub.models["created_at"], strict=True))
    named = {a.model_id: a.release for a in releases.assign(
        [(m, f, created[m]) for m, f in org.items()], hub.roots)}
    candidates = (set(listed) & set(authors)) | set(org)
    implicit = {m for m in org if not (nx.ancestors(hub.graph, m) & (candidates - {m}))}
    rows = []
    for root in sorted((set(listed) & set(authors)) | implicit):
        labels = [(r.family, r.name) for r in listed[root]] if root in listed else [
            (org[root], named[root])]
        reach = nx.single_source_shortest_path_length(hub.graph, root)
        rows += [(m, root, fam, rel, d) for fam, rel in labels for m, d in reach.items()]
    return pd.DataFrame(rows, columns=["model_id", "root", "family", "release", "depth"])


def membership(hub: Hub, level: str) -> pd.DataFrame:
    """(model_id, keys…, depth) with depth measured from the group's nearest root."""
    frame = model_roots(hub)
    keys = ["family"] if level == "family" else ["family", "release"]
    return frame.groupby(["model_id", *keys], as_index=False)["depth"].min()


def release_starts(hub: Hub) -> pd.DataFrame:
    """(family, release, started, discovered) of each release with a root in the crawl: a
    configured one from its announcement, a discovered one from its roots' first creation."""
    roots = model_roots(hub).query("depth == 0")
    configured = {(r.family, r.name): r for r in hub.roots.releases}
    created = dict(zip(hub.models["id"], hub.models["created_at"], strict=True))
    licenses = license_of(hub)
    rows = []
    for (family, name), group in roots.groupby(["family", "release"]):
        release = configured.get((family, name))
        if release:
            rows.append((family, name, release.released,
                         license_terms(hub, release.license, None)[0], False))
            continue
        declared = Counter(licenses[m][0] for m in group["model_id"] if licenses[m][0])
        common = max(declared.items(), key=lambda kv: (kv[1], kv[0]))[0] if declared else None
        rows.append((family, name, min(created[m] for m in group["model_id"]).date(), common,
                     True))
    return pd.DataFrame(rows, columns=["family", "release", "started", "license",
                                       "discovered"])


def not_found(hub: Hub) -> pd.DataFrame:
    """(family, release, model_id): models a release lists that the crawl lacks, and (release
    None) organisations none of whose models it has."""
    crawled = set(hub.models["id"])
    authors = set(hub.models["author"])
    rows = [(r.family, r.name, m) for r in hub.roots.releases for m in r.models
            if m not in crawled]
    rows += [(f, None, o) for o, f in hub.roots.organisations.items() if o not in authors]
    return pd.DataFrame(rows, columns=["family", "release", "model_id"])


def keys_of(level: str) -> list[str]:
    return ["family"] if level == "family" else ["family", "release"]


def relation_of(hub: Hub) -> dict[str, str]:
    """Each child's most specific relation over its edges (self-loops ignored)."""
    edges = hub.edges[hub.edges["child"] != hub.edges["parent"]]
    best: dict[str, str] = {}
    for child, relation in zip(edges["child"], edges["relation"].fillna("unspecified"),
                               strict=True):
        if child not in best or PRIORITY.index(relation) < PRIORITY.index(best[child]):
            best[child] = relation
    return best


def format_of(hub: Hub, relations: dict[str, str]) -> dict[str, str | None]:
    tags = hub.tags.assign(tag=hub.tags["tag"].str.lower()).groupby("model_id")["tag"].agg(set)
    out = {}
    for model, library in zip(hub.models["id"], hub.models["library_name"], strict=True):
        model_tags, name = tags.get(model, set()), model.lower()
        out[model] = next((fmt for fmt, t, libs, frags in FORMAT_RULES
                           if model_tags & t or library in libs or any(f in name for f in frags)),
                          "unknown" if relations.get(model) == "quantized" else None)
    return out


def gini(values: np.ndarray) -> float:
    """Gini through the Lorenz curve (a different formula from the SQL's rank-weighted sum)."""
    x = np.sort(values.astype(float))
    if x.sum() == 0:
        return float("nan")
    lorenz = np.cumsum(x) / x.sum()
    return 1 - (2 * lorenz.sum() - 1) / len(x)


def begins_with(name: str, prefix: str) -> bool:
    """A license naming rule by plain string handling: the prefix's words in order at the start
    of the name, separated by one of ' -_.' or nothing, a final digit not followed by another."""
    rest = name.lower()
    for k, word in enumerate(prefix.lower().split()):
        if k and rest[:1] in (" ", "-", "_", "."):
            rest = rest[1:]
        if not rest.startswith(word):
            return False
        rest = rest[len(word):]
    return not (prefix[-1].isdigit() and rest[:1].isdigit())


Terms = tuple[str | None, str | None]  # (license, license_name) after normalisation


def _license_key(text: object) -> str | None:
    if not isinstance(text, str):
        return None
    return re.sub(r"[\s_]+", "-", text.strip().lower()) or None


def license_terms(hub: Hub, declared: object, declared_name: object) -> Terms:
    """A declared license as docs/schema.md normalises it: through the alias table (read from
    the connection, like license_kinds); 'other' named by a known license is that license."""
    key, name = _license_key(declared), _license_key(declared_name)
    license, license_name = hub.aliases.get(key, (key, None))
    if license == "other" and license_name is None and name is not None:
        known = name in hub.aliases or name in hub.known
        license, license_name = hub.aliases.get(name, (name, None)) if known else ("other", name)
    return license, license_name


def license_of(hub: Hub) -> dict[str, Terms]:
    return {m: license_terms(hub, lic, name) for m, lic, name in zip(
        hub.models["id"], hub.models["license"], hub.models["license_name"], strict=True)}


def same_terms(parent: Terms, child: Terms) -> bool:
    """The same license; two 'other' licenses differ only when both are named, differently."""
    return parent[0] == child[0] and (None in (parent[1], child[1]) or parent[1] == child[1])


def drift_kind(parent: Terms, child: Terms, kinds: pd.DataFrame) -> str:
    """The drift rules of docs/schema.md, in Python."""
    table = kinds.set_index("license")
    if child[0] is None:
        return "missing"
    if parent[0] is None:
        return "parent_missing"
    if same_terms(parent, child):
        return "kept"
    p = table.loc[parent[0]] if parent[0] in table.index else None
    c = table.loc[child[0]] if child[0] in table.index else None
    if p is not None and p["llama_community"] and c is not None and c["kind"] == "permissive":
        return "relabelled_permissive"
    if p is None or c is None:
        return "changed_unknown"
    if c["rank"] > p["rank"]:
        return "more_restrictive"
    return "changed_same_kind" if c["rank"] == p["rank"] else "less_restrictive"


def scoped_edges(hub: Hub, level: str) -> pd.DataFrame:
    """Edges whose child descends from a group and whose parent belongs to it, both crawled."""
    keys = keys_of(level)
    members = membership(hub, level)
    crawled = set(hub.models["id"])
    edges = hub.edges[(hub.edges["child"] != hub.edges["parent"])
                      & hub.edges["child"].isin(crawled) & hub.edges["parent"].isin(crawled)]
    child = edges.merge(members[members["depth"] > 0], left_on="child", right_on="model_id")
    return child.merge(members[["model_id", *keys]], left_on=["parent", *keys],
                       right_on=["model_id", *keys], suffixes=("", "_parent"))


def card_meta(hub: Hub) -> dict[str, dict]:
    """The card metadata a model shows: the card's header if fetched, else the listing's."""
    meta = {m: json.loads(c) if isinstance(c, str) else {}
            for m, c in zip(hub.models["id"], hub.models["card_data"], strict=True)}
    for model, raw in zip(hub.cards["model_id"], hub.cards["metadata"], strict=True):
        if isinstance(raw, str):
            meta[model] = json.loads(raw)
    return meta


def nonempty(value: object) -> bool:
    if isinstance(value, list | str):
        return len(value) > 0
    return value is not None


ARXIV_LINK = re.compile(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})")
CODE_LINK = re.compile(r"(github\.com|gitlab\.com|codeberg\.org|bitbucket\.org)/[A-Za-z0-9_.-]+/")
TEMPLATE_PAPER = "1910.09700"  # the Hub card template's carbon-emissions citation


def _listed(conn: duckdb.DuckDBPyConnection, macro: str) -> set[str]:
    """A list macro's values (configuration, like license_kinds: read, not reimplemented)."""
    return set(conn.execute(f"SELECT {macro}()").fetchall()[0][0])


def _mof(components: dict, license_open: bool) -> tuple[str | None, str | None]:
    """(class fully shown, ceiling) from the components, after the MOF's cumulative classes."""
    tiers = [("Class III", ["architecture", "weights", "technical_report", "evaluation_results",
                            "model_card", "data_card"]),
             ("Class II", ["training_code", "inference_code", "evaluation_code",
                           "evaluation_data"]),
             ("Class I", ["research_paper", "datasets", "data_preprocessing_code",
                          "intermediate_parameters"])]
    shown = "Class III" if license_open and all(components[c] for c in tiers[0][1]) else None
    ceiling = None
    for name, needed in tiers:
        if not license_open or any(components[c] is False for c in needed):
            break
        ceiling = name
    return shown, ceiling


def openness(hub: Hub, conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per crawled model: the openness view's components, MOF class and ceiling, OSAID."""
    kinds = {row[0]: (row[1], row[2]) for row in conn.execute(
        "SELECT license, kind, osi_approved FROM license_kinds").fetchall()}
    libraries, weight_tags = _listed(conn, "open_libraries"), _listed(conn, "weights_tags")
    meta = card_meta(hub)
    tags = hub.tags.groupby("model_id")["tag"].agg(list)
    cards = hub.cards.set_index("model_id")
    licenses = license_of(hub)
    members = membership(hub, "release")
    starts = release_starts(hub)
    release_license = dict(zip(starts["release"], starts["license"], strict=True))
    above = members[members["depth"] > 0].groupby("model_id")["release"].agg(sorted)
    rows = []
    for model, library in zip(hub.models["id"], hub.models["library_name"], strict=True):
        m, t = meta.get(model, {}), tags.get(model, [])
        card = cards.loc[model] if model in cards.index else None
        fetched = card is not None and pd.isna(card["fetch_error"])
        body = card["body"] if fetched and isinstance(card["body"], str) else ""
        lic = licenses[model][0]
        kind, osi = kinds.get(lic, ("none" if lic is None else "unknown", False))
        releases = [r for r in above.get(model, []) if r in release_license]
        closed = [r for r in releases
                  if kinds.get(release_license[r] or None, ("", False))[0] not in
                  ("permissive", "copyleft")]
        non_osi = [r for r in releases if not kinds.get(release_license[r] or None,
                                                        ("", False))[1]]
        license_open = kind in ("permissive", "copyleft") and not closed
        library_open = isinstance(library, str) and library.lower() in libraries
        paper = any(x.startswith("arxiv:") and x != f"arxiv:{TEMPLATE_PAPER}" for x in t) or \
            bool(set(ARXIV_LINK.findall(body)) - {TEMPLATE_PAPER})
        results = [r for entry in (m.get("model-index") or []) if isinstance(entry, dict)
                   for r in (entry.get("results") or []) if isinstance(r, dict)]
        dataset_tag = any(x.startswith("dataset:") for x in t)
        parts = {
            "architecture": library_open,
            "weights": any(x.lower() in weight_tags for x in t) or library in ("gguf", "mlx"),
            "technical_report": paper, "evaluation_results": nonempty(m.get("model-index")),
            "model_card": fetched and (card["size_bytes"] or 0) > 3, "data_card": dataset_tag,
            "training_code": bool(CODE_LINK.search(body)), "inference_code": library_open,
            "evaluation_code": None, "evaluation_data": any("dataset" in r for r in results),
            "research_paper": paper, "datasets": dataset_tag or nonempty(m.get("datasets")),
            "data_preprocessing_code": None, "intermediate_parameters": None,
        }
        shown, ceiling = _mof(parts, license_open)
        fails = lic is None or not osi or bool(non_osi)
        rows.append({"model_id": model, "license_open": license_open, **parts,
                     "mof_class": shown, "mof_ceiling": ceiling,
                     "osaid": "fails" if fails else "undetermined"})
    return pd.DataFrame(rows)


def anatomy(hub: Hub) -> dict[tuple[str | None, str], tuple[float, int]]:
    """The anatomy view's statistics, (family or None, statistic) -> (value, basis), by pandas."""
    edges = hub.edges[hub.edges["child"] != hub.edges["parent"]].assign(
        relation=lambda e: e["relation"].fillna("unspecified"))
    members = membership(hub, "family")
    crawled = set(hub.models["id"])
    ok_cards = hub.cards[hub.cards["fetch_error"].isna()]
    sizes = dict(zip(ok_cards["model_id"], ok_cards["size_bytes"], strict=True))
    looked_for = set(ok_cards["model_id"]) | set(
        hub.cards.loc[hub.cards["fetch_error"] == "no README.md", "model_id"])
    licenses = license_of(hub)
    downloads = dict(zip(hub.models["id"], hub.models["downloads"], strict=True))
    scopes: dict[str | None, tuple[pd.DataFrame, set[str]]] = {None: (edges, crawled)}
    for family in sorted(set(members["family"])):
        mine = members[members["family"] == family]
        below = set(mine.loc[mine["depth"] > 0, "model_id"])
        scopes[family] = (edges[edges["child"].isin(below) & edges["parent"].isin(
            set(mine["model_id"]))], set(mine["model_id"]) & crawled)
    parents = set(edges["parent"])
    out = {}
    for family, (scoped, models) in scopes.items():
        total = len(scoped)
        out[(family, "edges")] = (total, total)
        for relation in PRIORITY:
            n = int((scoped["relation"] == relation).sum())
            out[(family, f"edges_{relation}")] = (n, total)
            out[(family, f"share_{relation}")] = (n / total if total else float("nan"), total)
            kids = set(scoped.loc[scoped["relation"] == relation, "child"])
            if kids:
                share = len(kids & parents) / len(kids)
                out[(family, f"{relation}_with_children")] = (share, len(kids))
                if relation == "quantized":
                    out[(family, "quantized_leaves")] = (1 - share, len(kids))
        pairs = [(licenses.get(c), licenses.get(p)) for c, p in zip(
            scoped["child"], scoped["parent"], strict=True) if c in crawled and p in crawled]
        declared = [(c, p) for c, p in pairs if c and p and c[0] and p[0]]
        if declared:
            out[(family, "license_changed")] = (
                sum(not same_terms(p, c) for c, p in declared) / len(declared), len(declared))
        carded = [(sizes[p], sizes[c]) for c, p in zip(scoped["child"], scoped["parent"],
                                                       strict=True)
                  if sizes.get(c, 0) > 3 and sizes.get(p, 0) > 3]
        if carded:
            out[(family, "card_chars_parent")] = (np.mean([p for p, _ in carded]), len(carded))
            out[(family, "card_chars_child")] = (np.mean([c for _, c in carded]), len(carded))
        seen = models & looked_for
        out[(family, "has_card")] = (
            sum(sizes.get(m, 0) > 3 for m in seen) / len(seen) if seen else float("nan"),
            len(seen))
        counts = np.sort([downloads[m] for m in models if pd.notna(downloads[m])])[::-1]
        if len(counts):
            top = int(np.ceil(len(counts) / 100))
            out[(family, "top1pct_download_share")] = (
                counts[:top].sum() / counts.sum() if counts.sum() else float("nan"), len(counts))
    return out
