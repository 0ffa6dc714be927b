"""The next day of a generated Hub: a day's pushes, uploads, deletions and downloads, applied
to its store in SQL.

Regenerating a 3,000,000-model Hub takes many minutes and gigabytes; a day changes a few
percent of it. So the second day is derived from the first, set-based, in the store itself (a
copy of it, for benchmarks): every choice is a hash of the model's id and the seed, so the same
Hub and seed give the same day. What a day holds, by default (issue 24's measure of the Hub):
- `changed` (1%): a push: new sha and lastModified, and a new README (a stored card gets an
  edit appended; a rendered one another body length). A tenth of those whose card is rendered
  from its YAML also change what the listing shows: half a license (card and `license:` tag),
  half gain a parent (a model that named none becomes a fine-tune of another);
- `new` (0.3%): uploads, each a fine-tune, adapter or quantized copy of a model of the first
  day, by another author, with the ground truth of its edge;
- `deleted` (0.05%): repos removed (never a configured family root), ground truth included;
- every model's download count moves (30-day counts go up and down), all-time counts grow.
The day's times fall in the 24 hours after the first day's newest lastModified.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hub_double.store import HubStore

DAY_S = 86_400


@dataclass(frozen=True)
class Day:
    """What `next_day` did: models changed, uploaded and deleted, and when the day began."""

    changed: int
    new: int
    deleted: int
    began: datetime


def _run(cur, sql: str, args: dict) -> None:
    """Run `sql` with those of `args` it names (DuckDB refuses parameters left unused)."""
    cur.execute(sql, {k: v for k, v in args.items() if f"${k}" in sql})


def _pick(salt: str) -> str:
    """SQL: a model's place in a draw named `salt` ($seed bound): a hash of the id."""
    return f"(hash(id, $seed, '{salt}') % 1000003)::BIGINT"


def _second(salt: str) -> str:
    """SQL: a second of the day (1 … DAY_S - 1) for the model, after $began."""
    return f"$began + to_seconds(1 + {_pick(salt)} % {DAY_S - 1})"


def next_day(store: HubStore, seed: int = 0, changed: float = 0.01, new: float = 0.003,
             deleted: float = 0.0005) -> Day:
    """Turn the Hub in `store` into its next day (see the module's docstring)."""
    cur = store.cursor()
    models, began = cur.execute("SELECT count(*), max(last_modified) FROM models").fetchone()
    counts = {name: round(share * models) for name, share in
              (("changed", changed), ("new", new), ("deleted", deleted))}
    args = {"seed": seed, "began": began}
    _delete(cur, counts["deleted"], args)
    _change(cur, counts["changed"], args)
    _upload(cur, counts["new"], args)
    _move_counts(cur, args)
    return Day(counts["changed"], counts["new"], counts["deleted"], began)


def _delete(cur, n: int, args: dict) -> None:
    _run(cur, f"""CREATE OR REPLACE TEMP TABLE day_deleted AS
        SELECT idx, id FROM models
        WHERE id NOT IN (SELECT id FROM truth_models WHERE depth = 0 AND family IS NOT NULL)
        ORDER BY {_pick('deleted')} LIMIT {n}""", args)
    cur.execute("DELETE FROM model_tags WHERE idx IN (SELECT idx FROM day_deleted)")
    cur.execute("DELETE FROM models WHERE idx IN (SELECT idx FROM day_deleted)")
    cur.execute("DELETE FROM model_case WHERE id IN (SELECT id FROM day_deleted)")
    cur.execute("DELETE FROM truth_models WHERE id IN (SELECT id FROM day_deleted)")
    cur.execute("DELETE FROM truth_edges WHERE child IN (SELECT id FROM day_deleted)")
    cur.execute("UPDATE truth_edges SET parent_exists = false "
                "WHERE parent IN (SELECT id FROM day_deleted)")
    cur.execute("INSERT INTO deleted SELECT id FROM day_deleted")


def _change(cur, n: int, args: dict) -> None:
    """Pushes: a new sha, lastModified and README; some change their license or gain a
    parent (the edited YAML renders the README and the listing's card data and tags)."""
    _run(cur, f"""CREATE OR REPLACE TEMP TABLE day_changed AS
        SELECT idx, id, {_pick('edit')} % 20 AS edit FROM models
        ORDER BY {_pick('changed')} LIMIT {n}""", args)
    _run(cur, f"""UPDATE models SET
            sha = sha1(id || ':day:' || $seed),
            last_modified = {_second('pushed')},
            card = CASE WHEN card IS NULL THEN NULL
                        ELSE card || encode(E'\\n<!-- edited the next day -->\\n') END,
            card_length = CASE WHEN card IS NULL AND card_template IS NOT NULL
                               THEN coalesce(card_length, 0) + 1 + {_pick('length')} % 400
                               ELSE card_length END
        WHERE idx IN (SELECT idx FROM day_changed)""", args)
    rendered = ("SELECT c.idx FROM day_changed c JOIN models m USING (idx) "
                "WHERE m.card IS NULL AND m.has_readme AND c.edit = {}")
    # a license changed: in the card and in the Hub's license: tag
    cur.execute(f"""UPDATE models SET
            card_data = json_merge_patch(coalesce(card_data, '{{}}'), '{{"license": "mit"}}'),
            tags = list_append(list_filter(tags, lambda t: NOT starts_with(t, 'license:')),
                               'license:mit')
        WHERE idx IN ({rendered.format(0)})""")
    # a model that named no parent becomes a fine-tune of another (the first day's)
    _run(cur, f"""CREATE OR REPLACE TEMP TABLE day_adopted AS
        WITH orphans AS (
            SELECT c.idx, row_number() OVER (ORDER BY c.idx) AS k FROM day_changed c
            JOIN models m USING (idx)
            WHERE c.idx IN ({rendered.format(1)})
              AND m.card_data->>'base_model' IS NULL
              AND len(list_filter(m.tags, lambda t: starts_with(t, 'base_model:'))) = 0
        ),
        parents AS (
            SELECT id AS parent, row_number() OVER (ORDER BY {_pick('adopter')}) AS k
            FROM models WHERE idx NOT IN (SELECT idx FROM day_changed)
            ORDER BY {_pick('adopter')} LIMIT (SELECT count(*) FROM orphans)
        )
        SELECT o.idx, p.parent FROM orphans o JOIN parents p USING (k)""", args)
    cur.execute("""UPDATE models SET
            card_data = json_merge_patch(coalesce(models.card_data, '{}'),
                                         json_object('base_model', a.parent)),
            tags = list_concat(models.tags, ['base_model:' || a.parent,
                                             'base_model:finetune:' || a.parent])
        FROM day_adopted a WHERE models.idx = a.idx""")
    cur.execute("""INSERT INTO truth_edges
        SELECT m.id, a.parent, 'finetune', true, true, []::VARCHAR[]
        FROM day_adopted a JOIN models m USING (idx)""")
    cur.execute("DELETE FROM model_tags WHERE idx IN (SELECT idx FROM day_changed)")
    cur.execute("INSERT INTO model_tags SELECT idx, unnest(tags) FROM models "
                "WHERE idx IN (SELECT idx FROM day_changed)")


def _upload(cur, n: int, args: dict) -> None:
    """New repos: each derives from a model of the first day, by another model's author."""
    _run(cur, f"""CREATE OR REPLACE TEMP TABLE day_new AS
        WITH parents AS (
            SELECT *, row_number() OVER (ORDER BY {_pick('parent')}) AS k FROM models
            ORDER BY {_pick('parent')} LIMIT {n}
        ),
        authors AS (
            SELECT author AS uploader, row_number() OVER (ORDER BY {_pick('uploader')}) AS k
            FROM models WHERE author IS NOT NULL ORDER BY {_pick('uploader')} LIMIT {n}
        ),
        made AS (
            SELECT p.*, a.uploader,
                   ['finetune', 'adapter', 'quantized'][1 + {_pick('relation')} % 3] AS relation,
                   (SELECT max(idx) FROM models) + p.k AS new_idx
            FROM parents p JOIN authors a USING (k)
        )
        SELECT *, uploader || '/' || rtrim(left(split_part(id, '/', -1), 40), '-.') || '-'
                  || CASE relation WHEN 'adapter' THEN 'lora' WHEN 'quantized' THEN 'GGUF'
                                   ELSE 'sft' END || '-' || new_idx AS new_id,
                  coalesce(json_extract_string(card_data, '$.license'), 'apache-2.0')
                      AS new_license
        FROM made""", args)
    _run(cur, f"""INSERT INTO models (idx, id, object_id, author, sha, created_at,
            last_modified, private, gated, disabled, downloads, downloads_all_time, likes,
            trending_score, library_name, pipeline_tag, tags, card_data, card, has_readme,
            card_template, card_length, model_type, files)
        SELECT new_idx, new_id, substr(sha1(new_id || ':_id'), 1, 24), uploader,
               sha1(new_id || ':day:' || $seed), {_second('uploaded')}, {_second('uploaded')},
               false, NULL, false, 0, 0, 0, 0.0,
               CASE relation WHEN 'adapter' THEN 'peft' WHEN 'quantized' THEN 'gguf'
                             ELSE library_name END,
               pipeline_tag,
               [CASE relation WHEN 'adapter' THEN 'peft' WHEN 'quantized' THEN 'gguf'
                              ELSE coalesce(library_name, 'transformers') END,
                'base_model:' || id, 'base_model:' || relation || ':' || id,
                'license:' || new_license],
               json_object('base_model', id, 'base_model_relation', relation,
                           'license', new_license),
               NULL, true, NULL, NULL, model_type, NULL
        FROM day_new""", args)
    cur.execute("INSERT INTO model_tags SELECT m.idx, unnest(m.tags) FROM day_new d "
                "JOIN models m ON m.idx = d.new_idx")
    cur.execute("INSERT INTO model_case SELECT lower(new_id), new_id FROM day_new")
    cur.execute("""INSERT INTO truth_models
        SELECT d.new_id, t.family, t.roots, d.new_license, t.depth + 1, t.full_family,
               t.full_roots
        FROM day_new d LEFT JOIN truth_models t ON t.id = d.id""")
    cur.execute("""INSERT INTO truth_edges
        SELECT new_id, id, relation, true, true, []::VARCHAR[] FROM day_new""")


def _move_counts(cur, args: dict) -> None:
    """Every 30-day download count moves, up or down by up to a fifth (never below zero, a
    zero count only up); all-time counts grow by the day's downloads."""
    step = f"(1 + floor(downloads * ({_pick('step')} % 21) / 100))::BIGINT"
    _run(cur, f"""UPDATE models SET
            downloads = CASE WHEN {_pick('up')} % 2 = 0 OR downloads = 0 THEN downloads + {step}
                             ELSE greatest(downloads - {step}, 0) END,
            downloads_all_time = coalesce(downloads_all_time, 0) + 1 + downloads // 30""", args)
