"""The seed roots config (roots.toml): families, their organisations and root releases.

A crawl stores the text of the roots file it used in its database (`meta` key 'roots'), so a
scheduled incremental crawl and every analysis of the database use the same families, whatever
file the shipped package holds later.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from huggingface_hub.utils import HFValidationError, validate_repo_id

from hf_lineage.errors import ConfigError
from hf_lineage.printable import UNSAFE, printable

DEFAULT_ROOTS = Path(__file__).with_name("roots.toml")
MAX_ROOTS_BYTES = 64 << 20  # a roots file naming a million models is about 40 MB
ROOTS_KEY = "roots"  # the meta key holding the roots file a crawl used
# Words the analysis gives a meaning of its own: model_family.family is 'bridge' for a model
# reaching the roots of several families.
RESERVED_FAMILIES = ("bridge",)


@dataclass(frozen=True)
class Release:
    family: str
    name: str
    released: date
    license: str
    models: tuple[str, ...]
    # What the release's license makes a derivative's name begin with (Llama 3: "Llama 3").
    naming_prefix: str | None = None
    # How cards name the release in prose ("Llama 2", "Llama v2"; case and the separators
    # space, '-' and '_' are free): inferred lineage attributes a card saying it derives from
    # the release to it (crawler/lineage/inference/families).
    mentions: tuple[str, ...] = ()
    # Repos that held the release's weights and are gone or unofficial (the LLaMA-1 weights
    # lived in decapoda-research/llama-7b-hf and its copies): a card or tag naming one names
    # the release. Never crawled as seeds.
    former_ids: tuple[str, ...] = ()
    # The release's first famous derivatives, which cards of their time name instead of it: "a
    # replica of Alpaca" was trained from LLaMA 1 as Alpaca was. Only a replica counts, never a
    # mention ("trained on the Alpaca dataset").
    seeds: tuple[str, ...] = ()
    # Whether the family's bare name ("LLaMA-13B" in a card of its time) can mean this release:
    # LLaMA 1 and Llama 2 yes, a DeepSeek release no (the family names several lines at once).
    bare_name: bool = True


@dataclass(frozen=True)
class Roots:
    families: dict[str, str]  # family key -> label
    organisations: dict[str, str]  # organisation -> family key
    releases: tuple[Release, ...] = field(default_factory=tuple)
    # The family's own name in prose ("LLaMA"): a release only by the card's date or the size.
    family_mentions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    text: str = ""  # the TOML it was read from, as stored with a crawl
    source: str = ""  # where it was read from (a path, or "the database")

    def root_models(self) -> dict[str, Release]:
        """Every named root model id and the release it belongs to."""
        return {model: release for release in self.releases for model in release.models}


def _naming_prefix(item: dict) -> str | None:
    """The release's `naming_prefix`: absent, or a non-blank string."""
    prefix = item.get("naming_prefix")
    if prefix is not None and (not isinstance(prefix, str) or not prefix.strip()):
        raise ConfigError(f"release {item.get('name')!r}: naming_prefix must be a non-empty "
                         f"string, not {prefix!r}")
    return prefix.strip() if prefix else None


def _strings(item: dict, key: str) -> tuple[str, ...]:
    """A list of non-blank strings under `key` (absent: empty)."""
    values = item.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise ConfigError(f"{item.get('name') or item.get('label') or 'roots'}: {key} must be a "
                          f"list of non-empty strings, not {values!r}")
    return tuple(v.strip() for v in values)


def _flag(item: dict, key: str) -> bool:
    value = item.get(key, True)
    if not isinstance(value, bool):
        raise ConfigError(f"release {item.get('name')!r}: {key} must be true or false, "
                          f"not {value!r}")
    return value


def load_roots(path: str | Path | None = None) -> Roots:
    """Read a roots file; a malformed one raises ConfigError naming the problem."""
    path = Path(path) if path else DEFAULT_ROOTS
    try:
        with open(path, "rb") as file:
            raw = file.read(MAX_ROOTS_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read roots file {path}: {exc.strerror or exc}") from exc
    if len(raw) > MAX_ROOTS_BYTES:
        raise ConfigError(f"roots file {path} is larger than {MAX_ROOTS_BYTES >> 20} MiB; is "
                          "it a roots file?")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"roots file {path} is not UTF-8 text (byte 0x{raw[exc.start]:02x} "
                          f"at offset {exc.start:,}); save it as UTF-8") from exc
    return parse_roots(text, str(path))


def _hub_id(value: object, what: str, source: str, namespace: bool = False) -> str:
    """`value` when it is a Hub id (a model `name` or `namespace/name`, or with `namespace` an
    organisation): the crawl puts it in URLs, so a path such as `../../etc/passwd` is refused
    before any request."""
    valid = isinstance(value, str) and not (namespace and "/" in value)
    if valid:
        try:
            validate_repo_id(value)
        except HFValidationError:
            valid = False
    if not valid:
        kind = "an organisation name" if namespace else "a Hub model id (namespace/name)"
        raise ConfigError(f"roots file {source}: {what} {value!r} is not {kind}: letters, "
                          "digits, '-', '_' and '.', no '..' or '--', at most 96 characters")
    return value


def parse_roots(text: str, source: str) -> Roots:
    """A roots config from its TOML text; `source` names it in error messages."""
    try:
        raw = tomllib.loads(text)
        families = {key: spec.get("label", key) for key, spec in raw["families"].items()}
        organisations = {
            _hub_id(org, f"family {key!r}: organisation", source, namespace=True): key
            for key, spec in raw["families"].items()
            for org in spec.get("organisations", [])
        }
        releases = tuple(
            Release(
                family=item["family"],
                name=item["name"],
                released=date.fromisoformat(str(item["released"])),
                license=item.get("license", ""),
                models=tuple(_hub_id(model, f"release {item['name']!r}: model", source)
                             for model in item.get("models", [])),
                naming_prefix=_naming_prefix(item),
                mentions=_strings(item, "mentions"),
                former_ids=_strings(item, "former_ids"),
                seeds=_strings(item, "seeds"),
                bare_name=_flag(item, "bare_name"),
            )
            for item in raw.get("releases", [])
        )
        family_mentions = {key: _strings(spec, "mentions")
                           for key, spec in raw["families"].items() if spec.get("mentions")}
    except (tomllib.TOMLDecodeError, KeyError, ValueError, TypeError, AttributeError) as exc:
        raise ConfigError(f"cannot read roots file {source}: {exc}") from exc
    reserved = sorted(families.keys() & set(RESERVED_FAMILIES))
    if reserved:
        raise ConfigError(f"roots file {source}: {reserved[0]!r} cannot name a family (the "
                          "analysis calls a model reaching several families a 'bridge')")
    unknown = {r.family for r in releases} - families.keys()
    if unknown:
        raise ConfigError(f"roots file {source}: releases name unknown families "
                          f"{sorted(unknown)}")
    return Roots(families=families, organisations=organisations, releases=releases,
                 family_mentions=family_mentions, text=text, source=source)


def stored_roots(read_meta: Callable[[str], str | None]) -> Roots | None:
    """The roots config a crawl stored in its database (`read_meta` reads a `meta` key), or
    None for a database crawled before roots were stored."""
    text = read_meta(ROOTS_KEY)
    return parse_roots(text, "the roots stored in the database") if text else None


def _string(value: str) -> str:
    """A TOML basic string: quotes, backslashes, control, invisible and bidi characters escaped
    (hf_lineage.printable.UNSAFE), so it reads back the same and shows plainly."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + UNSAFE.sub(lambda m: f"\\u{ord(m[0]):04x}" if ord(m[0]) < 0x10000
                            else f"\\U{ord(m[0]):08x}", escaped) + '"'


def _key(value: str) -> str:
    """A TOML key: bare when it can be, else quoted."""
    return value if re.fullmatch(r"[A-Za-z0-9_-]+", value) else _string(value)


def _comment(text: str | None) -> str:
    return f"  # {printable(' '.join(text.split()))}" if text else ""


def dump_roots(roots: Roots, header: str = "", notes: dict[str, str] | None = None) -> str:
    """`roots` as the text of a roots file that parse_roots reads back into the same config.

    `header` opens the file as comments; `notes` comments a release (by name) or a model (by
    id) where it stands, e.g. why it is there.
    """
    notes = notes or {}
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    for family, label in roots.families.items():
        organisations = [o for o, f in roots.organisations.items() if f == family]
        lines += ["", f"[families.{_key(family)}]", f"label = {_string(label)}",
                  f"organisations = [{', '.join(map(_string, organisations))}]"]
        if roots.family_mentions.get(family):
            lines.append(f"mentions = [{', '.join(map(_string, roots.family_mentions[family]))}]")
    for release in roots.releases:
        lines += ["", f"[[releases]]{_comment(notes.get(release.name))}",
                  f"family = {_string(release.family)}", f"name = {_string(release.name)}",
                  f"released = {_string(release.released.isoformat())}",
                  f"license = {_string(release.license)}"]
        if release.naming_prefix:
            lines.append(f"naming_prefix = {_string(release.naming_prefix)}")
        for key in ("mentions", "former_ids", "seeds"):
            if getattr(release, key):
                lines.append(f"{key} = [{', '.join(map(_string, getattr(release, key)))}]")
        if not release.bare_name:
            lines.append("bare_name = false")
        lines += ["models = ["] + [f"  {_string(m)},{_comment(notes.get(m))}"
                                   for m in release.models] + ["]"]
    return "\n".join(lines).lstrip("\n") + "\n"
