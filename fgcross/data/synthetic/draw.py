"""Drawing a bird of given traits with OpenCV: one picture, or one frame of a video.

A `Pose` says where the bird is and how it stands (position, scale, angle, facing, wing
flap); `draw_bird` paints the traits at that pose onto a background. Within a class only
pose, lighting and background change; between siblings only a trait or two.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import cv2
import numpy as np

from fgcross.data.synthetic.traits import COLORS

AA = cv2.LINE_AA
BODY_AXES = {"round": (0.33, 0.23), "slim": (0.4, 0.15), "stocky": (0.36, 0.2)}  # half length, half height


@dataclass(frozen=True)
class Pose:
    cx: float  # centre, in pixels
    cy: float
    scale: float  # body length, in pixels
    angle: float  # degrees, counter-clockwise
    facing: int  # +1 right, -1 left
    flap: float = 0.0  # wing raise, degrees
    light: float = 1.0  # brightness factor


def random_pose(size: int, rng: np.random.Generator, variation: float) -> Pose:
    """A pose that keeps the bird inside the frame; `variation` widens the spread."""
    scale = size * (0.55 + 0.25 * variation * (rng.random() - 0.5))
    margin = scale * 0.55
    spread = 0.3 + 0.7 * variation
    cx = size / 2 + (rng.random() - 0.5) * spread * max(size - 2 * margin, 0)
    cy = size / 2 + (rng.random() - 0.5) * spread * max(size - 2 * margin, 0)
    return Pose(
        cx=cx,
        cy=cy,
        scale=scale,
        angle=float(rng.normal(0, 12 * variation)),
        facing=1 if rng.random() < 0.5 else -1,
        flap=float(rng.uniform(-10, 25)),
        light=float(1 + rng.uniform(-0.18, 0.18) * variation),
    )


def background(size: int, rng: np.random.Generator, noise: float) -> np.ndarray:
    """A muted gradient with leaf-like blobs; `noise` adds clutter. Class independent."""
    top = rng.uniform(90, 210, 3)
    bottom = rng.uniform(60, 190, 3)
    t = np.linspace(0, 1, size, dtype=np.float32)[:, None, None]
    img = (top * (1 - t) + bottom * t).repeat(size, axis=1).astype(np.float32)
    img = np.ascontiguousarray(img.astype(np.uint8))
    for _ in range(int(rng.integers(2, 4 + int(14 * noise)))):
        colour = tuple(int(c) for c in rng.uniform(50, 200, 3))
        centre = (int(rng.integers(0, size)), int(rng.integers(0, size)))
        axes = (int(rng.integers(size // 20 + 1, size // 6 + 2)), int(rng.integers(size // 30 + 1, size // 10 + 2)))
        cv2.ellipse(img, centre, axes, float(rng.uniform(0, 180)), 0, 360, colour, -1, AA)
    if noise > 0:
        grain = rng.normal(0, 10 * noise, img.shape)
        img = np.clip(img + grain, 0, 255).astype(np.uint8)
    return img


class _Frame:
    """Maps the bird's local units (body length 1, facing right, y down) to pixels."""

    def __init__(self, pose: Pose) -> None:
        self.p = pose
        a = math.radians(pose.angle)
        self.cos, self.sin = math.cos(a), math.sin(a)

    def pt(self, x: float, y: float) -> tuple[int, int]:
        x *= self.p.facing
        rx = x * self.cos + y * self.sin
        ry = -x * self.sin + y * self.cos
        return int(round(self.p.cx + rx * self.p.scale)), int(round(self.p.cy + ry * self.p.scale))

    def poly(self, points: list[tuple[float, float]]) -> np.ndarray:
        return np.array([self.pt(x, y) for x, y in points], dtype=np.int32)

    def length(self, v: float) -> int:
        return max(1, int(round(v * self.p.scale)))

    def angle(self, a: float) -> float:
        """A local angle (degrees) in image coordinates."""
        a = a if self.p.facing > 0 else 180 - a
        return a - self.p.angle


def _colour(name: str, light: float) -> tuple[int, int, int]:
    return tuple(int(min(255, max(0, c * light))) for c in COLORS[name])


def _tail(img: np.ndarray, f: _Frame, kind: str, colour) -> None:
    length = {"short": 0.22, "long": 0.45, "forked": 0.4}[kind]
    base = [(-0.3, -0.06), (-0.3, 0.06)]
    if kind == "forked":
        pts = [*base[:1], (-0.3 - length, -0.14), (-0.3 - length * 0.6, 0.0), (-0.3 - length, 0.14), base[1]]
    else:
        pts = [base[0], (-0.3 - length, -0.09), (-0.3 - length, 0.09), base[1]]
    cv2.fillPoly(img, [f.poly(pts)], colour, AA)


def _breast(img: np.ndarray, f: _Frame, kind: str, body_mask: np.ndarray, light: float) -> None:
    if kind == "plain":
        return
    layer = img.copy()
    dark = tuple(int(c * 0.35 * light) for c in (60, 50, 40))
    if kind == "spotted":
        for x, y in [(0.05, 0.05), (0.15, 0.02), (0.1, 0.1), (-0.02, 0.1), (0.2, 0.08), (0.0, 0.16), (0.12, 0.15)]:
            cv2.circle(layer, f.pt(x, y), f.length(0.028), dark, -1, AA)
    elif kind == "streaked":
        for x in (-0.05, 0.04, 0.13, 0.22):
            cv2.line(layer, f.pt(x, 0.02), f.pt(x - 0.03, 0.17), dark, f.length(0.025), AA)
    elif kind == "barred":
        for y in (0.03, 0.08, 0.13, 0.18):
            cv2.line(layer, f.pt(-0.1, y), f.pt(0.25, y), dark, f.length(0.022), AA)
    img[body_mask] = layer[body_mask]


def _beak(img: np.ndarray, f: _Frame, kind: str, light: float) -> None:
    colour = tuple(int(c * light) for c in (40, 150, 200))
    root_top, root_bot = (0.43, -0.2), (0.43, -0.13)
    if kind == "short":
        pts = [root_top, (0.53, -0.165), root_bot]
    elif kind == "long":
        pts = [root_top, (0.68, -0.16), root_bot]
    else:  # hooked
        pts = [root_top, (0.54, -0.19), (0.58, -0.13), (0.53, -0.15), root_bot]
    cv2.fillPoly(img, [f.poly(pts)], colour, AA)


def draw_bird(canvas: np.ndarray, traits: dict[str, str], pose: Pose) -> np.ndarray:
    """Paint the bird onto a copy of `canvas` (BGR uint8) and return it."""
    img = canvas.copy()
    f = _Frame(pose)
    light = pose.light
    body, wing, crown = (_colour(traits[k], light) for k in ("body", "wing", "crown"))
    legs = tuple(int(c * light) for c in (30, 60, 90))
    for x in (-0.04, 0.08):
        cv2.line(img, f.pt(x, 0.15), f.pt(x - 0.02, 0.33), legs, f.length(0.02), AA)
    _tail(img, f, traits["tail"], wing)
    mask_img = np.zeros(img.shape[:2], np.uint8)
    axes = tuple(f.length(v) for v in BODY_AXES[traits["shape"]])
    cv2.ellipse(img, f.pt(0.0, 0.0), axes, f.angle(0), 0, 360, body, -1, AA)
    cv2.ellipse(mask_img, f.pt(0.0, 0.0), axes, f.angle(0), 0, 360, 255, -1)
    lower = np.zeros_like(mask_img)
    cv2.fillPoly(lower, [f.poly([(-0.4, 0.0), (0.45, 0.0), (0.45, 0.3), (-0.4, 0.3)])], 255)
    _breast(img, f, traits["breast"], (mask_img > 0) & (lower > 0), light)
    # wing: an ellipse on the back, hinged at its front end, raised by `flap`
    hinge = (0.1, -0.05)
    wing_angle = math.radians(-pose.flap)
    cx = hinge[0] - 0.2 * math.cos(wing_angle)
    cy = hinge[1] - 0.2 * math.sin(-wing_angle)
    cv2.ellipse(img, f.pt(cx, cy), (f.length(0.24), f.length(0.09)), f.angle(pose.flap), 0, 360, wing, -1, AA)
    cv2.ellipse(img, f.pt(cx, cy), (f.length(0.24), f.length(0.09)), f.angle(pose.flap), 0, 360,
                tuple(int(c * 0.6) for c in wing), max(1, f.length(0.012)), AA)
    head = f.pt(0.34, -0.17)
    r = f.length(0.13)
    cv2.circle(img, head, r, body, -1, AA)
    cv2.ellipse(img, head, (r, r), f.angle(0), 180, 360, crown, -1, AA)
    _beak(img, f, traits["beak"], light)
    eye = f.pt(0.38, -0.19)
    cv2.circle(img, eye, f.length(0.028), (20, 20, 20), -1, AA)
    return img


def flap_sequence(pose: Pose, frames: int, rng: np.random.Generator, noise: float) -> list[Pose]:
    """Poses of a bird that hops across the frame flapping, seen by a shaky camera."""
    size_hint = pose.scale / 0.55
    dx, dy = rng.uniform(-0.25, 0.25, 2) * size_hint
    rate = rng.uniform(1.5, 3.5)  # flaps per second-ish (per 8 frames)
    phase = rng.uniform(0, 2 * math.pi)
    poses = []
    for k in range(frames):
        t = k / max(frames - 1, 1)
        shake = rng.normal(0, 2.5 * noise, 2)
        poses.append(replace(
            pose,
            cx=pose.cx + dx * (t - 0.5) + shake[0],
            cy=pose.cy + dy * (t - 0.5) + shake[1],
            flap=20 + 30 * math.sin(phase + 2 * math.pi * rate * k / 8),
        ))
    return poses
