"""Lookup in the material library: a noun (English or Chinese) -> the subject to draw.

Levels, tried in order, each first in the user's folder, then in the built-in set (so a user
asset wins at an equal or better level):
  1. name     the label or icon name ('cats' -> 'cat', 'puppies' -> 'puppy'), score 1.0
  2. synonym  a CLDR tag ('sofa' -> couch and lamp, '汽车'/'car' -> automobile), score 0.9,
              ranked at install (index.py); a face ('cat face') gives way to the whole animal
  3. embedding  English only: MiniLM cosine of the query and each label, score = cosine,
              accepted at MIN_SIMILARITY (see the value for how it was chosen)
"""
from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..serde import JsonMixin
from .index import Entry, embed_texts, norm_text, prior
from .install import data_dir, is_installed, not_installed_error

# Cosine at which an embedding match is accepted. Chosen on retrieval_labels.tsv's English words
# that have no name or synonym hit (bench/materials_speed.py prints the sweep): right answers
# mostly score 0.6-0.8 ('kitty' -> cat 0.78), wrong nearest neighbours mostly under 0.6
# ('table' -> 'ping pong' 0.27, 'xyzzyq' 0.3). On the held-out list (retrieval_heldout.tsv) 0.6
# accepted 8 right and 7 wrong, 0.7 6 right and 1 wrong: a wrong picture costs more than a noun
# reported as not found, so 0.7.
MIN_SIMILARITY = 0.7
SYNONYM_SCORE = 0.9

_IRREGULAR = {"men": "man", "women": "woman", "children": "child", "people": "person", "mice": "mouse",
              "geese": "goose", "feet": "foot", "teeth": "tooth", "oxen": "ox", "knives": "knife",
              "leaves": "leaf", "wolves": "wolf", "loaves": "loaf", "calves": "calf", "shelves": "shelf",
              "dice": "die", "lice": "louse", "cacti": "cactus", "fungi": "fungus", "octopi": "octopus"}
_ARTICLE = re.compile(r"^(a|an|the|some|two|three|many)\s+")


def english_forms(word: str) -> list[str]:
    """The word and its possible singulars, most likely first: 'puppies' -> ['puppies',
    'puppie', 'puppy'], or, for a singular, its plurals: 'cherry' -> ['cherry', 'cherries'].
    Only the last word of a phrase is inflected."""
    head, _, last = word.rpartition(" ")
    prefix = f"{head} " if head else ""
    forms = [last]
    if last in _IRREGULAR:
        forms.append(_IRREGULAR[last])
    if last.endswith("s") and not last.endswith("ss") and len(last) > 2:
        forms.append(last[:-1])
        if last.endswith("ies"):
            forms.append(last[:-3] + "y")
        if last.endswith("es"):
            forms.append(last[:-2])
        if last.endswith("ves"):
            forms.append(last[:-3] + "f")
    if len(forms) == 1:              # not a plural: the plural is the icon's name ('cherry' -> cherries)
        forms += [last[:-1] + "ies"] if last.endswith("y") else [last + "s", last + "es"]
    return [prefix + f for f in dict.fromkeys(forms)]


@dataclass
class Match(JsonMixin):
    asset_id: str          # 'fluent-emoji-flat:cat' or 'user:my_dog.png'
    name: str              # English display name ('cat'); a user asset's first name
    source: str            # the set: 'fluent-emoji-flat' or 'user'
    licence: str
    score: float           # 1.0 name, 0.9 synonym, cosine for an embedding match
    matched_by: str        # 'name' | 'synonym' | 'embedding'
    query: str


class Catalogue:
    """Entries with their name tables and (optional) label embeddings: one set of materials."""

    def __init__(self, entries: list[Entry], exact: dict, synonyms: dict, vectors: np.ndarray | None):
        self.entries = entries
        self.exact, self.synonyms = exact, synonyms           # {language: {key: [entry index]}}
        # (N, 384) unit rows or None; float32 in memory: numpy's float16 matmul is slow
        self.vectors = None if vectors is None else np.asarray(vectors, np.float32)
        self.by_id = {e.id: i for i, e in enumerate(entries)}

    def find(self, level: str, keys: list[str], language: str) -> Entry | None:
        table = (self.exact if level == "name" else self.synonyms).get(language, {})
        for key in keys:
            if table.get(key):
                entry = self.entries[table[key][0]]
                if level != "name" and entry.whole in self.by_id:     # 'kitten' -> cat, not cat face
                    entry = self.entries[self.by_id[entry.whole]]
                return entry
        return None

    def nearest(self, query_vec: np.ndarray, k: int) -> list[tuple[Entry, float]]:
        """Top k by cosine (ties and near-ties broken by the prior), faces -> whole subjects."""
        if self.vectors is None or not len(self.entries):
            return []
        sims = self.vectors @ query_vec                                 # (N,)
        rank = np.argsort(-(sims + 0.1 * self._priors))
        out, seen = [], set()
        for i in rank:
            e = self.entries[i]
            if e.whole in self.by_id:
                e = self.entries[self.by_id[e.whole]]
            if e.id not in seen:
                seen.add(e.id)
                out.append((e, float(sims[i])))
            if len(out) == k:
                break
        return out

    @functools.cached_property
    def _priors(self) -> np.ndarray:
        return np.array([prior(e) for e in self.entries])


@functools.lru_cache(maxsize=1024)
def _query_vector(text: str) -> np.ndarray | None:
    vecs = embed_texts([text])
    return None if vecs is None else vecs[0]


@functools.lru_cache(maxsize=4)
def _builtin(folder: Path) -> Catalogue:
    """The installed set, read once per process (entries.json + the memory-mapped embeddings)."""
    index = folder / "index"
    data = json.loads((index / "entries.json").read_text(encoding="utf-8"))
    vec_path = index / "embeddings.npy"
    vectors = np.load(vec_path, mmap_mode="r") if vec_path.exists() else None
    entries = [Entry(**e) for e in data["entries"]]
    return Catalogue(entries, data["exact"], data["synonyms"], vectors)


class Library:
    """The built-in set plus, optionally, a user folder (user assets win ties)."""

    def __init__(self, builtin: Catalogue, user=None, folder: Path | None = None):
        self.builtin, self.user, self.folder = builtin, user, folder
        self.warnings: list[str] = list(user.warnings) if user is not None else []
        self._frames_cache = None
        self._bodies: dict[str, str] | None = None
        self._boxes: dict[str, tuple[float, float, float, float]] = {}

    @classmethod
    def load(cls, user_dir: str | Path | None = None) -> "Library":
        """The installed built-in set (MaterialsNotInstalled if missing) and `user_dir`'s assets
        (InputError if the folder is missing or unreadable; bad files become `warnings`)."""
        folder = data_dir()
        if not is_installed(folder):
            raise not_installed_error(folder)
        user = None
        if user_dir is not None:
            from .user import UserFolder
            user = UserFolder.scan(user_dir)
        return cls(_builtin(folder), user, folder)

    # -- lookup -----------------------------------------------------------------------------
    def _catalogues(self) -> list[Catalogue]:
        return [c for c in (self.user.catalogue if self.user else None, self.builtin) if c is not None]

    def entry(self, asset_id: str) -> Entry:
        for cat in self._catalogues():
            if asset_id in cat.by_id:
                return cat.entries[cat.by_id[asset_id]]
        raise KeyError(f"no material {asset_id!r}")

    @staticmethod
    def _keys(word: str, language: str) -> list[str]:
        q = _ARTICLE.sub("", norm_text(word)) if language == "en" else norm_text(word)
        if not q:
            return []
        if language == "en":
            return english_forms(q)
        return list(dict.fromkeys([q, q.removesuffix("们"), q.removeprefix("一只").removeprefix("一个")]))

    def lookup(self, word: str, language: str = "en", by_meaning: bool = True) -> Match | None:
        """The subject for `word`, or None when nothing matches well enough; `by_meaning=False`
        stops after names and synonyms (no embedding model is loaded)."""
        keys = self._keys(word, language)
        if not keys:
            return None
        for level, score in (("name", 1.0), ("synonym", SYNONYM_SCORE)):
            for cat in self._catalogues():
                entry = cat.find(level, keys, language)
                if entry is not None:
                    return self._match(entry, score, level, word)
        if language != "en" or not by_meaning:
            return None
        for entry, sim in self._nearest(keys[0], 1):
            if sim >= MIN_SIMILARITY:
                return self._match(entry, round(sim, 4), "embedding", word)
        return None

    def _nearest(self, text: str, k: int) -> list[tuple[Entry, float]]:
        """Top k over both sets by cosine; a user asset first when it clears the threshold."""
        vec = _query_vector(text)
        if vec is None:
            return []
        found = []
        for cat in self._catalogues():
            if cat is not self.builtin:
                self.user.ensure_vectors()
            found += cat.nearest(vec, k)
        user_ok = [f for f in found if f[0].source == "user" and f[1] >= MIN_SIMILARITY]
        rest = sorted((f for f in found if f not in user_ok), key=lambda f: -f[1])
        return (sorted(user_ok, key=lambda f: -f[1]) + rest)[:k]

    def candidates(self, word: str, k: int = 3, language: str = "en") -> list[Match]:
        """Up to k nearest materials, for a warning ("nearest: ..."), whatever their score."""
        out: dict[str, Match] = {}
        keys = self._keys(word, language)
        for level, score in (("name", 1.0), ("synonym", SYNONYM_SCORE)):
            for cat in self._catalogues():
                table = (cat.exact if level == "name" else cat.synonyms).get(language, {})
                for key in keys:
                    for i in table.get(key, [])[:k]:
                        e = cat.entries[i]
                        out.setdefault(e.id, self._match(e, score, level, word))
        if language == "en" and keys:
            for e, sim in self._nearest(keys[0], k):
                out.setdefault(e.id, self._match(e, round(sim, 4), "embedding", word))
        return list(out.values())[:k]

    @staticmethod
    def _match(entry: Entry, score: float, level: str, query: str) -> Match:
        return Match(asset_id=entry.id, name=entry.label, source=entry.source, licence=entry.licence,
                     score=score, matched_by=level, query=query)

    def action_variant(self, match_or_asset_id: Match | str, verb: str) -> Match | None:
        """The icon that shows a person doing `verb` ('man' + 'run' -> man running), or None
        (not a person, or no icon for that action)."""
        from .actions import variant_name

        asset_id = match_or_asset_id if isinstance(match_or_asset_id, str) else match_or_asset_id.asset_id
        try:
            entry = self.entry(asset_id)
        except KeyError:
            return None
        if entry.source != self.builtin.entries[0].source or entry.group != 1:
            return None
        for name in variant_name(entry.name, verb):
            target = f"{entry.source}:{name}"
            if target in self.builtin.by_id:
                query = match_or_asset_id.query if isinstance(match_or_asset_id, Match) else entry.label
                return self._match(self.entry(target), 1.0, "name", f"{query} {verb}")
        return None

    # -- drawing ----------------------------------------------------------------------------
    @property
    def _frames(self):
        if self._frames_cache is None:
            from .raster import FrameCache
            self._frames_cache = FrameCache()
        return self._frames_cache

    def _svg(self, entry: Entry) -> str:
        from .raster import svg_document

        if self._bodies is None:
            self._bodies = json.loads((self.folder / "index" / "bodies.json").read_text(encoding="utf-8"))
        return svg_document(self._bodies[entry.body], *entry.box, hflip=entry.hflip)

    def render_rgba(self, asset_id: str, px: int, color: tuple[int, int, int] | None = None,
                    frame: int = 0) -> np.ndarray:
        """(px, px, 4) uint8 premultiplied RGBA (read-only, cached): the subject fit into the
        square, centred; `color` recolours its main hue; `frame` picks a clip's frame (cycled)."""
        from .raster import recolor_svg, render_svg

        if not isinstance(px, (int, np.integer)) or not 1 <= px <= 4096:
            raise ValueError(f"px {px!r} is outside 1..4096")
        color = tuple(int(c) for c in color) if color is not None else None
        entry = self.entry(asset_id)
        if entry.source == "user":
            frame = frame % self.user.frame_count(asset_id)
            return self._frames.get((asset_id, px, color, frame),
                                    lambda: self.user.render(asset_id, px, color, frame))

        def make():
            svg = self._svg(entry)
            return render_svg(recolor_svg(svg, color) if color is not None else svg, px)
        return self._frames.get((asset_id, px, color, 0), make)

    def frame_count(self, asset_id: str) -> int:
        return self.user.frame_count(asset_id) if self.entry(asset_id).source == "user" else 1

    def alpha_bbox(self, asset_id: str) -> tuple[float, float, float, float]:
        # Asked once per placement try by the planner's layout: measured once per asset.
        if asset_id not in self._boxes:
            from .raster import alpha_box

            self._boxes[asset_id] = alpha_box(self.render_rgba(asset_id, 128))
        return self._boxes[asset_id]


_LIBRARIES: dict[str | None, Library] = {}


def library(user_dir: str | Path | None = None) -> Library:
    """`Library.load(user_dir)`, once per process and folder."""
    key = None if user_dir is None else str(Path(user_dir).expanduser().resolve())
    if key not in _LIBRARIES:
        _LIBRARIES[key] = Library.load(key)
    return _LIBRARIES[key]
