from __future__ import annotations

import numpy as np
import pytest

from datasets.mfcc import MfccConfig, hz_to_mel, mel_filterbank, mel_to_hz, mfcc


def test_one_second_gives_49_by_10():
    cfg = MfccConfig()
    assert (cfg.frame_length, cfg.stride, cfg.n_fft) == (640, 320, 1024)
    out = mfcc(np.random.default_rng(0).normal(size=16000), cfg)
    assert out.shape == (49, 10)


def test_filterbank_and_tone_energy_land_in_the_right_band():
    cfg = MfccConfig()
    bank = mel_filterbank(cfg)
    assert bank.shape == (513, 40) and bank.max() <= 1.0 and np.all(bank.sum(axis=0) > 0)
    np.testing.assert_allclose(mel_to_hz(hz_to_mel([100.0, 1000.0, 4000.0])), [100.0, 1000.0, 4000.0])
    t = np.arange(16000) / 16000
    for freq in (300.0, 2500.0):
        tone = np.sin(2 * np.pi * freq * t)
        frames = tone[:640] * np.hanning(640)
        mel_energy = (np.abs(np.fft.rfft(frames, 1024)) ** 2) @ bank
        centre = mel_to_hz(np.linspace(hz_to_mel(20.0), hz_to_mel(4000.0), 42))[1:-1]
        assert abs(centre[np.argmax(mel_energy)] - freq) < 0.1 * freq
    # a louder copy of broadband audio shifts every log-mel energy by the same constant, which the
    # orthonormal DCT puts into coefficient 0 only
    noise = np.random.default_rng(1).normal(size=16000)
    quiet, loud = mfcc(noise), mfcc(10 * noise)
    np.testing.assert_allclose(loud[:, 1:], quiet[:, 1:], atol=1e-3)
    assert np.all(loud[:, 0] > quiet[:, 0])


def test_too_short_signal_is_rejected():
    with pytest.raises(ValueError, match="at least 640 samples"):
        mfcc(np.zeros(100))
