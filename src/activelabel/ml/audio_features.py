"""Audio features: decode with soundfile, summarise log-mel and MFCC frames.

Each clip is decoded (WAV, FLAC, OGG/Vorbis — whatever libsndfile reads),
mixed to mono and resampled to ``sample_rate`` with a polyphase filter
(scipy). Frames of 25 ms every 10 ms are windowed (Hann), turned into a power
spectrum, a ``n_mels``-band mel spectrogram (log), and ``n_mfcc`` MFCCs
(DCT-II of the log-mel). The clip's vector is the mean and standard deviation
over time of the MFCCs, of their first differences (deltas), and of the
log-mel bands, plus log duration and RMS energy: a fixed-length summary of
clips of any length, ``4·n_mfcc + 2·n_mels + 2`` numbers.

Pass ``embed`` (a function from a list of ``(mono float32 waveform,
sample_rate)`` pairs to an array (n, d)) to use your own audio embedding.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from math import gcd
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import soundfile as sf
from scipy.fft import dct
from scipy.signal import resample_poly

from activelabel.exceptions import ConfigError, MediaError
from activelabel.ml.featurizer import Featurizer

__all__ = ["AudioFeaturizer", "audio_feature_vector", "load_audio", "mel_filterbank"]

F32 = npt.NDArray[np.float32]
AudioInput = str | Path | tuple[npt.NDArray[Any], int]


def load_audio(item: AudioInput, *, sample_rate: int) -> F32:
    """Decode a file (or take ``(waveform, rate)``) as mono float32 at ``sample_rate``."""
    if isinstance(item, tuple):
        data, rate = np.asarray(item[0], dtype=np.float32), int(item[1])
    else:
        try:
            data, rate = sf.read(str(item), dtype="float32", always_2d=False)
        except (sf.LibsndfileError, RuntimeError, OSError) as exc:
            raise MediaError(f"Cannot decode audio file {str(item)!r}: {exc}") from exc
    if data.ndim == 2:
        data = data.mean(axis=1)
    if rate != sample_rate and data.size:
        g = gcd(rate, sample_rate)
        data = resample_poly(data, sample_rate // g, rate // g).astype(np.float32)
    return np.asarray(data, dtype=np.float32)


def _hz_to_mel(hz: Any) -> Any:
    return 2595.0 * np.log10(1.0 + np.asarray(hz) / 700.0)


def _mel_to_hz(mel: Any) -> Any:
    return 700.0 * (10.0 ** (np.asarray(mel) / 2595.0) - 1.0)


def mel_filterbank(sample_rate: int, n_fft: int, n_mels: int) -> F32:
    """Triangular HTK-style mel filters, shape ``(n_mels, n_fft // 2 + 1)``."""
    mels = np.linspace(_hz_to_mel(0.0), _hz_to_mel(sample_rate / 2), n_mels + 2)
    hz = _mel_to_hz(mels)
    freqs = np.linspace(0, sample_rate / 2, n_fft // 2 + 1)
    bank = np.zeros((n_mels, freqs.size), dtype=np.float32)
    for m in range(n_mels):
        lo, mid, hi = hz[m], hz[m + 1], hz[m + 2]
        up = (freqs - lo) / max(mid - lo, 1e-9)
        down = (hi - freqs) / max(hi - mid, 1e-9)
        bank[m] = np.maximum(0, np.minimum(up, down))
    return bank


def audio_feature_vector(
    wave: F32, *, sample_rate: int, n_mels: int = 40, n_mfcc: int = 13
) -> F32:
    """The summary vector of one mono clip (see the module docstring)."""
    win = round(0.025 * sample_rate)
    hop = round(0.010 * sample_rate)
    n_fft = 1 << (win - 1).bit_length()
    if wave.size < win:
        wave = np.pad(wave, (0, win - wave.size))
    frames = np.lib.stride_tricks.sliding_window_view(wave, win)[::hop]
    spec = np.abs(np.fft.rfft(frames * np.hanning(win), n=n_fft)) ** 2
    logmel = np.log(spec @ mel_filterbank(sample_rate, n_fft, n_mels).T + 1e-10)
    mfcc = dct(logmel, type=2, axis=1, norm="ortho")[:, :n_mfcc]
    delta = np.diff(mfcc, axis=0) if mfcc.shape[0] > 1 else np.zeros_like(mfcc)
    duration = wave.size / sample_rate
    rms = float(np.sqrt(np.mean(wave**2))) if wave.size else 0.0
    return np.concatenate(
        [
            mfcc.mean(0),
            mfcc.std(0),
            delta.mean(0),
            delta.std(0),
            logmel.mean(0),
            logmel.std(0),
            [np.log(duration + 1e-3), np.log(rms + 1e-6)],
        ]
    ).astype(np.float32)


class AudioFeaturizer(Featurizer):
    """Fixed-length vectors for audio clips: MFCC/log-mel statistics or ``embed``.

    Parameters
    ----------
    sample_rate : int, default=16000
        Clips are resampled to this rate.
    n_mels : int, default=40
    n_mfcc : int, default=13
    embed : callable or None, default=None
        ``embed(list of (waveform, sample_rate)) -> array (n, d)``.
    """

    family: ClassVar[str] = "audio"

    def __init__(
        self,
        *,
        sample_rate: int = 16_000,
        n_mels: int = 40,
        n_mfcc: int = 13,
        embed: Callable[[list[tuple[F32, int]]], Any] | None = None,
    ) -> None:
        self.sample_rate = sample_rate
        self.n_mels = n_mels
        self.n_mfcc = n_mfcc
        self.embed = embed

    @property
    def persistable(self) -> bool:
        """A user function cannot be saved with skops, the built-in features can."""
        return self.embed is None

    def _raw(self, X: Sequence[AudioInput]) -> F32:
        for name in ("sample_rate", "n_mels", "n_mfcc"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(
                    f"The {name!r} parameter of AudioFeaturizer must be an int >= 1. "
                    f"Got {value!r} instead."
                )
        if self.n_mfcc > self.n_mels:
            raise ConfigError(
                f"The 'n_mfcc' parameter of AudioFeaturizer ({self.n_mfcc}) must not "
                f"exceed 'n_mels' ({self.n_mels})."
            )
        waves = [load_audio(it, sample_rate=self.sample_rate) for it in X]
        if not waves:
            raise ConfigError("AudioFeaturizer got no clips.")
        if self.embed is not None:
            out = np.asarray(
                self.embed([(w, self.sample_rate) for w in waves]), dtype=np.float32
            )
            if out.ndim != 2 or out.shape[0] != len(waves):
                raise ConfigError(
                    "The 'embed' function of AudioFeaturizer must return an array of "
                    f"shape ({len(waves)}, d); got {out.shape}."
                )
            return out
        return np.vstack(
            [
                audio_feature_vector(
                    w,
                    sample_rate=self.sample_rate,
                    n_mels=self.n_mels,
                    n_mfcc=self.n_mfcc,
                )
                for w in waves
            ]
        )

    def fit(self, X: Sequence[AudioInput], y: Any = None) -> AudioFeaturizer:
        """Learn the per-feature mean and scale."""
        self.fit_transform(X)
        return self

    def fit_transform(self, X: Sequence[AudioInput], y: Any = None, **_: Any) -> F32:
        """Compute features once, learn the scaling, return the scaled matrix."""
        raw = self._raw(X)
        self.mean_ = raw.mean(axis=0)
        std = raw.std(axis=0)
        self.scale_ = np.where(std > 1e-6, std, 1.0).astype(np.float32)
        return np.asarray((raw - self.mean_) / self.scale_, dtype=np.float32)

    def transform(self, X: Sequence[AudioInput]) -> F32:
        """Dense float32 features, one row per clip."""
        if not hasattr(self, "mean_"):
            raise ConfigError("AudioFeaturizer is not fitted yet; call fit first.")
        return np.asarray((self._raw(X) - self.mean_) / self.scale_, dtype=np.float32)
