"""A pretrained text encoder from a local checkpoint: `model.text_model: pretrained`.

Why: FGCrossNet's text branch and the subword encoders (fgcross.models.text_encoder) learn
language from the training sentences alone (a few per class), which on real Wikipedia
sentences leaves text the weakest media (docs/methods.md, "On real media"). A sentence
encoder pretrained on a large corpus (e.g. all-MiniLM-L6-v2, a BERT, or any Hugging Face
encoder) brings what those few sentences cannot teach.

`model.text_checkpoint` names a local folder in the Hugging Face layout (config.json, the
weights as safetensors, the tokenizer's files; a sentence-transformers folder is one). It is
read with transformers' own loaders, offline (`local_files_only`), and weights stored as a
pickle are loaded by transformers with `weights_only=True`. Nothing is downloaded: a user
with internet fetches the folder once (`huggingface-cli download <name> --local-dir <dir>`).

The encoder reads the text store's character codes (text.encoder charcnn), turns each row
back into its text, tokenises it (at most `MAX_TOKENS` tokens), takes the mean of the last
hidden states over the real tokens (what sentence-transformers' mean pooling does) and a
trained projection to the backbone's width, where it meets the other media at the shared
classifier. With `text` in `model.frozen` the checkpoint's weights stay fixed (and in eval
mode, so its dropout is off) and only the projection is trained; else it is fine-tuned.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from fgcross.media.subwords import decode_codes

MAX_TOKENS = 128
INSTALL = "pip install 'fgcross[hf]'"


class CheckpointError(ValueError):
    """A text checkpoint folder that is missing or that transformers cannot read."""


def checkpoint_dir(path: str) -> Path:
    """The checkpoint folder, checked: it exists and holds a config.json."""
    if not path:
        raise CheckpointError("model.text_model pretrained needs model.text_checkpoint: a local Hugging Face "
                              "model folder")
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise CheckpointError(f"{folder}: model.text_checkpoint names no folder")
    if not (folder / "config.json").is_file():
        raise CheckpointError(f"{folder / 'config.json'}: missing; model.text_checkpoint must be a Hugging Face "
                              "model folder (config.json, weights, tokenizer)")
    return folder


class PretrainedText(nn.Module):
    """Character codes [B, T] -> features [B, width] through a local pretrained text encoder."""

    def __init__(self, checkpoint: str, width: int, frozen: bool) -> None:
        super().__init__()
        folder = checkpoint_dir(checkpoint)
        try:
            import transformers
        except ImportError:
            raise CheckpointError(f"model.text_model pretrained reads checkpoints with transformers: "
                                  f"{INSTALL}") from None
        transformers.logging.set_verbosity_error()  # no advice on unused heads: we read the encoder only
        transformers.logging.disable_progress_bar()  # a bar per weights file at every model load, search included
        try:
            self.tokenizer = transformers.AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
            self.encoder = transformers.AutoModel.from_pretrained(str(folder), local_files_only=True)
        except (OSError, ValueError, KeyError) as err:
            raise CheckpointError(f"{folder}: transformers cannot load it ({str(err).splitlines()[0]})") from err
        self.frozen = frozen
        if frozen:
            self.encoder.requires_grad_(False)
        hidden = int(self.encoder.config.hidden_size)
        self.project = nn.Sequential(nn.Dropout(0.1), nn.Linear(hidden, width), nn.ReLU())

    def train(self, mode: bool = True) -> PretrainedText:
        super().train(mode)
        if self.frozen:
            self.encoder.eval()
        return self

    def texts(self, codes: torch.Tensor) -> list[str]:
        return [decode_codes(row) for row in codes.detach().cpu().numpy().astype(np.int64)]

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        tokens = self.tokenizer(self.texts(codes), padding=True, truncation=True, max_length=MAX_TOKENS,
                                return_tensors="pt").to(codes.device)
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self.frozen):
            out = self.encoder(input_ids=tokens["input_ids"], attention_mask=tokens["attention_mask"])
        hidden = out.last_hidden_state
        mask = tokens["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
        return self.project(pooled)
