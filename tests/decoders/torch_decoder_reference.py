"""Hand-written PyTorch 1.13 reference of GPT2LMHeadModel and LlamaForCausalLM for
tests/decoders/train_causal_lm_parity_test.cpp: reads a model folder (config.json +
model.safetensors, f32 or bf16 weights, held as f32 parameters) and a batch (input_ids,
attention_mask, labels), computes transformers' causal-LM loss (logits[:, :-1] against
labels[:, 1:], -100 ignored, mean) and the gradient of every parameter, and writes "loss"
and "grad.<parameter key>" to a safetensors file. A tied LM head is the embedding itself,
so its gradient is the sum of both uses.
Usage: torch_decoder_reference.py MODEL_DIR BATCH.safetensors OUT.safetensors"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F


def read_safetensors(path):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    body = data[8 + n:]
    out = {}
    for name, e in header.items():
        a, b = e["data_offsets"]
        raw = body[a:b]
        if e["dtype"] == "BF16":  # the upper half of an f32
            arr = (np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype={"F32": np.float32, "I64": np.int64}[e["dtype"]])
        out[name] = torch.from_numpy(arr.reshape(e["shape"]).copy())
    return out


def write_safetensors(path, tensors):
    header, chunks, offset = {}, [], 0
    for name, t in tensors.items():
        raw = t.detach().contiguous().numpy().astype(np.float32).tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(chunks))


def attend(q, k, v, heads, kv_heads, mask, scale):
    """Causal attention with padded keys hidden; kv heads shared by groups of query heads."""
    B, S, W = q.shape
    D = W // heads
    qh = q.view(B, S, heads, D).transpose(1, 2)
    kh = k.view(B, S, kv_heads, D).transpose(1, 2).repeat_interleave(heads // kv_heads, dim=1)
    vh = v.view(B, S, kv_heads, D).transpose(1, 2).repeat_interleave(heads // kv_heads, dim=1)
    s = qh @ kh.transpose(-1, -2) * scale
    hidden = torch.triu(torch.ones(S, S, dtype=torch.bool), 1)[None, None] | (mask[:, None, None, :] == 0)
    p = torch.softmax(s.masked_fill(hidden, float("-inf")), dim=-1)
    return (p @ vh).transpose(1, 2).reshape(B, S, W)


def gpt2(c, P, ids, mask):
    S = ids.shape[1]
    h = P["transformer.wte.weight"][ids] + P["transformer.wpe.weight"][torch.arange(S)]
    E, H = c["n_embd"], c["n_head"]
    eps = c.get("layer_norm_epsilon", 1e-5)
    k = math.sqrt(2.0 / math.pi)
    for i in range(c["n_layer"]):
        p = lambda n: P["transformer.h.%d.%s" % (i, n)]
        x = F.layer_norm(h, (E,), p("ln_1.weight"), p("ln_1.bias"), eps)
        qkv = x @ p("attn.c_attn.weight") + p("attn.c_attn.bias")  # Conv1D: weight [in, out]
        q, kk, v = qkv.split(E, dim=-1)
        h = h + attend(q, kk, v, H, H, mask, 1.0 / math.sqrt(E // H)) @ p("attn.c_proj.weight") + p("attn.c_proj.bias")
        x = F.layer_norm(h, (E,), p("ln_2.weight"), p("ln_2.bias"), eps)
        x = x @ p("mlp.c_fc.weight") + p("mlp.c_fc.bias")
        x = 0.5 * x * (1.0 + torch.tanh(k * (x + 0.044715 * torch.pow(x, 3.0))))  # gelu_new
        h = h + x @ p("mlp.c_proj.weight") + p("mlp.c_proj.bias")
    h = F.layer_norm(h, (E,), P["transformer.ln_f.weight"], P["transformer.ln_f.bias"], eps)
    return h @ P["transformer.wte.weight"].t()  # the head tied to the token embeddings


def rms_norm(x, w, eps):
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def rope(x, cos, sin, head_dim):
    B, S, W = x.shape
    xh = x.view(B, S, W // head_dim, head_dim)
    half = head_dim // 2
    rotated = torch.cat((-xh[..., half:], xh[..., :half]), dim=-1)
    return (xh * cos[None, :, None, :] + rotated * sin[None, :, None, :]).reshape(B, S, W)


def llama(c, P, ids, mask):
    S = ids.shape[1]
    H, Hkv = c["num_attention_heads"], c.get("num_key_value_heads") or c["num_attention_heads"]
    D = c.get("head_dim") or c["hidden_size"] // H
    eps = c.get("rms_norm_eps", 1e-6)
    theta = c.get("rope_parameters", {}).get("rope_theta", c.get("rope_theta", 10000.0))
    inv_freq = 1.0 / (theta ** (torch.arange(0, D, 2, dtype=torch.int64).float() / D))
    freqs = torch.arange(S).float()[:, None] * inv_freq[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()
    h = P["model.embed_tokens.weight"][ids]
    for i in range(c["num_hidden_layers"]):
        p = lambda n: P["model.layers.%d.%s" % (i, n)]
        x = rms_norm(h, p("input_layernorm.weight"), eps)
        q = rope(x @ p("self_attn.q_proj.weight").t(), cos, sin, D)
        k = rope(x @ p("self_attn.k_proj.weight").t(), cos, sin, D)
        v = x @ p("self_attn.v_proj.weight").t()
        h = h + attend(q, k, v, H, Hkv, mask, 1.0 / math.sqrt(D)) @ p("self_attn.o_proj.weight").t()
        x = rms_norm(h, p("post_attention_layernorm.weight"), eps)
        g = F.silu(x @ p("mlp.gate_proj.weight").t()) * (x @ p("mlp.up_proj.weight").t())
        h = h + g @ p("mlp.down_proj.weight").t()
    h = rms_norm(h, P["model.norm.weight"], eps)
    head = P["model.embed_tokens.weight"] if c.get("tie_word_embeddings") else P["lm_head.weight"]
    return h @ head.t()


def main():
    model_dir, batch_path, out_path = sys.argv[1:4]
    c = json.load(open(os.path.join(model_dir, "config.json")))
    P = {k: v.float().requires_grad_(True) for k, v in read_safetensors(os.path.join(model_dir, "model.safetensors")).items()
         if not k.endswith((".attn.bias", ".attn.masked_bias", "rotary_emb.inv_freq"))}
    batch = read_safetensors(batch_path)
    forward = {"gpt2": gpt2, "llama": llama}[c["model_type"]]
    logits = forward(c, P, batch["input_ids"], batch["attention_mask"])
    V = logits.shape[-1]
    loss = F.cross_entropy(logits[:, :-1].reshape(-1, V), batch["labels"][:, 1:].reshape(-1), ignore_index=-100)
    loss.backward()
    out = {"loss": loss.reshape(1)}
    for k, v in P.items():
        out["grad." + k] = v.grad if v.grad is not None else torch.zeros_like(v)
    write_safetensors(out_path, out)


if __name__ == "__main__":
    main()
