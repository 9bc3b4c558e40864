"""Text descriptions from traits, in varied words and order, mentioning only some traits.

Each trait is mentioned with a probability, phrased by one of several templates; generic
sentences that carry no class information pad the description to a class-independent
length, and may come first, so a fixed-length reader sometimes misses the key words.
"""

from __future__ import annotations

import numpy as np

PHRASES: dict[str, tuple[str, ...]] = {
    "shape": ("A {v} build.", "Its figure is {v}.", "{V} in shape."),
    "body": ("Its body is {v}.", "The plumage is mostly {v}.", "A {v} bird overall.", "Body feathers {v}."),
    "wing": ("It has {v} wings.", "The wings are {v}.", "{V} wing feathers.", "Wings of {v}."),
    "crown": ("The crown is {v}.", "It wears a {v} cap.", "A {v} crown on the head.", "Top of the head {v}."),
    "breast": ("The breast is {v}.", "A {v} breast.", "Its chest looks {v}."),
    "beak": ("The bill is {v}.", "It has a {v} beak.", "A {v} bill."),
    "tail": ("The tail is {v}.", "It has a {v} tail.", "A {v} tail."),
    "pitch": ("The song is {v} pitched.", "It sings in a {v} voice.", "Its call sits {v}."),
    "sweep": ("Each note is {v}.", "The notes sound {v}.", "Its syllables are {v}."),
    "tempo": ("The song is {v}.", "It sings at a {v} pace.", "A {v} singer."),
    "notes": ("Phrases of {v} notes.", "It repeats {v} notes.", "Songs have {v} syllables."),
}

FILLERS = (
    "Seen near the water in spring.", "Often in small groups.", "Observed at dawn.",
    "Photographed in a park.", "Common in open woodland.", "It moves quickly between branches.",
    "Shy when people come close.", "Recorded on a calm morning.", "Feeds on seeds and insects.",
    "Perches on low shrubs.", "Nests in dense cover.", "Visits gardens in winter.",
)
OPENERS = ("This bird:", "Field notes.", "Description.", "A small songbird.", "Observed bird.")


def describe(traits: dict[str, str], rng: np.random.Generator, variation: float,
             mention: float = 0.8, length: tuple[int, int] = (170, 260)) -> str:
    """One description; `mention` is the chance each trait is named."""
    names = [t for t in PHRASES if rng.random() < mention] or [str(rng.choice(list(PHRASES)))]
    if variation > 0:
        names = list(rng.permutation(names))
    sentences = []
    for name in names:
        template = str(rng.choice(PHRASES[name]))
        value = traits[name]
        sentences.append(template.format(v=value, V=value.capitalize()))
    target = int(rng.integers(*length))
    fillers = list(rng.permutation(FILLERS))
    while sum(len(s) + 1 for s in sentences) < target and fillers:
        sentences.insert(int(rng.integers(0, len(sentences) + 1)), fillers.pop())
    return " ".join([str(rng.choice(OPENERS)), *sentences])
