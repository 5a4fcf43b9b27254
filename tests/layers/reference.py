"""NumPy references of the custom layers, written from the papers.

Float64, step by step, with none of the layers' tricks: the sLSTM and mLSTM
references use the paper's unstabilised equations (plain `exp` gates), so
matching them also checks that the stabiliser changes nothing.
"""

import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def block_diagonal(recurrent_kernel):
    """`[H, d, 4, d]` head blocks -> dense `[H*d, 4*H*d]`, gate-major."""
    heads, dim, gates, _ = recurrent_kernel.shape
    units = heads * dim
    dense = np.zeros((units, gates * units))
    for h in range(heads):
        rows = slice(h * dim, (h + 1) * dim)
        for g in range(gates):
            cols = slice(g * units + h * dim, g * units + (h + 1) * dim)
            dense[rows, cols] = recurrent_kernel[h, :, g, :]
    return dense


def slstm(x, weights, forget_gate="log_sigmoid"):
    """Beck et al. 2024 eqs. (8)-(15), unstabilised: returns h `[B, T, U]`.

    `weights`: kernel `[F, 4U]`, recurrent_kernel `[H, d, 4, d]`, bias.
    """
    kernel = weights["kernel"]
    recurrent = block_diagonal(weights["recurrent_kernel"])
    units = recurrent.shape[0]
    h, c, n = (np.zeros((x.shape[0], units)) for _ in range(3))
    outputs = []
    for t in range(x.shape[1]):
        pre = x[:, t] @ kernel + h @ recurrent + weights["bias"]
        i_pre, f_pre, z_pre, o_pre = np.split(pre, 4, axis=-1)
        f = sigmoid(f_pre) if forget_gate == "log_sigmoid" else np.exp(f_pre)
        i = np.exp(i_pre)
        c = f * c + i * np.tanh(z_pre)
        n = f * n + i
        h = sigmoid(o_pre) * c / n
        outputs.append(h)
    return np.stack(outputs, axis=1)


def mlstm(x, weights, num_heads, use_output_gate=True):
    """Beck et al. 2024 eqs. (19)-(27), unstabilised: h `[B, T, U]`.

    The fused kernel's columns are q, k, v, (o), i (per head), f (per head).
    """
    proj_all = x @ weights["kernel"] + weights["bias"]  # [B, T, W]
    heads = num_heads
    units = (proj_all.shape[-1] - 2 * heads) // (4 if use_output_gate else 3)
    dim = units // heads
    batch = x.shape[0]
    memory = np.zeros((batch, heads, dim, dim))
    normalizer = np.zeros((batch, heads, dim))
    outputs = []
    for t in range(x.shape[1]):
        proj = proj_all[:, t]
        q, k, v = (
            proj[:, j * units : (j + 1) * units].reshape(batch, heads, dim)
            for j in range(3)
        )
        k = k / np.sqrt(dim)
        i = np.exp(proj[:, -2 * heads : -heads])[:, :, None]  # [B, H, 1]
        f = sigmoid(proj[:, -heads:])[:, :, None]
        memory = f[..., None] * memory + i[..., None] * np.einsum(
            "bhv,bhk->bhvk", v, k
        )
        normalizer = f * normalizer + i * k
        numerator = np.einsum("bhvk,bhk->bhv", memory, q)
        denominator = np.maximum(
            np.abs(np.einsum("bhk,bhk->bh", normalizer, q)), 1.0
        )
        h = (numerator / denominator[..., None]).reshape(batch, units)
        if use_output_gate:
            h = sigmoid(proj[:, 3 * units : 4 * units]) * h
        outputs.append(h)
    return np.stack(outputs, axis=1)


def variant_lstm(x, weights, variant):
    """Greff et al. 2017, section 2 (vanilla) and section 3 (variants)."""
    gates = [g for g in "ifzo" if g != _dropped(variant)]
    units = weights["recurrent_kernel"].shape[0]
    peep = _peephole_names(variant)
    y, c = np.zeros((x.shape[0], units)), np.zeros((x.shape[0], units))
    prev = {g: np.zeros_like(c) for g in "ifo"}
    outputs = []
    for t in range(x.shape[1]):
        pre = x[:, t] @ weights["kernel"] + y @ weights["recurrent_kernel"]
        pre = dict(
            zip(
                gates,
                np.split(pre + weights["bias"], len(gates), -1),
                strict=True,
            )
        )
        if variant == "fgr":
            previous = np.concatenate([prev["i"], prev["f"], prev["o"]], -1)
            extra = np.split(previous @ weights["gate_recurrent_kernel"], 3, -1)
            for name, part in zip("ifo", extra, strict=True):
                pre[name] = pre[name] + part

        z = pre["z"] if variant == "niaf" else np.tanh(pre["z"])
        i = _gate(pre, "i", c, weights, peep)
        f = 1.0 - i if variant == "cifg" else _gate(pre, "f", c, weights, peep)
        c = z * i + c * f
        o = _gate(pre, "o", c, weights, peep)
        y = o * (c if variant == "noaf" else np.tanh(c))
        prev = {"i": i, "f": f, "o": o}
        outputs.append(y)
    return np.stack(outputs, axis=1)


def _gate(pre, name, cell, weights, peep):
    if name not in pre:
        return np.ones_like(cell)
    value = pre[name]
    if name in peep:
        value = value + weights["peephole_kernel"][peep.index(name)] * cell
    return sigmoid(value)


def _dropped(variant):
    return {"nig": "i", "nfg": "f", "cifg": "f", "nog": "o"}.get(variant)


def _peephole_names(variant):
    if variant == "np":
        return []
    return [g for g in "ifo" if g != _dropped(variant)]


def softmax(scores, mask=None):
    if mask is not None:
        scores = np.where(mask[:, None, :], scores, -np.inf)
    scores = scores - scores.max(axis=-1, keepdims=True)
    weights = np.exp(scores)
    return weights / weights.sum(axis=-1, keepdims=True)


def bahdanau(query, values, weights, mask=None):
    """Bahdanau et al. 2015, A.1.2: `v^T tanh(W s + U h)`; query [B,Tq,D]."""
    hidden = np.tanh(
        (query @ weights["query_kernel"])[:, :, None, :]
        + (values @ weights["key_kernel"])[:, None, :, :]
    )
    attention = softmax(hidden @ weights["score_vector"], mask)
    return attention @ values, attention


def luong(query, values, weights, score, mask=None):
    """Luong et al. 2015, eq. (8): dot `s^T h` or general `s^T W h`."""
    if score == "general":
        query = query @ weights["kernel"]
    attention = softmax(query @ values.transpose(0, 2, 1), mask)
    return attention @ values, attention
