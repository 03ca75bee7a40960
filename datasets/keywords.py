"""A small keyword-spotting data set synthesised offline with espeak-ng.

Each voice (an English accent with a voice variant) is one natural device.  Every device says each
keyword several times with its own pitch and speed jitter; each synthesised utterance is resampled
to 16 kHz, placed at a random offset in a 1 s clip, scaled and mixed with white noise at a random
SNR, then turned into 49 x 10 MFCCs.  The result is cached under ``harness.paths.cache_dir()``
keyed by the spec, so synthesis runs once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from scipy.io import wavfile
from scipy.signal import resample_poly

from datasets.federated_dataset import DatasetError, FederatedDataset
from datasets.mfcc import MfccConfig, mfcc
from harness.atomic_io import atomic_path

log = logging.getLogger(__name__)

KEYWORDS = ("yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go")
ACCENTS = ("en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-029", "en-us")
VARIANTS = ("m1", "f2", "m3", "f4", "adam", "Annie", "Andy", "Alicia", "m5", "f1", "m7", "f3", "klatt", "m2",
            "Belinda", "m4")


@dataclass(frozen=True)
class KeywordSpec:
    n_voices: int = 16
    utterances_per_keyword: int = 8  # per voice
    noise_snr_db: tuple[float, float] = (5.0, 30.0)
    pitch: tuple[int, int] = (25, 75)
    speed_wpm: tuple[int, int] = (120, 210)
    eval_fraction: float = 0.25
    seed: int = 0
    keywords: tuple[str, ...] = KEYWORDS
    mfcc: MfccConfig = field(default_factory=MfccConfig)

    def voices(self) -> list[str]:
        if not 1 <= self.n_voices <= len(VARIANTS):
            raise DatasetError(f"keyword spec: n_voices must be 1..{len(VARIANTS)}, got {self.n_voices}")
        return [f"{ACCENTS[i % len(ACCENTS)]}+{VARIANTS[i]}" for i in range(self.n_voices)]

    def key(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]


def synthesize(word: str, voice: str, pitch: int, speed: int, workdir: Path) -> tuple[int, np.ndarray]:
    """One espeak-ng utterance as (sample rate, float samples in [-1, 1])."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise DatasetError("keyword data set: espeak-ng is not installed (needed to synthesise speech)")
    fd, name = tempfile.mkstemp(suffix=".wav", dir=workdir)
    os.close(fd)
    try:
        proc = subprocess.run([exe, "-v", voice, "-p", str(pitch), "-s", str(speed), "-w", name, word],
                              capture_output=True, text=True, timeout=60)
        if proc.returncode != 0:
            raise DatasetError(f"espeak-ng failed for voice {voice!r}, word {word!r}: {proc.stderr.strip()}")
        rate, data = wavfile.read(name)
    finally:
        Path(name).unlink(missing_ok=True)
    if data.size == 0:
        raise DatasetError(f"espeak-ng produced no audio for voice {voice!r}, word {word!r}")
    return rate, data.astype(np.float64) / 32768.0


def place_in_clip(speech: np.ndarray, n_samples: int, snr_db: float, gain: float, rng: np.random.Generator) -> np.ndarray:
    """Random offset inside a fixed-length clip (cropped if longer), gain, and white noise at ``snr_db``."""
    speech = speech[:n_samples] * gain
    clip = np.zeros(n_samples)
    start = int(rng.integers(0, n_samples - len(speech) + 1))
    clip[start : start + len(speech)] = speech
    power = np.mean(speech**2) if len(speech) else 1e-8
    clip += rng.normal(0.0, np.sqrt(power / 10 ** (snr_db / 10)), n_samples)
    return clip


def _cache_path(spec: KeywordSpec) -> Path:
    from harness.paths import cache_dir

    return cache_dir() / "datasets" / f"keywords-{spec.key()}.npz"


def build_keyword_arrays(spec: KeywordSpec, progress: bool = True) -> dict[str, np.ndarray]:
    from tqdm import tqdm

    rng = np.random.default_rng(spec.seed)
    voices = spec.voices()
    jobs = []
    for v, voice in enumerate(voices):
        for label, word in enumerate(spec.keywords):
            for _ in range(spec.utterances_per_keyword):
                jobs.append((v, voice, label, word, int(rng.integers(*spec.pitch)), int(rng.integers(*spec.speed_wpm))))
    n_samples = spec.mfcc.sample_rate
    with tempfile.TemporaryDirectory(prefix="tinyhil-kws-") as tmp, ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(synthesize, word, voice, pitch, speed, Path(tmp)) for _, voice, _, word, pitch, speed in jobs]
        features, labels, groups = [], [], []
        for job, fut in tqdm(list(zip(jobs, futures, strict=True)), desc="espeak-ng keywords", disable=not progress,
                             leave=False):
            v, voice, label, _, _, _ = job
            rate, audio = fut.result()
            audio = resample_poly(audio, spec.mfcc.sample_rate, rate) if rate != spec.mfcc.sample_rate else audio
            clip = place_in_clip(audio, n_samples, float(rng.uniform(*spec.noise_snr_db)), float(rng.uniform(0.3, 1.0)), rng)
            features.append(mfcc(clip, spec.mfcc).astype(np.float32))
            labels.append(label)
            groups.append(v)
    return {"features": np.stack(features), "labels": np.array(labels, np.int64), "groups": np.array(groups, np.int64),
            "voices": np.array(voices)}


def load_keyword_dataset(spec: KeywordSpec | None = None, *, seed: int | None = None, progress: bool = True) -> FederatedDataset:
    """The federated keyword data set (one device per voice), synthesising and caching it if needed.
    Each device keeps ``1 - eval_fraction`` of its clips for training; the held-out clips of all
    devices form the evaluation set.  Features are standardised per coefficient with the training
    union's statistics and flattened to 490 values per clip."""
    spec = spec or KeywordSpec(seed=seed or 0)
    path = _cache_path(spec)
    if path.exists():
        with np.load(path, allow_pickle=False) as archive:
            arrays = {k: archive[k] for k in archive.files}
    else:
        log.info("synthesising keyword data set into %s", path)
        arrays = build_keyword_arrays(spec, progress=progress)
        with atomic_path(path, suffix=".npz") as tmp, tmp.open("wb") as fh:
            np.savez(fh, **arrays)
    x, y, groups = arrays["features"], arrays["labels"], arrays["groups"]
    voices = [str(v) for v in arrays["voices"]]
    rng = np.random.default_rng([spec.seed, 7])
    train_idx, eval_idx = [], []
    for v in range(len(voices)):
        idx = rng.permutation(np.flatnonzero(groups == v))
        cut = int(round(len(idx) * spec.eval_fraction))
        eval_idx.append(idx[:cut])
        train_idx.append(np.sort(idx[cut:]))
    all_train = np.concatenate(train_idx)
    mean = x[all_train].mean(axis=(0, 1))
    std = x[all_train].std(axis=(0, 1)) + 1e-6
    flat = ((x - mean) / std).reshape(len(x), -1).astype(np.float32)
    ev = np.concatenate(eval_idx)
    return FederatedDataset(
        name=f"keywords-{spec.key()}",
        device_x=[flat[i] for i in train_idx],
        device_y=[y[i] for i in train_idx],
        n_classes=len(spec.keywords),
        device_names=voices,
        eval_x=flat[ev],
        eval_y=y[ev],
    )
