"""Subword tokens for the text encoders of `model.text_model: subword-*`.

Why subwords: the char-CNN sees letters and must learn words from 256 positions of one
picture; a byte-pair-encoding tokenizer trained on the training texts gives the network words and
word pieces at once (`brownish` -> `brown ish`), and unseen words still break into known
pieces, which matters for real encyclopedia sentences.

The tokenizer is trained offline with Hugging Face's `tokenizers` on the training split's
texts, as the prepared character codes hold them (text.vocabulary `paper`: lower-cased,
69 characters), and travels with the model as its JSON (fgcross.models.fgcrossnet.ModelConfig
.text_tokenizer), so export and search tokenise exactly as training did.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

from fgcross.media.text import VOCABULARY

PAD, UNK = "[PAD]", "[UNK]"
PAD_ID = 0  # the first special token: the encoders' Embedding(padding_idx=0)
_CHARS = np.array(["", *VOCABULARY])  # code -> character; 0 (padding, unknown) -> nothing


def decode_codes(codes: np.ndarray) -> str:
    """The text of one row of character codes (paper vocabulary); padding and unknown codes vanish."""
    return "".join(_CHARS[np.asarray(codes, dtype=np.int64)])


def train_tokenizer(texts: Iterable[str], vocab_size: int) -> str:
    """A byte-pair-encoding tokenizer (Sennrich et al. 2016) trained on `texts`, as its JSON.

    Plain BPE on the sorted character alphabet: its merges break ties by token ids that follow
    from that sorted alphabet, so the same texts give the same JSON on every run. (WordPiece's
    trainer, and BPE with a `##` or end-of-word marker, number the marked pieces in a hash order
    that changes between runs: measured, the vocabulary differed from run to run.)"""
    tok = Tokenizer(models.BPE(unk_token=UNK))
    tok.normalizer = normalizers.Sequence([normalizers.NFD(), normalizers.Lowercase(), normalizers.StripAccents()])
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()  # words and punctuation apart
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=[PAD, UNK], show_progress=False)
    tok.train_from_iterator(list(texts), trainer)
    if tok.token_to_id(PAD) != PAD_ID:
        raise ValueError(f"tokenizer: {PAD} must be token {PAD_ID}")
    return tok.to_str()


def load_tokenizer(spec: str) -> Tokenizer:
    """The tokenizer saved with a model (its JSON); raise ValueError naming the problem."""
    try:
        return Tokenizer.from_str(spec)
    except Exception as err:  # tokenizers raises its own Exception subclass
        raise ValueError(f"the model's text tokenizer does not load ({err})") from None


def tokenize(tok: Tokenizer, texts: list[str]) -> np.ndarray:
    """int64 [len(texts), longest] token ids, padded with PAD_ID (at least one column)."""
    ids = [e.ids for e in tok.encode_batch(texts)]
    out = np.full((len(ids), max([1, *map(len, ids)])), PAD_ID, dtype=np.int64)
    for row, seq in enumerate(ids):
        out[row, : len(seq)] = seq
    return out
