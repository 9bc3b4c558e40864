"""The species model: which traits a bird has, and how families share them.

A family draws one prototype; each species copies it and takes its own value of the
family's *key* visual trait and key song trait (distinct within the family, so siblings
always differ in both a picture and a song), and sometimes one more minor trait.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# BGR colours (OpenCV order), chosen to stay apart under the lighting jitter.
COLORS: dict[str, tuple[int, int, int]] = {
    "red": (40, 40, 210),
    "orange": (30, 140, 240),
    "yellow": (40, 215, 235),
    "olive": (40, 130, 120),
    "green": (60, 170, 50),
    "teal": (150, 150, 20),
    "blue": (210, 90, 30),
    "purple": (150, 50, 130),
    "brown": (40, 75, 125),
    "grey": (140, 140, 140),
    "black": (30, 30, 30),
    "white": (235, 235, 235),
}

VISUAL_TRAITS: dict[str, tuple[str, ...]] = {
    "shape": ("round", "slim", "stocky"),
    "body": tuple(COLORS),
    "wing": tuple(COLORS),
    "crown": tuple(COLORS),
    "breast": ("plain", "spotted", "streaked", "barred"),
    "beak": ("short", "long", "hooked"),
    "tail": ("short", "long", "forked"),
}

SONG_TRAITS: dict[str, tuple[str, ...]] = {
    "pitch": ("very low", "low", "middle", "high", "very high"),
    "sweep": ("rising", "falling", "flat", "trilled"),
    "tempo": ("slow", "steady", "fast"),
    "notes": ("two", "three", "four", "five"),
}

TRAITS: dict[str, tuple[str, ...]] = {**VISUAL_TRAITS, **SONG_TRAITS}

FAMILY_NOUNS = (
    "Warbler", "Finch", "Sparrow", "Thrush", "Wren", "Tanager", "Vireo", "Flycatcher",
    "Bunting", "Oriole", "Grosbeak", "Kinglet", "Swallow", "Shrike", "Pipit", "Starling",
)
SPECIES_ADJECTIVES = ("Northern", "Southern", "Eastern", "Western", "Lesser", "Greater", "Mountain", "Coastal")


@dataclass(frozen=True)
class Species:
    """One class of the dataset: its 0-based label, CUB-style folder name and traits."""

    label: int
    name: str
    family: int
    traits: dict[str, str]


def family_noun(family: int) -> str:
    """The group noun of a family (the last word of its species' names)."""
    noun = FAMILY_NOUNS[family % len(FAMILY_NOUNS)]
    return noun if family < len(FAMILY_NOUNS) else f"{noun}{family // len(FAMILY_NOUNS) + 1}"


def make_species(families: int, per_family: int, rng: np.random.Generator) -> list[Species]:
    """Draw `families` x `per_family` species; siblings differ in their family's key traits."""
    if per_family > len(SPECIES_ADJECTIVES):
        raise ValueError(f"at most {len(SPECIES_ADJECTIVES)} species per family, got {per_family}")
    species: list[Species] = []
    for family in range(families):
        prototype = {name: str(rng.choice(values)) for name, values in TRAITS.items()}
        visual_keys = [t for t, v in VISUAL_TRAITS.items() if len(v) >= per_family]
        song_keys = [t for t, v in SONG_TRAITS.items() if len(v) >= per_family]
        key_visual = str(rng.choice(visual_keys))
        key_song = str(rng.choice(song_keys)) if song_keys else None
        visual_values = rng.permutation(VISUAL_TRAITS[key_visual])[:per_family]
        song_values = rng.permutation(SONG_TRAITS[key_song])[:per_family] if key_song else None
        minor_choices = [t for t in TRAITS if t not in (key_visual, key_song)]
        for s in range(per_family):
            traits = dict(prototype)
            traits[key_visual] = str(visual_values[s])
            if key_song:
                traits[key_song] = str(song_values[s])
            if s > 0 and rng.random() < 0.5:  # a second, minor difference for some siblings
                minor = str(rng.choice(minor_choices))
                traits[minor] = str(rng.choice(TRAITS[minor]))
            label = len(species)
            name = f"{label + 1:03d}.{SPECIES_ADJECTIVES[s]}_{family_noun(family)}"
            species.append(Species(label=label, name=name, family=family, traits=traits))
    return species
