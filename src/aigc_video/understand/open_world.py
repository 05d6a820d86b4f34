"""Nouns outside the vocabulary -> materials: subjects from the material library, places named
as props ("on a sofa", "在沙发上").

The vocabulary (vocab.OBJECTS) is drawn by the scene engine's own vector drawings and is what
the learned engines were trained on; every other noun is looked up in the material library
(`aigc_video.materials`: exact name, then synonym, then embedding). A noun the library does not
hold is reported with its nearest candidates, never replaced by an unrelated kind.
"""
from __future__ import annotations

from .. import materials
from ..materials import Match
from ..storyboard import Prop
from . import embedding
from .manners import ICON_VERBS

# Grown-ups the library also draws whole, standing (children only as heads).
_STANDING = frozenset({"man", "woman", "person"})
# What a rider rides, and the manner that shows rider and ridden together ("man biking").
RIDDEN: dict[str, str] = {"bicycle": "bike", "bike": "bike", "mountain bicycle": "bike"}


class OpenWorld:
    """The material library as the parser sees it: loaded on the first unknown noun, once."""

    def __init__(self, assets_dir: str | None = None):
        self.assets_dir = assets_dir
        self._library: materials.Library | None = None
        self.missing: str | None = None     # why there is no library, once found out
        if assets_dir is not None:
            self.library()   # the user's folder is checked (and its bad files named) up front

    def notes(self) -> list[str]:
        """What indexing the user's folder skipped, and why (a broken or oversized file)."""
        return list(self._library.warnings) if self._library is not None else []

    def library(self) -> materials.Library | None:
        if self._library is None and self.missing is None:
            try:
                self._library = materials.library(self.assets_dir)
            except materials.MaterialsNotInstalled as e:
                if self.assets_dir is not None:
                    raise
                self.missing = str(e)
        return self._library

    def subject(self, word: str, language: str) -> Match | None:
        lib = self.library()
        if lib is None or (language == "en" and not (len(word) >= 2 and word.isalpha())):
            return None   # a stray letter or number is no noun ("0M")
        return lib.lookup(word, language)

    def named(self, phrase: str, language: str) -> Match | None:
        """A material called exactly `phrase` (name or synonym: "teddy bear", "soccer ball")."""
        lib = self.library()
        return lib.lookup(phrase, language, by_meaning=False) if lib is not None else None

    def is_noun(self, word: str) -> bool:
        """Whether a word that looks like an adverb or adjective names a material ("butterfly")."""
        lib = self.library()
        match = lib.lookup(word, "en", by_meaning=False) if lib is not None else None
        return match is not None and match.matched_by == "name"

    def nearest(self, word: str, language: str) -> str:
        """"nearest: 'a', 'b'" for a warning, or "" when there is nothing to offer."""
        lib = self.library()
        if lib is None:
            return ""
        names = [m.name for m in lib.candidates(word, k=3, language=language)]
        if names:
            return f" (nearest in the material library: {', '.join(repr(n) for n in names)})"
        if language == "en" and not embedding.available():
            return " (finding the nearest by meaning needs the [ml] extra)"
        return ""

    def action_icon(self, match: Match, manner: str | None) -> Match:
        """The icon that shows the action ("person" + run -> person running); a grown-up doing
        nothing an icon shows stands, whole (the plain "man" icon is a head); else `match`."""
        lib = self.library()
        if lib is None:
            return match
        verb = ICON_VERBS.get(manner or "")
        found = lib.action_variant(match, verb) if verb else None
        if found is None and match.asset_id.split(":", 1)[-1] in _STANDING:
            found = lib.action_variant(match, "stand")
        return found or match

    def merge_riders(self, drafts: list) -> list:
        """"A man rides a bicycle": one subject drawn as the person biking, where the library
        has that icon; the ridden thing is then not a subject of its own."""
        lib = self.library()
        out = list(drafts)
        for rider, ridden in zip(drafts, drafts[1:]):
            manner = RIDDEN.get(ridden.asset.name if ridden.asset else "")
            if (lib is None or rider.asset is None or manner is None or rider.manner != "drive"
                    or ridden.motion is not None
                    or lib.action_variant(rider.asset, ICON_VERBS[manner]) is None):
                continue
            rider.manner = manner
            out.remove(ridden)
        return out

    def prop(self, word: str, language: str, background: str | None,
             materials: bool = True) -> Prop | None:
        """A place word as a prop: one of the setting's own props by name, else (with
        `materials`) a material found by name or synonym."""
        from ..scene.settings import prop_named

        own = prop_named(word, background)
        if own is not None:
            return Prop(name=own)
        if not materials:
            return None
        match = self.subject(word, language)
        if match is None or match.matched_by == "embedding":
            return None   # a loose match is no place to sit on
        return Prop(name=match.name, asset=match)


def setting_of_prop(prop: Prop) -> str | None:
    """The setting a prop implies when no place is named ("on a sofa" -> living room)."""
    from ..scene.settings import setting_with_prop

    return setting_with_prop(prop.name)
