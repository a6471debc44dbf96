"""Differential reference for tests/training/op_grad_torch_test.cpp: reads the cases the
C++ test wrote (inputs, upstream gradients, op descriptions) from a safetensors file, runs
each op and its backward in PyTorch (Debian's python3-torch), writes outputs and input
gradients to another safetensors file. Usage: torch_ops.py IN.safetensors OUT.safetensors"""
import json
import math
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

DTYPES = {"F32": np.float32, "I64": np.int64}


def read_safetensors(path):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    body = data[8 + n:]
    out = {}
    for name, e in header.items():
        a, b = e["data_offsets"]
        arr = np.frombuffer(body[a:b], dtype=DTYPES[e["dtype"]]).reshape(e["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out, meta


def write_safetensors(path, tensors):
    header, chunks, offset = {}, [], 0
    for name, t in tensors.items():
        a = t.detach().contiguous().numpy().astype(np.float32)
        raw = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(chunks))


def activation(name, x):
    k = math.sqrt(2.0 / math.pi)
    return {
        "linear": lambda: x,
        "gelu": lambda: F.gelu(x),
        "gelu_10": lambda: torch.clip(F.gelu(x), -10.0, 10.0),
        "gelu_new": lambda: 0.5 * x * (1.0 + torch.tanh(k * (x + 0.044715 * torch.pow(x, 3.0)))),
        "quick_gelu": lambda: x * torch.sigmoid(1.702 * x),
        "relu": lambda: F.relu(x),
        "relu2": lambda: torch.square(F.relu(x)),
        "relu6": lambda: F.relu6(x),
        "leaky_relu": lambda: F.leaky_relu(x, 0.01),
        "silu": lambda: F.silu(x),
        "mish": lambda: F.mish(x),
        "sigmoid": lambda: torch.sigmoid(x),
        "tanh": lambda: torch.tanh(x),
        "laplace": lambda: 0.5 * (1.0 + torch.erf((x - 0.707107) / (0.282095 * math.sqrt(2.0)))),
    }[name]()


def attention(q, k, v, heads, mask, causal):
    B, Sq, W = q.shape
    Sk, D = k.shape[1], W // heads
    split = lambda t, S: t.view(B, S, heads, D).transpose(1, 2)
    s = split(q, Sq) @ split(k, Sk).transpose(-1, -2) / math.sqrt(D)
    minimum = torch.finfo(torch.float32).min
    if mask is not None:
        s = s + (1.0 - mask[:, None, None, :].float()) * minimum
    if causal:
        s = s + torch.triu(torch.full((Sq, Sk), minimum), 1)
    p = torch.softmax(s, dim=-1)
    return (p @ split(v, Sk)).transpose(1, 2).reshape(B, Sq, W)


def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rotary(x, cos, sin, head_dim):
    """transformers' apply_rotary_pos_emb on x [B, S, H*head_dim]; partial when R < head_dim."""
    B, S, W = x.shape
    R = cos.shape[-1]
    xh = x.view(B, S, W // head_dim, head_dim)
    rot, rest = xh[..., :R], xh[..., R:]
    half = R // 2
    rotated = torch.cat((-rot[..., half:], rot[..., :half]), dim=-1)
    y = rot * cos[:, :, None, :] + rotated * sin[:, :, None, :]
    return torch.cat((y, rest), dim=-1).reshape(B, S, W)


def causal_attention(q, k, v, heads, kv_heads, mask, scale, window, softcap):
    B, Sq, W = q.shape
    Sk, D = k.shape[1], W // heads
    qh = q.view(B, Sq, heads, D).transpose(1, 2)
    kh = k.view(B, Sk, kv_heads, D).transpose(1, 2).repeat_interleave(heads // kv_heads, dim=1)
    vh = v.view(B, Sk, kv_heads, D).transpose(1, 2).repeat_interleave(heads // kv_heads, dim=1)
    s = qh @ kh.transpose(-1, -2) * scale
    if softcap > 0:
        s = softcap * torch.tanh(s / softcap)
    i = torch.arange(Sq)[:, None] + (Sk - Sq)
    j = torch.arange(Sk)[None, :]
    hidden = j > i
    if window > 0:
        hidden = hidden | (j <= i - window)
    hidden = hidden[None, None] | (mask[:, None, None, :] == 0 if mask is not None else False)
    p = torch.softmax(s.masked_fill(hidden, float("-inf")), dim=-1)
    return (p @ vh).transpose(1, 2).reshape(B, Sq, W)


def run(op, p, t):
    if op == "linear":
        return activation(p["act"], F.linear(t["x"], t["w"], t.get("b")))
    if op == "add":
        return t["a"] + t["b"]
    if op == "activation":
        return activation(p["act"], t["x"])
    if op == "layer_norm":
        x = t["x"] + t["r"] if "r" in t else t["x"]
        return F.layer_norm(x, (x.shape[-1],), t["w"], t["b"], p["eps"])
    if op == "softmax":
        return torch.softmax(t["x"], dim=p["dim"])
    if op == "embedding":
        return F.embedding(t["ids"], t["w"])
    if op == "attention":
        return attention(t["q"], t["k"], t["v"], p["heads"], t.get("mask"), p["causal"])
    if op == "rms_norm":
        return rms_norm(t["x"], t["w"], p["eps"])
    if op == "rotary":
        return rotary(t["x"], t["cos"], t["sin"], p["head_dim"])
    if op == "causal_attention":
        return causal_attention(t["q"], t["k"], t["v"], p["heads"], p["kv_heads"], t.get("mask"), p["scale"],
                                p["window"], p["softcap"])
    if op == "gated_activation":
        gate, up = t["x"].chunk(2, dim=-1)
        return activation(p["act"], gate) * up
    if op == "conv2d":
        y = F.conv2d(t["x"], t["w"], t.get("b"), stride=tuple(p["stride"]), padding=tuple(p["padding"]),
                     groups=p["groups"])
        return activation(p["act"], y)
    if op == "max_pool2d":
        return F.max_pool2d(t["x"], 3, 2, 1)
    if op == "adaptive_avg_pool2d":
        return F.adaptive_avg_pool2d(t["x"], tuple(p["size"]))
    if op == "patchify":
        x, k = t["x"], p["p"]
        B, C, H, W = x.shape
        x = x[:, :, : H // k * k, : W // k * k]
        x = x.reshape(B, C, H // k, k, W // k, k).permute(0, 2, 4, 1, 3, 5)
        return x.reshape(B, (H // k) * (W // k), C * k * k)
    if op == "batch_norm_train":
        return F.batch_norm(t["x"], t["rm"], t["rv"], t["w"], t["b"], training=True, momentum=p["momentum"],
                            eps=p["eps"])
    if op == "cross_entropy":
        return F.cross_entropy(t["logits"], t["labels"], ignore_index=-100, label_smoothing=p["smoothing"])
    if op == "mse_loss":
        return F.mse_loss(t["x"], t["y"])
    if op == "bce_with_logits":
        return F.binary_cross_entropy_with_logits(t["x"], t["y"])
    raise ValueError(op)


def optimizer_case(p, t):
    w = torch.nn.Parameter(t["w"].clone())
    if p["kind"] == "adamw":
        opt = torch.optim.AdamW([w], lr=p["lr"], betas=(0.9, 0.999), eps=1e-8, weight_decay=p["wd"])
    else:
        opt = torch.optim.SGD([w], lr=p["lr"], momentum=p["momentum"], nesterov=p["nesterov"], weight_decay=p["wd"])
    for i in range(p["steps"]):
        w.grad = t["g%d" % i].clone()
        opt.step()
    return {"out": w.detach()}


def main():
    inputs, meta = read_safetensors(sys.argv[1])
    cases = json.loads(meta["cases"])
    results = {}
    for name, c in cases.items():
        t = {k.split(".", 1)[1]: v for k, v in inputs.items() if k.split(".", 1)[0] == name}
        if c["op"] == "optimizer":
            for k, v in optimizer_case(c, t).items():
                results[name + "." + k] = v
            continue
        grads = [k for k in t if k not in ("gy", "ids", "labels", "mask", "rm", "rv", "cos", "sin")]
        for k in grads:
            t[k] = t[k].clone().requires_grad_(True)
        y = run(c["op"], c, t)
        y.backward(t["gy"] if "gy" in t else None)
        results[name + ".out"] = y
        if c["op"] == "batch_norm_train":  # updated in place by F.batch_norm
            results[name + ".running_mean"] = t["rm"]
            results[name + ".running_var"] = t["rv"]
        for k in grads:
            results[name + ".grad." + k] = t[k].grad
    write_safetensors(sys.argv[2], results)


if __name__ == "__main__":
    main()
