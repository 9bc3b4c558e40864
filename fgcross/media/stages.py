"""The preparation stages: one per media (its descriptor's `stage`, fgcross.media.kinds), each
named like its params.yaml section.

    stage (= params section)   media
    images                     image
    text                       text
    spectrogram                audio
    frames                     video

A stage runs as `python -m steps.<name>` and reads the params section `<name>`: one name,
so that a stage, its step and its settings cannot be confused. The training pipeline
stores these sections with a model (fgcross.training.pipeline), and search prepares a
query with them (fgcross.search.query). The table is a module of its own, apart from the
converters, so that naming the stages imports no media library (librosa, OpenCV).
"""

from __future__ import annotations

from dataclasses import dataclass

from fgcross.media.kinds import KINDS


@dataclass(frozen=True)
class PreparationStage:
    name: str  # the pipeline stage (steps.<name>) and its params.yaml section
    media: str  # the media it prepares

    @property
    def section(self) -> str:
        """The params.yaml section the stage reads: the stage's own name."""
        return self.name


STAGES: dict[str, PreparationStage] = {k.stage: PreparationStage(k.stage, k.name) for k in KINDS.values()}
BY_MEDIA: dict[str, PreparationStage] = {s.media: s for s in STAGES.values()}
SECTIONS: tuple[str, ...] = tuple(STAGES)
"""The params sections that shape prepared media, in table order."""
