"""A synthetic keyword-spotting task shaped like the KWS input (49 frames × 10 MFCCs), split by speaker.

Stand-in for a recorded or synthesised keyword set (none exists in ``datasets/`` yet). Each of the
12 classes follows the Speech Commands convention — class 0 "silence", class 1 "unknown", classes
2..11 keywords. A keyword is a fixed sequence of 3–5 "phones" drawn from a shared inventory of
cepstral vectors, so classes share phones and only their order and durations tell them apart
(the network needs temporal context). Each device is a speaker with its own cepstral offset, gain,
speaking rate and label mix (Dirichlet, non-IID); every utterance gets a random onset, per-phone
duration jitter and noise. "unknown" is a random phone sequence; "silence" is noise only.

Features are standardised with the training set's global mean and standard deviation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from datasets.federated_dataset import FederatedDataset

__all__ = ["KeywordTaskConfig", "make_keyword_task"]

FRAMES, COEFFS, CLASSES = 49, 10, 12


@dataclass(frozen=True)
class KeywordTaskConfig:
    devices: int = 20
    samples_per_device: int = 200
    eval_samples: int = 1000
    phones: int = 16
    noise: float = 0.6
    speaker_spread: float = 0.6
    label_skew: float = 1.0  # Dirichlet concentration of each device's label mix (smaller = more skewed)
    seed: int = 0


def _utterance(rng: np.random.Generator, label: int, words: list[np.ndarray], inventory: np.ndarray,
               offset: np.ndarray, gain: float, rate: float, noise: float) -> np.ndarray:
    x = rng.normal(0.0, noise, (FRAMES, COEFFS))
    if label == 0:
        return x
    seq = words[label - 2] if label >= 2 else rng.integers(0, len(inventory), rng.integers(3, 6))
    durations = np.maximum(2, np.round(rate * rng.uniform(4.0, 8.0, len(seq)))).astype(int)
    total = int(durations.sum())
    t = int(rng.integers(0, max(1, FRAMES - total)))
    for phone, d in zip(seq, durations, strict=True):
        if t >= FRAMES:
            break
        end = min(FRAMES, t + d)
        ramp = np.sin(np.linspace(0.3, np.pi - 0.3, end - t))[:, None]  # smooth phone envelope
        x[t:end] += gain * ramp * (inventory[phone] + offset)
        t = end
    return x


def make_keyword_task(config: KeywordTaskConfig | None = None) -> FederatedDataset:
    """Per-speaker training data and a held-out evaluation set from unseen speakers."""
    cfg = config or KeywordTaskConfig()
    if cfg.devices < 1 or cfg.samples_per_device < 1 or cfg.eval_samples < 1:
        raise ValueError(f"keyword task: devices, samples_per_device and eval_samples must be >= 1, got {cfg}")
    rng = np.random.default_rng([cfg.seed, 0x4B57])
    inventory = rng.normal(0.0, 1.0, (cfg.phones, COEFFS))
    words = [rng.choice(cfg.phones, size=int(rng.integers(3, 6)), replace=True) for _ in range(CLASSES - 2)]

    def speaker(r: np.random.Generator) -> tuple[np.ndarray, float, float]:
        return r.normal(0.0, cfg.speaker_spread, COEFFS), float(r.uniform(0.7, 1.3)), float(r.uniform(0.75, 1.3))

    device_x, device_y = [], []
    for k in range(cfg.devices):
        r = np.random.default_rng([cfg.seed, 0x5D, k])
        offset, gain, rate = speaker(r)
        mix = r.dirichlet(np.full(CLASSES, cfg.label_skew))
        y = r.choice(CLASSES, size=cfg.samples_per_device, p=mix)
        x = np.stack([_utterance(r, int(lab), words, inventory, offset, gain, rate, cfg.noise) for lab in y])
        device_x.append(x)
        device_y.append(y.astype(np.int64))
    r = np.random.default_rng([cfg.seed, 0xE7A1])
    eval_y = r.integers(0, CLASSES, cfg.eval_samples)
    eval_x = []
    for lab in eval_y:
        offset, gain, rate = speaker(r)  # a new speaker per evaluation utterance
        eval_x.append(_utterance(r, int(lab), words, inventory, offset, gain, rate, cfg.noise))
    all_x = np.concatenate(device_x)
    mean, std = float(all_x.mean()), float(all_x.std()) or 1.0

    def norm(x: np.ndarray) -> np.ndarray:
        return ((x - mean) / std).astype(np.float32)[..., None]

    return FederatedDataset(
        name=f"synthetic-keywords(seed={cfg.seed},devices={cfg.devices})",
        device_x=[norm(x) for x in device_x],
        device_y=device_y,
        n_classes=CLASSES,
        device_names=[f"speaker-{k}" for k in range(cfg.devices)],
        eval_x=norm(np.stack(eval_x)),
        eval_y=eval_y.astype(np.int64),
    )
