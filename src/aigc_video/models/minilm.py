"""all-MiniLM-L6-v2 as a small module of our own: the BERT encoder (6 layers, 384 wide, 12 heads)
read straight from the packaged `model.safetensors`, and its WordPiece tokenizer from
`tokenizer.json` by the `tokenizers` library.

Why not `transformers.AutoModel`: importing transformers and building the model through it took
~3.9 s of a cold flow video's ~5 s overhead (bench/results/cold_start.md), for a network of 60
lines. The outputs match transformers' BertModel to 1e-5 (tests/test_models.py checks both on the
same captions when transformers is installed).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class MiniLMConfig:
    vocab_size: int = 30522
    hidden_size: int = 384
    num_hidden_layers: int = 6
    num_attention_heads: int = 12
    intermediate_size: int = 1536
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12

    @classmethod
    def from_json(cls, path: str | Path) -> "MiniLMConfig":
        """The fields we use of a Hugging Face BERT `config.json`; an architecture we do not
        implement (another activation or position embedding) is refused, not approximated."""
        raw = json.loads(Path(path).read_text())
        if raw.get("hidden_act", "gelu") != "gelu" or raw.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError(f"{path}: only BERT with gelu and absolute positions is supported "
                             f"(hidden_act={raw.get('hidden_act')!r}, position_embedding_type={raw.get('position_embedding_type')!r})")
        return cls(**{f.name: raw[f.name] for f in fields(cls) if f.name in raw})


class Layer(nn.Module):
    """Post-norm transformer layer, named as in the checkpoint (`attention.self.query`, ...)."""

    def __init__(self, c: MiniLMConfig):
        super().__init__()
        d, eps = c.hidden_size, c.layer_norm_eps
        self.heads = c.num_attention_heads
        self.attention = nn.Module()
        self.attention.self = nn.Module()
        self.attention.self.query, self.attention.self.key, self.attention.self.value = (nn.Linear(d, d) for _ in range(3))
        self.attention.output = nn.Module()
        self.attention.output.dense, self.attention.output.LayerNorm = nn.Linear(d, d), nn.LayerNorm(d, eps=eps)
        self.intermediate = nn.Module()
        self.intermediate.dense = nn.Linear(d, c.intermediate_size)
        self.output = nn.Module()
        self.output.dense, self.output.LayerNorm = nn.Linear(c.intermediate_size, d), nn.LayerNorm(d, eps=eps)

    def forward(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        # x (B, L, D); keep (B, 1, 1, L) bool, True on keys that are real tokens
        b, n, d = x.shape
        s = self.attention.self
        q, k, v = (lin(x).view(b, n, self.heads, d // self.heads).transpose(1, 2) for lin in (s.query, s.key, s.value))
        a = F.scaled_dot_product_attention(q, k, v, attn_mask=keep).transpose(1, 2).reshape(b, n, d)
        x = self.attention.output.LayerNorm(x + self.attention.output.dense(a))
        return self.output.LayerNorm(x + self.output.dense(F.gelu(self.intermediate.dense(x))))


class MiniLM(nn.Module):
    """(input_ids, attention_mask) (B, L) -> last hidden states (B, L, hidden_size); token type 0
    throughout (single sentences), no pooler (we mean-pool outside)."""

    def __init__(self, config: MiniLMConfig):
        super().__init__()
        self.config = c = config
        self.embeddings = nn.Module()
        self.embeddings.word_embeddings = nn.Embedding(c.vocab_size, c.hidden_size)
        self.embeddings.position_embeddings = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.embeddings.token_type_embeddings = nn.Embedding(c.type_vocab_size, c.hidden_size)
        self.embeddings.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.encoder = nn.Module()
        self.encoder.layer = nn.ModuleList(Layer(c) for _ in range(c.num_hidden_layers))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        e = self.embeddings
        n = input_ids.shape[1]
        x = e.word_embeddings(input_ids) + e.position_embeddings.weight[:n] + e.token_type_embeddings.weight[0]
        x = e.LayerNorm(x)
        keep = attention_mask.bool()[:, None, None, :]           # (B, 1, 1, L)
        for layer in self.encoder.layer:
            x = layer(x, keep)
        return x

    @classmethod
    def from_folder(cls, folder: str | Path) -> "MiniLM":
        """From a sentence-transformers / Hugging Face folder (`config.json` + `model.safetensors`);
        the pooler and the stored position ids are not used. Built on the meta device and given
        the file's tensors: no random initialisation, so loading it leaves torch's global RNG as it
        was (a resumed training run draws the same numbers as an uninterrupted one)."""
        from safetensors.torch import load_file
        folder = Path(folder)
        with torch.device("meta"):
            model = cls(MiniLMConfig.from_json(folder / "config.json"))
        state = load_file(str(folder / "model.safetensors"))
        state = {k.removeprefix("bert."): v.float() for k, v in state.items()
                 if not k.removeprefix("bert.").startswith(("pooler.", "embeddings.position_ids"))}
        model.load_state_dict(state, assign=True)   # strict: every parameter comes from the file
        return model.eval().requires_grad_(False)


class Tokenizer:
    """BERT WordPiece from `tokenizer.json` (lower-cases, splits CJK characters): texts -> (input_ids,
    attention_mask) int64 (B, L), [CLS] ... [SEP] truncated to max_length tokens in all; padded to
    max_length when `pad_to_max` (fixed shapes), else to the longest text. Truncation and padding
    are done here, not by setting them on the shared `tokenizers` object, so calls never race."""

    def __init__(self, folder: str | Path):
        from tokenizers import Tokenizer as HFTokenizer
        self.tok = HFTokenizer.from_file(str(Path(folder) / "tokenizer.json"))
        self.tok.no_padding()
        self.tok.no_truncation()
        self.cls, self.sep, self.pad = (self.tok.token_to_id(t) for t in ("[CLS]", "[SEP]", "[PAD]"))

    def __call__(self, texts: list[str], max_length: int, pad_to_max: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        if max_length < 2:
            raise ValueError(f"max_length {max_length} leaves no room for [CLS] and [SEP]")
        rows = [[self.cls, *e.ids[:max_length - 2], self.sep]
                for e in self.tok.encode_batch(list(texts), add_special_tokens=False)]
        n = max_length if pad_to_max else max(map(len, rows), default=2)
        ids = torch.full((len(rows), n), self.pad, dtype=torch.long)
        mask = torch.zeros((len(rows), n), dtype=torch.long)
        for i, r in enumerate(rows):
            ids[i, :len(r)] = torch.tensor(r)
            mask[i, :len(r)] = 1
        return ids, mask
