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
    def __init__(self, structure: DSCNNStructure, seed: int = 0):
        """``structure.widths`` are the supernet's width options: the space's own, or a coarse
        subset of them (:func:`coarse_widths`) so that a distribution over few options can
        concentrate; a derived architecture then only uses widths of that subset."""
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
        return [self.stem_w, self.stem_b, *self.dw_w, *self.dw_b, *self.pw_w, *self.pw_b, self.fc_w, self.fc_b]

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

    def __call__(self, x: tf.Tensor, sample: ArchSample) -> tf.Tensor:
        s = self.structure
        h = tf.nn.conv2d(x, self.stem_w, list(s.stem_stride), "SAME") + self.stem_b
        m = self._mask(sample.stem)
        h = tf.nn.relu(h) * m
        for i, stride in enumerate(s.block_strides):
            d = tf.nn.depthwise_conv2d(h, self.dw_w[i], [1, stride, stride, 1], "SAME") + self.dw_b[i]
            d = tf.nn.relu(d) * m
            mw = self._mask(sample.width[i])
            p = tf.nn.conv2d(d, self.pw_w[i], 1, "SAME") * self._fan_in_scale(tf.reduce_sum(m)) + self.pw_b[i]
            p = tf.nn.relu(p) * mw
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

    def subnet_weights(self, choices: dict[str, Any]) -> list[np.ndarray]:
        """Weights of the derived architecture, sliced from the shared ones, in the order
        :mod:`search_space.dnas.subnet` uses: stem (w, b), per kept block (dw w, dw b, pw w, pw b),
        head (w, b)."""
        s = self.structure
        c = choices["stem.filters"]
        out = [self.stem_w.numpy()[..., :c], self.stem_b.numpy()[:c]]
        for i in range(s.n_blocks):
            if not choices[f"block{i + 1}.keep"]:
                continue
            w = choices[f"block{i + 1}.filters"]
            out += [self.dw_w[i].numpy()[:, :, :c, :], self.dw_b[i].numpy()[:c],
                    self.pw_w[i].numpy()[:, :, :c, :w] * self._fan_in_scale(c), self.pw_b[i].numpy()[:w]]
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
