"""The weight-sharing supernet of a DS-CNN space (FBNetV2-style channel masking), in TensorFlow.

One set of weights at the space's largest width (276): the stem conv, and per block a 3×3
depthwise and a 1×1 pointwise conv. A width decision with options w_1..w_K and Gumbel-softmax
weights z gives the channel mask m = Σ_k z_k·[c < w_k] (channel c is live when the chosen width
exceeds it), multiplied into the layer's output. A keep decision mixes the block with its skip
branch: out = z_keep·block(x) + z_drop·skip(x) (identity, or a 2×2 stride-2 'same' average pool
for a down-sampling block). The depthwise output is masked with the block's input mask so a
dead input channel stays dead. The head is global average pooling and a dense layer.

Architecture parameters are logits α per decision; ``sample(tau)`` draws Gumbel-softmax weights
(one draw per step, shared by the batch). Resource terms come from
:mod:`search_space.dnas.resources` on the sampled weights' expected widths.

The supernet has biases instead of batch norm, like the deployed int8 model, so a derived
architecture inherits its weights by slicing (:meth:`Supernet.subnet_weights`). To keep the
activation scale independent of the live width, the pointwise and head outputs are multiplied by
sqrt(cmax / live input channels) (He initialisation for fan-in cmax then equals He for the live
width); the derived weights have that factor folded in, so the subnet computes the same function.

Besides the Gumbel-softmax draws, :meth:`Supernet.sample_uniform` (a uniformly random discrete
subnet) and :meth:`Supernet.sample_largest` serve the weight warm-up of the search.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from search_space.dnas.resources import DSCNNStructure, ExpectedResources, expected_resources

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402

__all__ = ["Supernet", "ArchSample", "tf_expected_resources", "coarse_widths"]


def coarse_widths(widths: tuple[int, ...], n: int) -> tuple[int, ...]:
    """``n`` of ``widths`` (sorted), evenly spaced from the smallest to the largest; all of them
    when ``n`` is 0 or at least their number. (Even, not geometric, spacing: a geometric one spends
    half the options on widths of a few channels, which no model near a real latency budget uses
    and which, sampled during the warm-up, are bottlenecks that keep the shared weights from
    training.)"""
    ws = sorted(set(widths))
    if n <= 0 or n >= len(ws):
        return tuple(ws)
    if n < 2:
        raise ValueError(f"coarse_widths: expected n >= 2 options (or 0 for all), got {n}")
    picked: list[int] = []
    for t in np.linspace(ws[0], ws[-1], n):
        rest = [w for w in ws if w not in picked]
        picked.append(min(rest, key=lambda w: abs(w - t)))
    return tuple(sorted(picked))


@dataclass
class ArchSample:
    """Weights of one draw: stem width weights (K,), keep weights per block (2,) = (keep, drop),
    width weights per block (K,)."""

    stem: tf.Tensor
    keep: list[tf.Tensor]
    width: list[tf.Tensor]


def _tf_max(values: list[Any]) -> tf.Tensor:
    return tf.reduce_max(tf.stack([tf.cast(v, tf.float32) for v in values]))


def _tf_smooth_max(values: list[Any], tau: float) -> tf.Tensor:
    stacked = tf.stack([tf.cast(v, tf.float32) for v in values])
    return tau * tf.reduce_logsumexp(stacked / tau)


def tf_expected_resources(structure: DSCNNStructure, sample: ArchSample) -> ExpectedResources:
    widths = tf.constant(structure.widths, tf.float32)
    stem = tf.reduce_sum(sample.stem * widths)
    keep = [k[0] for k in sample.keep]
    ws = [tf.reduce_sum(w * widths) for w in sample.width]
    return expected_resources(structure, stem, keep, ws, hard_max=_tf_max, smooth_max=_tf_smooth_max)


class Supernet(tf.Module):
    def __init__(self, structure: DSCNNStructure, seed: int = 0, batch_norm: bool = False):
        """``structure.widths`` are the supernet's width options: the space's own, or a coarse
        subset of them (:func:`coarse_widths`) so that a distribution over few options can
        concentrate; a derived architecture then only uses widths of that subset.

        ``batch_norm``: every conv is followed by batch normalisation on the batch's statistics
        (always: subnets of different shapes have different statistics, so running averages shared
        between them would be wrong). Without it a dropped block hands the next layer features of
        another scale and the discrete subnets the search draws do not train; with it they do. The
        derived subnet gets the normalisation folded into its conv weights and biases, with
        statistics recomputed for that subnet alone (:meth:`subnet_weights` with calibration data),
        so the deployed graph still has no batch norm."""
        super().__init__(name="supernet")
        self.structure = structure
        rng = np.random.default_rng([seed, 0xD7A5])
        cmax = max(structure.widths)
        self.cmax = cmax
        k = len(structure.widths)
        kh, kw = structure.stem_kernel
        cin = structure.input_shape[2]

        def he(shape: tuple[int, ...], fan_in: int) -> tf.Variable:
            return tf.Variable(rng.normal(0, np.sqrt(2.0 / fan_in), shape).astype(np.float32))

        self.stem_w = he((kh, kw, cin, cmax), kh * kw * cin)
        self.stem_b = tf.Variable(np.zeros(cmax, np.float32))
        self.dw_w = [he((3, 3, cmax, 1), 9) for _ in structure.block_strides]
        self.dw_b = [tf.Variable(np.zeros(cmax, np.float32)) for _ in structure.block_strides]
        # Pointwise and head fan-in depend on the live input width c: the weights are initialised
        # for fan-in cmax and the layer's output is scaled by sqrt(cmax / c) (see ``_fan_in_scale``),
        # so every subnet starts He-initialised for its own width and keeps its activation scale
        # whatever the width (no batch norm here: the deployed graph has none).
        self.pw_w = [he((1, 1, cmax, cmax), cmax) for _ in structure.block_strides]
        self.pw_b = [tf.Variable(np.zeros(cmax, np.float32)) for _ in structure.block_strides]
        self.fc_w = tf.Variable(rng.normal(0, np.sqrt(1.0 / cmax), (cmax, structure.num_classes)).astype(np.float32))
        self.fc_b = tf.Variable(np.zeros(structure.num_classes, np.float32))
        self.batch_norm = batch_norm
        n = structure.n_blocks

        def ones() -> tf.Variable:
            return tf.Variable(np.ones(cmax, np.float32))

        def zeros() -> tf.Variable:
            return tf.Variable(np.zeros(cmax, np.float32))

        def pair() -> tuple[tf.Variable, tf.Variable] | None:
            return (ones(), zeros()) if batch_norm else None

        # (gamma, beta) per normalised conv, None without batch norm: stem, per block depthwise, pointwise
        self.bn_stem = pair()
        self.bn_dw = [pair() for _ in range(n)]
        self.bn_pw = [pair() for _ in range(n)]
        # Architecture logits: uniform start.
        self.alpha_stem = tf.Variable(np.zeros(k, np.float32), name="alpha_stem")
        self.alpha_keep = [tf.Variable(np.zeros(2, np.float32), name=f"alpha_keep{i}") for i in range(structure.n_blocks)]
        self.alpha_width = [tf.Variable(np.zeros(k, np.float32), name=f"alpha_width{i}") for i in range(structure.n_blocks)]
        # mask_table[k, c] = 1 when option k's width exceeds channel c.
        table = (np.arange(cmax)[None, :] < np.asarray(structure.widths)[:, None]).astype(np.float32)
        self.mask_table = tf.constant(table)

    # ---------------------------------------------------------------- variables
    @property
    def weight_variables(self) -> list[tf.Variable]:
        out = [self.stem_w, self.stem_b, *self.dw_w, *self.dw_b, *self.pw_w, *self.pw_b, self.fc_w, self.fc_b]
        for bn in [self.bn_stem, *self.bn_dw, *self.bn_pw]:
            out += list(bn or ())
        return out

    @property
    def arch_variables(self) -> list[tf.Variable]:
        return [self.alpha_stem, *self.alpha_keep, *self.alpha_width]

    # ---------------------------------------------------------------- sampling
    @staticmethod
    def _gumbel_softmax(logits: tf.Tensor, tau: tf.Tensor) -> tf.Tensor:
        u = tf.random.uniform(tf.shape(logits), 1e-6, 1.0 - 1e-6)
        g = -tf.math.log(-tf.math.log(u))
        return tf.nn.softmax((logits + g) / tau)

    @staticmethod
    def _straight_through(soft: tf.Tensor) -> tf.Tensor:
        hard = tf.one_hot(tf.argmax(soft), tf.shape(soft)[0], dtype=soft.dtype)
        return soft + tf.stop_gradient(hard - soft)

    def sample(self, tau: tf.Tensor, hard: bool = False) -> ArchSample:
        """One Gumbel-softmax draw; ``hard``: the forward pass sees the one-hot argmax of the draw
        (a discrete subnet), the gradient is the soft draw's (straight-through)."""
        draw = ArchSample(self._gumbel_softmax(self.alpha_stem, tau),
                          [self._gumbel_softmax(a, tau) for a in self.alpha_keep],
                          [self._gumbel_softmax(a, tau) for a in self.alpha_width])
        if not hard:
            return draw
        st = self._straight_through
        return ArchSample(st(draw.stem), [st(k) for k in draw.keep], [st(w) for w in draw.width])

    def sample_uniform(self) -> ArchSample:
        """A uniformly random discrete subnet (one-hot per decision), independent of α: the
        weight warm-up trains the shared weights on these."""
        s = self.structure
        k = len(s.widths)

        def hot(n: int) -> tf.Tensor:
            return tf.one_hot(tf.random.uniform([], 0, n, tf.int32), n)

        return ArchSample(hot(k), [hot(2) for _ in range(s.n_blocks)], [hot(k) for _ in range(s.n_blocks)])

    def sample_largest(self) -> ArchSample:
        """Every block kept at the widest option (the sandwich rule's upper bound)."""
        s = self.structure
        k = len(s.widths)
        top = tf.one_hot(k - 1, k)
        return ArchSample(top, [tf.constant([1.0, 0.0]) for _ in range(s.n_blocks)], [top for _ in range(s.n_blocks)])

    def bias_towards_largest(self, strength: float, keep_logit: float) -> None:
        """Start the architecture distribution at the largest network: width logits rise linearly
        from 0 (narrowest option) to ``strength`` (widest), keep logits (``keep_logit``, 0). The
        search then shrinks from networks whose shared weights the largest-net warm-up trained,
        instead of drawing from a uniform distribution whose typical subnet (a narrow bottleneck
        somewhere) those weights do not serve."""
        k = len(self.structure.widths)
        ramp = np.linspace(0.0, strength, k).astype(np.float32)
        self.alpha_stem.assign(ramp)
        for a in self.alpha_width:
            a.assign(ramp)
        for a in self.alpha_keep:
            a.assign(np.array([keep_logit, 0.0], np.float32))

    def probabilities(self) -> ArchSample:
        """softmax(α): the architecture distribution (no noise, no temperature)."""
        return ArchSample(tf.nn.softmax(self.alpha_stem), [tf.nn.softmax(a) for a in self.alpha_keep],
                          [tf.nn.softmax(a) for a in self.alpha_width])

    def one_hot(self, choices: dict[str, Any]) -> ArchSample:
        """The sample that puts all weight on one architecture's choices."""
        s = self.structure
        k = len(s.widths)

        def hot(width: int) -> tf.Tensor:
            return tf.one_hot(s.widths.index(width), k)

        keep = [tf.constant([1.0, 0.0] if choices[f"block{i}.keep"] else [0.0, 1.0]) for i in range(1, s.n_blocks + 1)]
        return ArchSample(hot(choices["stem.filters"]), keep,
                          [hot(choices[f"block{i}.filters"]) for i in range(1, s.n_blocks + 1)])

    # ---------------------------------------------------------------- forward
    def _mask(self, z: tf.Tensor) -> tf.Tensor:
        return tf.linalg.matvec(self.mask_table, z, transpose_a=True)  # (cmax,)

    def _fan_in_scale(self, live: Any) -> Any:
        """sqrt(cmax / live input channels): folded into the derived weights by :meth:`subnet_weights`."""
        return tf.sqrt(float(self.cmax) / tf.maximum(live, 1.0)) if isinstance(live, tf.Tensor) \
            else float(np.sqrt(self.cmax / max(float(live), 1.0)))

    _BN_EPSILON = 1e-3

    def _normalise(self, h: tf.Tensor, bn: tuple[tf.Variable, tf.Variable] | None,
                   stats: list[tuple[np.ndarray, np.ndarray]] | None) -> tf.Tensor:
        """Batch norm on the batch's statistics (identity without ``batch_norm``); ``stats``
        collects (mean, variance) per normalised layer (eager calls, for folding)."""
        if bn is None:
            return h
        mean, var = tf.nn.moments(h, axes=[0, 1, 2])
        if stats is not None:
            stats.append((mean.numpy(), var.numpy()))
        return tf.nn.batch_normalization(h, mean, var, bn[1], bn[0], self._BN_EPSILON)

    def __call__(self, x: tf.Tensor, sample: ArchSample,
                 stats: list[tuple[np.ndarray, np.ndarray]] | None = None) -> tf.Tensor:
        s = self.structure
        h = tf.nn.conv2d(x, self.stem_w, list(s.stem_stride), "SAME") + self.stem_b
        m = self._mask(sample.stem)
        h = tf.nn.relu(self._normalise(h, self.bn_stem, stats)) * m
        for i, stride in enumerate(s.block_strides):
            d = tf.nn.depthwise_conv2d(h, self.dw_w[i], [1, stride, stride, 1], "SAME") + self.dw_b[i]
            d = tf.nn.relu(self._normalise(d, self.bn_dw[i], stats)) * m
            mw = self._mask(sample.width[i])
            p = tf.nn.conv2d(d, self.pw_w[i], 1, "SAME") * self._fan_in_scale(tf.reduce_sum(m)) + self.pw_b[i]
            p = tf.nn.relu(self._normalise(p, self.bn_pw[i], stats)) * mw
            skip = h if stride == 1 else tf.nn.avg_pool2d(h, 2, stride, "SAME")
            zk = sample.keep[i]
            h = zk[0] * p + zk[1] * skip
            m = zk[0] * mw + zk[1] * m
        pooled = tf.reduce_mean(h, axis=[1, 2])
        return tf.matmul(pooled, self.fc_w) * self._fan_in_scale(tf.reduce_sum(m)) + self.fc_b

    # ---------------------------------------------------------------- derivation
    def argmax_choices(self) -> dict[str, Any]:
        s = self.structure
        out: dict[str, Any] = {"stem.filters": s.widths[int(tf.argmax(self.alpha_stem))]}
        for i in range(s.n_blocks):
            out[f"block{i + 1}.keep"] = bool(int(tf.argmax(self.alpha_keep[i])) == 0)
            out[f"block{i + 1}.filters"] = s.widths[int(tf.argmax(self.alpha_width[i]))]
        return out

    def expected_choices(self) -> dict[str, Any]:
        """The architecture of the distribution's expectation: each width decision the option
        nearest to Σ p_k·w_k, each block kept when p(keep) > 1/2. Unlike the argmax it does not jump
        between distant modes of a multi-modal distribution over the (ordered) widths, and it is
        the point at which the resource terms are evaluated."""
        s = self.structure
        widths = np.asarray(s.widths, np.float64)
        probs = self.probabilities()

        def nearest(p: tf.Tensor) -> int:
            return int(widths[int(np.argmin(np.abs(widths - float(np.dot(p.numpy(), widths)))))])

        out: dict[str, Any] = {"stem.filters": nearest(probs.stem)}
        for i in range(s.n_blocks):
            out[f"block{i + 1}.keep"] = bool(float(probs.keep[i][0]) > 0.5)
            out[f"block{i + 1}.filters"] = nearest(probs.width[i])
        return out

    def subnet_weights(self, choices: dict[str, Any], calibration_x: np.ndarray | None = None,
                       batch: int = 1024) -> list[np.ndarray]:
        """Weights of the derived architecture, sliced from the shared ones, in the order
        :mod:`search_space.dnas.subnet` uses: stem (w, b), per kept block (dw w, dw b, pw w, pw b),
        head (w, b). With ``batch_norm`` the normalisation is folded in, on the statistics of the
        subnet alone over ``calibration_x`` (required then; its first ``batch`` inputs)."""
        s = self.structure
        folds: list[tuple[np.ndarray, np.ndarray]] = []
        if self.batch_norm:
            if calibration_x is None:
                raise ValueError("subnet_weights: a batch-norm supernet needs calibration inputs to fold "
                                 "the subnet's statistics")
            stats: list[tuple[np.ndarray, np.ndarray]] = []
            self(tf.constant(np.asarray(calibration_x[:batch], np.float32)), self.one_hot(choices), stats)
            layers = [self.bn_stem] + [pair for i in range(s.n_blocks) for pair in (self.bn_dw[i], self.bn_pw[i])]
            for (gamma, beta), (mean, var) in zip(layers, stats, strict=True):
                scale = gamma.numpy() / np.sqrt(var + self._BN_EPSILON)
                folds.append((scale, beta.numpy() - mean * scale))

        def fold(index: int, w: np.ndarray, b: np.ndarray, channels: int, axis: int) -> tuple[np.ndarray, np.ndarray]:
            """conv (w, b) then batch norm ``index`` == conv (w·scale, b·scale + shift) per output channel."""
            if not folds:
                return w, b
            scale, shift = folds[index][0][:channels], folds[index][1][:channels]
            shape = [1] * w.ndim
            shape[axis] = channels
            return (w * scale.reshape(shape)).astype(np.float32), (b * scale + shift).astype(np.float32)

        c = choices["stem.filters"]
        out = list(fold(0, self.stem_w.numpy()[..., :c], self.stem_b.numpy()[:c], c, 3))
        for i in range(s.n_blocks):
            if not choices[f"block{i + 1}.keep"]:
                continue
            w = choices[f"block{i + 1}.filters"]
            out += [*fold(1 + 2 * i, self.dw_w[i].numpy()[:, :, :c, :], self.dw_b[i].numpy()[:c], c, 2),
                    *fold(2 + 2 * i, self.pw_w[i].numpy()[:, :, :c, :w] * self._fan_in_scale(c),
                          self.pw_b[i].numpy()[:w], w, 3)]
            c = w
        out += [self.fc_w.numpy()[:c] * self._fan_in_scale(c), self.fc_b.numpy()]
        return out

    def distribution(self) -> dict[str, list[float]]:
        """softmax(α) per decision, JSON-ready."""
        s = self.structure
        probs = self.probabilities()
        out = {"stem.filters": np.round(probs.stem.numpy(), 4).tolist()}
        for i in range(s.n_blocks):
            out[f"block{i + 1}.keep"] = round(float(probs.keep[i][0]), 4)
            out[f"block{i + 1}.filters"] = np.round(probs.width[i].numpy(), 4).tolist()
        return out
