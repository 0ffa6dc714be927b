"""Openness per model and per group: the `openness` view (lineage.sql) read for families.

The view judges each crawled model against the Model Openness Framework's classes and the OSI's
Open Source AI Definition with what Hub metadata can show; docs/schema.md lists every rule. The
summaries here count a group's models with the one family-size definition of metrics.sizes
(crawled models, a bridge in each family it reaches).
"""

from __future__ import annotations

import pandas as pd

from analysis.groups import Conn, Level, grouping, query

# What metadata can evidence, in the MOF's class order; evaluation code, data preprocessing code
# and intermediate parameters are never in metadata (always NULL in the view).
COMPONENTS = (
    "license_open", "architecture", "weights", "technical_report", "evaluation_results",
    "model_card", "data_card", "training_code", "inference_code", "evaluation_data",
    "research_paper", "datasets",
)
UNKNOWABLE = ("evaluation_code", "data_preprocessing_code", "intermediate_parameters")

# The report's note on this section, as prose.
NOTE = (
    "Openness is judged against the Model Openness Framework (MOF) and the OSI's Open Source AI "
    "Definition (OSAID 1.0) with what Hub metadata shows, so it measures documented openness, "
    "not openness itself. A component counts when the metadata evidences it: an open-source "
    "library for the architecture and inference code, a weights-format tag for the weights, an "
    "arXiv id for the technical report and paper, the card's model-index for evaluation results "
    "(and a dataset named in it for evaluation data), a README for the model card, a dataset "
    "tag for the data card, named datasets, and a link to a code repository for the training "
    "code. The repository's declared license must be open (OSI-approved, or an open data or "
    "content license), and so must the license of every release it descends from, for any MOF "
    "class. Class III needs its six components shown; Class II "
    "and Class I also need evaluation code, data preprocessing code and intermediate "
    "checkpoints, which metadata never shows, so no model is placed above Class III: the "
    "ceiling column counts models that metadata does not rule out of a class. The OSAID verdict "
    "is 'fails' when the parameters' terms visibly fail (no license, a license that is not "
    "OSI-approved, or descent from a release whose license is not), and otherwise "
    "'undetermined': whether the complete code and sufficient data information exist cannot be "
    "read from metadata. A paper's, a dataset's or a linked repository's own license is not in "
    "the crawl either."
)


def models(conn: Conn) -> pd.DataFrame:
    """The openness view for every family member that was crawled, with its family."""
    return query(conn, """
        SELECT f.family, o.* FROM openness o JOIN model_family f USING (model_id)
        ORDER BY o.model_id
    """)


def summary(conn: Conn, level: Level = "family") -> pd.DataFrame:
    """Per group: models, the share showing each component, MOF class and ceiling counts, and
    the share the OSAID verdict fails."""
    g = grouping(level)
    shares = ", ".join(f"avg({c}::INT) AS {c}" for c in COMPONENTS)
    return query(conn, f"""
        SELECT {g.keys}, count(*) AS models, {shares},
               count(*) FILTER (o.mof_class = 'Class III') AS mof_class_iii,
               count(*) FILTER (o.mof_ceiling = 'Class III') AS ceiling_class_iii,
               count(*) FILTER (o.mof_ceiling = 'Class II') AS ceiling_class_ii,
               count(*) FILTER (o.mof_ceiling = 'Class I') AS ceiling_class_i,
               avg((o.osaid = 'fails')::INT) AS osaid_fails
        FROM {g.view} gm
        JOIN openness o USING (model_id)
        LEFT JOIN ({g.starts}) s USING ({g.keys})
        GROUP BY {g.keys}, s.started
        ORDER BY {g.order}
    """)


def osaid_reasons(conn: Conn, level: Level = "family") -> pd.DataFrame:
    """Per group and OSAID verdict: the reasons and how many models each holds for."""
    g = grouping(level)
    return query(conn, f"""
        SELECT {g.keys}, o.osaid,
               CASE WHEN o.osaid_reason LIKE 'derived from %' THEN o.osaid_reason
                    WHEN o.osaid_reason LIKE '% is not an OSI-approved license'
                        THEN 'license not OSI-approved'
                    ELSE o.osaid_reason END AS reason,
               count(*) AS models
        FROM {g.view} gm JOIN openness o USING (model_id)
        LEFT JOIN ({g.starts}) s USING ({g.keys})
        GROUP BY {g.keys}, s.started, o.osaid, reason
        ORDER BY {g.order}, models DESC, reason
    """)
