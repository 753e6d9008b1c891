"""Hand-written gazetteers of militias and places (``data/gazetteers/*.tsv``).

They feed entity substitution in :mod:`arner.augment` and the lexicon that lets
the tokenizer split a proclitic off a known name (``وحزب`` -> ``و`` + ``حزب``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PLACE_TYPES = (
    "country", "governorate", "city", "town", "village", "neighbourhood",
    "region", "river", "border", "facility",
)
MILITIA_FORMS = ("named", "descriptive")


class GazetteerError(ValueError):
    """A gazetteer file is malformed; the message names file, line and value."""


@dataclass(frozen=True)
class Militia:
    name: str
    aliases: tuple[str, ...]
    country: str
    form: str

    @property
    def surfaces(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Place:
    name: str
    type: str
    country: str


@dataclass(frozen=True)
class Gazetteers:
    militias: tuple[Militia, ...]
    places: tuple[Place, ...]
    # State armies and security services: never MILITIA; swapped among themselves
    # during augmentation so the model sees varied negatives next to the militias.
    state_forces: tuple[str, ...] = ()

    def militia_surfaces(self, form: str | None = None) -> list[str]:
        return [s for m in self.militias if form in (None, m.form) for s in m.surfaces]

    def place_type(self, surface: str) -> str | None:
        """The type of a place named ``surface``, or None when it is not listed."""
        for place in self.places:
            if place.name == surface:
                return place.type
        return None

    def places_of_type(self, place_type: str) -> list[str]:
        return [p.name for p in self.places if p.type == place_type]

    def all_names(self) -> set[str]:
        return set(self.militia_surfaces()) | {p.name for p in self.places}

    def lexicon(self) -> set[str]:
        """First words of every name: a proclitic before them is split off."""
        return {name.split()[0] for name in self.all_names()}


def load_gazetteers(directory: str | Path) -> Gazetteers:
    """Read ``militias.tsv``, ``places.tsv`` and (optional) ``state_forces.tsv`` from ``directory``."""
    directory = Path(directory)
    militias = [_militia(row, where) for row, where in _rows(directory / "militias.tsv", 4)]
    places = [_place(row, where) for row, where in _rows(directory / "places.tsv", 3)]
    state_path = directory / "state_forces.tsv"
    state = [row[0] for row, _ in _rows(state_path, 2)] if state_path.exists() else []
    return Gazetteers(tuple(militias), tuple(places), tuple(state))


def _rows(path: Path, width: int) -> Iterable[tuple[list[str], str]]:
    if not path.exists():
        raise GazetteerError(f"{path}: gazetteer file not found")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader, None)  # header
        for row in reader:
            where = f"{path}:{reader.line_num}"
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != width:
                raise GazetteerError(f"{where}: expected {width} TAB-separated columns, got {row!r}")
            for cell in row[:1]:
                if cell != cell.strip() or not cell:
                    raise GazetteerError(f"{where}: name {cell!r} is empty or has surrounding space")
            yield row, where


def _militia(row: list[str], where: str) -> Militia:
    name, aliases, country, form = row
    if form not in MILITIA_FORMS:
        raise GazetteerError(f"{where}: form {form!r} is not one of {MILITIA_FORMS}")
    alias_list = tuple(a.strip() for a in aliases.split("|") if a.strip())
    return Militia(name, alias_list, country.strip(), form)


def _place(row: list[str], where: str) -> Place:
    name, place_type, country = row
    if place_type not in PLACE_TYPES:
        raise GazetteerError(f"{where}: place type {place_type!r} is not one of {PLACE_TYPES}")
    return Place(name, place_type, country.strip())


def _bare(surface: str) -> str:
    return surface.replace('"', "").replace("«", "").replace("»", "").strip()


def is_known_name(surface: str, gazetteers: Gazetteers, seed_text: str = "") -> bool:
    """Whether ``surface`` is a gazetteer entry or alias, or occurs in ``seed_text``.

    Quotes are ignored, and a surface starting with ``ل`` is also tried with its
    elided article restored (``لبوكمال`` -> ``البوكمال``).

    >>> gaz = Gazetteers((Militia("لواء فاطميون", (), "Syria", "named"),), (Place("البوكمال", "city", "Syria"),))
    >>> is_known_name('لواء "فاطميون"', gaz), is_known_name("لبوكمال", gaz), is_known_name("كنصفرة", gaz)
    (True, True, False)
    """
    known = {_bare(name) for name in gazetteers.all_names()}
    bare = _bare(surface)
    forms = [bare, "ا" + bare] if bare.startswith("ل") else [bare]
    return any(form in known or (seed_text and form in _bare(seed_text)) for form in forms)


def unseen_share(surfaces: Iterable[str], gazetteers: Gazetteers, seed_text: str = "") -> float:
    """Share of ``surfaces`` that :func:`is_known_name` does not know."""
    surfaces = list(surfaces)
    unseen = sum(not is_known_name(s, gazetteers, seed_text) for s in surfaces)
    return unseen / len(surfaces) if surfaces else 0.0
