"""Declared licenses of derivatives: mostly the parent's, sometimes drifted, renamed or dropped.

Roots and bases carry their release's license (catalogue, roots.toml); a derivative inherits it
in LICENSE_MODES[0] of cases and otherwise drifts to a common open license, declares 'other'
with its own name and link, or declares nothing, as real model cards do. The modes are set so
that the license changes on about 19.8% of the parent->child pairs whose two ends declare one
(Laufer et al. 2025).
"""

from __future__ import annotations

from hub_double.generator.catalogue import pick
from hub_double.generator.mess import Mess
from hub_double.generator.node import Draw

DRIFT_LICENSES = ("apache-2.0", "mit", "cc-by-nc-4.0", "apache-2.0", "mit")
UNKNOWN_LICENSES = ("llama-3-community", "llama3-community", "llama-2-community",
                    "deepseek-license", "apache2")
OPEN_LICENSES = ("apache-2.0", "mit", "cc-by-4.0", "openrail", "cc-by-nc-4.0", "gpl-3.0")
# License behaviour of a derivative: inherit, drift, 'other' with a name and link, none at all.
LICENSE_MODES = (0.68, 0.1, 0.06, 0.16)


def license_fields(mode: int, parent_license: str | None, mess: int, d: Draw,
                   stem: str) -> dict[str, str]:
    """The license keys of a derivative's card (license, license_name, license_link)."""
    if mess == Mess.UNKNOWN_LICENSE:
        return {"license": pick(UNKNOWN_LICENSES, d.extra)}
    if mode == 0:
        inherited = parent_license or (pick(OPEN_LICENSES, d.extra) if d.license < 0.5
                                       else None)
        return {"license": inherited} if inherited else {}
    if mode == 1:
        return {"license": pick(DRIFT_LICENSES, d.extra)}
    if mode == 2:
        link = "LICENSE" if d.extra < 0.5 else f"https://huggingface.co/{stem}/blob/main/LICENSE"
        return {"license": "other", "license_name": f"{stem.lower()[:30]}-license",
                "license_link": link}
    return {}
