"""Subword text encoders: token embeddings -> a 1-D CNN or a small transformer -> one vector.

Why: FGCrossNet pushes text through the image CNN as a 1 x S x S 'picture' of character
convolutions, and text is its weakest media in every published table. Here text gets an
encoder of its own over subword tokens (fgcross.media.subwords) whose output has the shared
backbone's feature width, so it meets the other media at the shared classifier (the common
representation) instead of inside the CNN.

The encoder takes the prepared character codes (text.encoder `charcnn`, vocabulary `paper`),
turns each row back into its text and tokenises it with the tokenizer saved in the model's
config, so training, export and search see the same tokens.

`model.text_model`:
- `subword-cnn`: two residual 1-D convolutions (widths 3 and 5) over the token embeddings,
  then the mean and the max over the tokens (Kim 2014's text CNN, deepened);
- `subword-transformer`: two pre-norm transformer layers with learned positions, then the
  mean over the tokens.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from fgcross.media.subwords import PAD_ID, decode_codes, load_tokenizer, tokenize

TEXT_MODELS = ("branch", "subword-cnn", "subword-transformer")
"""`branch`: FGCrossNet's (the text's branch into the shared CNN); the others are encoders here."""
MAX_TOKENS = 512  # positions of the transformer; longer texts are cut


class SubwordText(nn.Module):
    """Character codes [B, T] -> features [B, width] through subword tokens and `kind`'s encoder."""

    def __init__(self, kind: str, tokenizer: str, dim: int, width: int) -> None:
        super().__init__()
        if kind not in TEXT_MODELS[1:]:
            raise ValueError(f"unknown subword text model {kind!r}: expected one of {TEXT_MODELS[1:]}")
        self.kind = kind
        self.tokenizer = load_tokenizer(tokenizer)
        self.embed = nn.Embedding(self.tokenizer.get_vocab_size(), dim, padding_idx=PAD_ID)
        if kind == "subword-cnn":
            self.convs = nn.ModuleList([nn.Conv1d(dim, dim, 3, padding=1), nn.Conv1d(dim, dim, 5, padding=2)])
            self.norms = nn.ModuleList([nn.BatchNorm1d(dim), nn.BatchNorm1d(dim)])
            pooled = 2 * dim
        else:
            self.positions = nn.Embedding(MAX_TOKENS, dim)
            layer = nn.TransformerEncoderLayer(dim, 4, 2 * dim, dropout=0.1, batch_first=True, norm_first=True)
            self.layers = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
            self.final_norm = nn.LayerNorm(dim)
            pooled = dim
        self.project = nn.Sequential(nn.Dropout(0.1), nn.Linear(pooled, width))

    def tokens(self, codes: torch.Tensor) -> torch.Tensor:
        """Token ids [B, N] of the character codes' texts, on the codes' device."""
        rows = codes.detach().cpu().numpy().astype(np.int64)
        ids = tokenize(self.tokenizer, [decode_codes(r) for r in rows])[:, :MAX_TOKENS]
        return torch.from_numpy(ids).to(codes.device)

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        ids = self.tokens(codes)
        mask = (ids != PAD_ID).unsqueeze(-1)  # B, N, 1
        x = self.embed(ids)  # B, N, d
        if self.kind == "subword-cnn":
            h = x.transpose(1, 2)
            for conv, norm in zip(self.convs, self.norms, strict=True):
                h = h + F.gelu(norm(conv(h)))
            h = h.transpose(1, 2)
            mean = (h * mask).sum(1) / mask.sum(1).clamp(min=1)
            peak = h.masked_fill(~mask, float("-inf")).amax(1).nan_to_num(0.0, neginf=0.0)
            pooled = torch.cat([mean, peak], 1)
        else:
            h = x + self.positions(torch.arange(ids.shape[1], device=ids.device))
            h = self.final_norm(self.layers(h, src_key_padding_mask=~mask.squeeze(-1)))
            pooled = (h * mask).sum(1) / mask.sum(1).clamp(min=1)
        return self.project(pooled)
