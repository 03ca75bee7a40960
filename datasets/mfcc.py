"""MFCC front end for keyword spotting (numpy/scipy only).

Default: 16 kHz audio, 40 ms Hann-windowed frames every 20 ms (49 frames per second of audio),
an FFT of the next power of two above the frame (1024 points), 40 mel filters between 20 Hz
and 4 kHz, log energies, orthonormal DCT-II, first 10 coefficients -> a 49 x 10 feature map.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.fft import dct, rfft


@dataclass(frozen=True)
class MfccConfig:
    sample_rate: int = 16000
    frame_ms: float = 40.0
    stride_ms: float = 20.0
    n_mels: int = 40
    n_coefficients: int = 10
    low_hz: float = 20.0
    high_hz: float = 4000.0

    @property
    def frame_length(self) -> int:
        return int(round(self.sample_rate * self.frame_ms / 1000))

    @property
    def stride(self) -> int:
        return int(round(self.sample_rate * self.stride_ms / 1000))

    @property
    def n_fft(self) -> int:
        return 1 << (self.frame_length - 1).bit_length()

    def n_frames(self, n_samples: int) -> int:
        return 1 + (n_samples - self.frame_length) // self.stride


def hz_to_mel(hz):
    return 2595.0 * np.log10(1.0 + np.asarray(hz) / 700.0)


def mel_to_hz(mel):
    return 700.0 * (10.0 ** (np.asarray(mel) / 2595.0) - 1.0)


@lru_cache(maxsize=8)
def mel_filterbank(cfg: MfccConfig) -> np.ndarray:
    """(n_fft/2 + 1) x n_mels triangular filters, equally spaced on the mel scale."""
    edges_hz = mel_to_hz(np.linspace(hz_to_mel(cfg.low_hz), hz_to_mel(cfg.high_hz), cfg.n_mels + 2))
    bins = np.fft.rfftfreq(cfg.n_fft, 1.0 / cfg.sample_rate)
    bank = np.zeros((len(bins), cfg.n_mels))
    for m in range(cfg.n_mels):
        lo, mid, hi = edges_hz[m], edges_hz[m + 1], edges_hz[m + 2]
        rising = (bins - lo) / (mid - lo)
        falling = (hi - bins) / (hi - mid)
        bank[:, m] = np.clip(np.minimum(rising, falling), 0.0, None)
    return bank


def mfcc(signal: np.ndarray, cfg: MfccConfig = MfccConfig()) -> np.ndarray:
    """MFCCs of a mono float signal: (n_frames, n_coefficients)."""
    signal = np.asarray(signal, dtype=np.float64)
    if signal.ndim != 1 or len(signal) < cfg.frame_length:
        raise ValueError(f"mfcc: need a 1-D signal of at least {cfg.frame_length} samples, got shape {signal.shape}")
    n = cfg.n_frames(len(signal))
    idx = np.arange(cfg.frame_length)[None, :] + cfg.stride * np.arange(n)[:, None]
    frames = signal[idx] * np.hanning(cfg.frame_length)
    power = np.abs(rfft(frames, n=cfg.n_fft, axis=1)) ** 2 / cfg.n_fft
    log_mel = np.log(power @ mel_filterbank(cfg) + 1e-6)
    return dct(log_mel, type=2, norm="ortho", axis=1)[:, : cfg.n_coefficients]
