"""Reference for tests/peft/lora_layers_test.cpp: LoRA on Embedding, Conv2d and GPT-2's Conv1D
computed in PyTorch (Debian's python3-torch 1.13) with the formulas of peft 0.21's
tuners/lora/layer.py, on base weights of the small model fixtures. Writes, per case, a peft
adapter folder (adapter_config.json + adapter_model.safetensors, peft's key names) and
reference.safetensors (inputs, outputs with the adapter, merged weights, gradients of
sum(output * upstream) for each factor).

Run once from the repository root: python3 tests/peft/make_lora_layers_reference.py"""
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(__file__), "..", "fixtures")
OUT = os.path.join(ROOT, "peft", "lora-layers")
DTYPES = {"F32": np.float32, "I64": np.int64}


def read_safetensors(path):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    body = data[8 + n:]
    out = {}
    for name, e in header.items():
        a, b = e["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(body[a:b], dtype=DTYPES[e["dtype"]]).reshape(e["shape"]).copy())
    return out


def write_safetensors(path, tensors, metadata=None):
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    # The safetensors library's layout: larger dtype alignment first, then by name; compact
    # JSON header, space-padded to 8 bytes (tests/io checks every fixture byte for byte).
    for name in sorted(tensors, key=lambda n: (tensors[n].dtype != torch.int64, n)):
        t = tensors[name].detach().contiguous()
        a = t.numpy().astype(np.int64 if t.dtype == torch.int64 else np.float32)
        raw = a.tobytes()
        dtype = "I64" if a.dtype == np.int64 else "F32"
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(chunks))


def write_adapter(name, config, factors):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    cfg = {"peft_type": "LORA", "task_type": None, "base_model_name_or_path": None, "bias": "none",
           "lora_dropout": 0.0, "init_lora_weights": True, "inference_mode": True, "modules_to_save": None}
    cfg.update(config)
    with open(os.path.join(d, "adapter_config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
    write_safetensors(os.path.join(d, "adapter_model.safetensors"),
                      {"base_model.model." + k: v for k, v in factors.items()}, {"format": "pt"})
    return d


def scaling(alpha, r, rslora):
    return alpha / math.sqrt(r) if rslora else alpha / r


def embedding_case(gen):
    # peft's lora.Embedding on BERT's word embeddings: A [r, vocab], B [dim, r];
    # out = base(x) + embedding(x, A^T) @ B^T * scaling; merged W += (B @ A)^T * scaling.
    base = read_safetensors(os.path.join(ROOT, "models", "bert-seqcls", "model.safetensors"))
    path = "bert.embeddings.word_embeddings"
    W = base[path + ".weight"]
    r, alpha = 4, 8
    s = scaling(alpha, r, False)
    A = torch.randn(r, W.shape[0], generator=gen).requires_grad_()
    B = torch.randn(W.shape[1], r, generator=gen).requires_grad_()
    # ids avoid BERT's padding_idx 0, whose column of A peft's lookup leaves without gradient.
    ids = torch.randint(1, W.shape[0], (2, 5), generator=gen)
    ids[1, 3] = ids[0, 1]  # a repeated id: its column of A accumulates two gradients
    out = F.embedding(ids, W) + (F.embedding(ids, A.T, padding_idx=0) @ B.T) * s
    up = torch.randn(out.shape, generator=gen)
    (out * up).sum().backward()
    # The merged table at the looked-up rows and the first and last (the whole table would
    # make the fixture half a megabyte).
    rows = torch.unique(torch.cat([ids.flatten(), torch.tensor([0, W.shape[0] - 1])]))
    merged = W + (B @ A).T.detach() * s
    ref = {"input": ids, "upstream": up, "output": out, "grad_A": A.grad, "grad_B": B.grad,
           "merged_rows": rows, "merged": merged[rows]}
    write_adapter("embedding", {"r": r, "lora_alpha": alpha, "target_modules": ["word_embeddings"]},
                  {path + ".lora_embedding_A": A, path + ".lora_embedding_B": B})
    return {"embedding": (path, ref)}


def conv2d_cases(gen):
    # peft's lora.Conv2d on ResNet convolutions: lora_A a conv with the base's kernel, stride
    # and padding to r channels, lora_B a 1x1 conv; out = base(x) + B(A(x)) * scaling; merged
    # delta: 1x1 kernels (B[:, :, 0, 0] @ A[:, :, 0, 0]), others conv2d(A^T, B)^T.
    base = read_safetensors(os.path.join(ROOT, "models", "resnet-imgcls", "model.safetensors"))
    layers = {  # path: (stride, padding)
        "resnet.embedder.embedder.convolution": (2, 3),
        "resnet.encoder.stages.1.layers.0.layer.1.convolution": (2, 1),
        "resnet.encoder.stages.1.layers.0.shortcut.convolution": (2, 0),
    }
    r, alpha = 2, 4
    s = scaling(alpha, r, True)
    factors, refs = {}, {}
    for path, (stride, padding) in layers.items():
        W = base[path + ".weight"]
        out_c, in_c, kh, kw = W.shape
        A = (torch.randn(r, in_c, kh, kw, generator=gen) * 0.3).requires_grad_()
        B = (torch.randn(out_c, r, 1, 1, generator=gen) * 0.3).requires_grad_()
        x = torch.randn(2, in_c, 9, 9, generator=gen)
        out = F.conv2d(x, W, stride=stride, padding=padding) + \
            F.conv2d(F.conv2d(x, A, stride=stride, padding=padding), B) * s
        up = torch.randn(out.shape, generator=gen)
        (out * up).sum().backward()
        with torch.no_grad():
            if (kh, kw) == (1, 1):
                delta = (B.squeeze(3).squeeze(2) @ A.squeeze(3).squeeze(2)).unsqueeze(2).unsqueeze(3) * s
            else:
                delta = F.conv2d(A.transpose(0, 1), B).transpose(0, 1) * s
        refs[path] = (path, {"input": x, "upstream": up, "output": out, "grad_A": A.grad, "grad_B": B.grad,
                             "merged": W + delta})
        factors[path + ".lora_A.weight"] = A
        factors[path + ".lora_B.weight"] = B
    write_adapter("conv2d", {"r": r, "lora_alpha": alpha, "use_rslora": True, "target_modules": list(layers)},
                  factors)
    return refs


def conv1d_case(gen):
    # peft's lora.Linear on GPT-2's Conv1D c_attn (weight [in, out]) with fan_in_fan_out:
    # out = x @ W + b + (x @ A^T @ B^T) * scaling; merged W += (B @ A)^T * scaling.
    base = read_safetensors(os.path.join(ROOT, "models", "gpt2-causal", "model.safetensors"))
    path = "transformer.h.0.attn.c_attn"
    W, bias = base[path + ".weight"], base[path + ".bias"]
    r, alpha = 4, 16
    s = scaling(alpha, r, False)
    A = (torch.randn(r, W.shape[0], generator=gen) * 0.2).requires_grad_()
    B = (torch.randn(W.shape[1], r, generator=gen) * 0.2).requires_grad_()
    x = torch.randn(2, 3, W.shape[0], generator=gen)
    out = x @ W + bias + (x @ A.T @ B.T) * s
    up = torch.randn(out.shape, generator=gen)
    (out * up).sum().backward()
    ref = {"input": x, "upstream": up, "output": out, "grad_A": A.grad, "grad_B": B.grad,
           "merged": W + (B @ A).T.detach() * s}
    write_adapter("conv1d", {"r": r, "lora_alpha": alpha, "fan_in_fan_out": True, "target_modules": ["c_attn"],
                             "layers_to_transform": [0]},
                  {path + ".lora_A.weight": A, path + ".lora_B.weight": B})
    return {"conv1d": (path, ref)}


def main():
    gen = torch.Generator().manual_seed(1234)
    cases = {}
    cases.update(embedding_case(gen))
    cases.update(conv2d_cases(gen))
    cases.update(conv1d_case(gen))
    tensors = {}
    for _, (path, ref) in cases.items():
        for k, v in ref.items():
            tensors[path + "/" + k] = v
    write_safetensors(os.path.join(OUT, "reference.safetensors"), tensors)


if __name__ == "__main__":
    main()
