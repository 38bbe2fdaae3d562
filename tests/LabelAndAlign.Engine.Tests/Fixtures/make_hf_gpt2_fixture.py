#!/usr/bin/python3
"""Builds a tiny Hugging Face-style GPT-2 in plain PyTorch (HF module names, Conv1D (in, out)
weights, the causal-mask buffers `attn.bias` / `attn.masked_bias`) with seeded random weights,
writes it as safetensors by hand (no `safetensors`/`transformers` packages here) and records
PyTorch's logits for a fixed token list.

  /usr/bin/python3 make_hf_gpt2_fixture.py        (run from anywhere; writes beside this file)

Outputs (small, committed):
  hf_gpt2/           config.json, model.safetensors ("transformer." prefix, attn buffers, F32),
                     expected_logits.json {"tokens": [...], "logits": [[...] * V] * T}
  hf_gpt2_noprefix/  as the Hub's gpt2 ships: no prefix, plus a tied lm_head.weight
  hf_gpt2_f16/       F16 tensors; its expected_logits.json uses the F16-rounded weights in fp32
"""
import json, math, os, struct
import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
V, T, C, L, NH = 96, 32, 48, 2, 4
EPS = 1e-5
torch.manual_seed(1234)


def randn(*shape, std=1.0):
    return torch.randn(*shape, dtype=torch.float32) * std


sd = {}
sd["transformer.wte.weight"] = randn(V, C, std=0.5)
sd["transformer.wpe.weight"] = randn(T, C, std=0.2)
for i in range(L):
    h = f"transformer.h.{i}."
    sd[h + "ln_1.weight"] = 1 + randn(C, std=0.2)
    sd[h + "ln_1.bias"] = randn(C, std=0.1)
    sd[h + "attn.bias"] = torch.tril(torch.ones(T, T)).view(1, 1, T, T)
    sd[h + "attn.masked_bias"] = torch.tensor(-1e4)
    sd[h + "attn.c_attn.weight"] = randn(C, 3 * C, std=0.2)   # Conv1D: (in, out)
    sd[h + "attn.c_attn.bias"] = randn(3 * C, std=0.1)
    sd[h + "attn.c_proj.weight"] = randn(C, C, std=0.2)
    sd[h + "attn.c_proj.bias"] = randn(C, std=0.1)
    sd[h + "ln_2.weight"] = 1 + randn(C, std=0.2)
    sd[h + "ln_2.bias"] = randn(C, std=0.1)
    sd[h + "mlp.c_fc.weight"] = randn(C, 4 * C, std=0.2)
    sd[h + "mlp.c_fc.bias"] = randn(4 * C, std=0.1)
    sd[h + "mlp.c_proj.weight"] = randn(4 * C, C, std=0.1)
    sd[h + "mlp.c_proj.bias"] = randn(C, std=0.1)
sd["transformer.ln_f.weight"] = 1 + randn(C, std=0.2)
sd["transformer.ln_f.bias"] = randn(C, std=0.1)

TOKENS = torch.randint(0, V, (20,)).tolist()


def conv1d(x, w, b):  # HF Conv1D: x @ W + b with W (in, out)
    return x @ w + b


@torch.no_grad()
def forward(sd, tokens):
    g = lambda k: sd["transformer." + k]
    idx = torch.tensor(tokens)
    t = len(tokens)
    x = g("wte.weight")[idx] + g("wpe.weight")[:t]
    hs = C // NH
    for i in range(L):
        p = f"h.{i}."
        a = torch.nn.functional.layer_norm(x, (C,), g(p + "ln_1.weight"), g(p + "ln_1.bias"), EPS)
        qkv = conv1d(a, g(p + "attn.c_attn.weight"), g(p + "attn.c_attn.bias"))
        q, k, v = qkv.split(C, dim=-1)
        q, k, v = [z.view(t, NH, hs).transpose(0, 1) for z in (q, k, v)]
        att = (q @ k.transpose(-2, -1)) / math.sqrt(hs)
        mask = g(p + "attn.bias")[0, 0, :t, :t]
        att = att.masked_fill(mask == 0, float("-inf")).softmax(-1)
        y = (att @ v).transpose(0, 1).reshape(t, C)
        x = x + conv1d(y, g(p + "attn.c_proj.weight"), g(p + "attn.c_proj.bias"))
        m = torch.nn.functional.layer_norm(x, (C,), g(p + "ln_2.weight"), g(p + "ln_2.bias"), EPS)
        m = torch.nn.functional.gelu(conv1d(m, g(p + "mlp.c_fc.weight"), g(p + "mlp.c_fc.bias")), approximate="tanh")
        x = x + conv1d(m, g(p + "mlp.c_proj.weight"), g(p + "mlp.c_proj.bias"))
    x = torch.nn.functional.layer_norm(x, (C,), g("ln_f.weight"), g("ln_f.bias"), EPS)
    return x @ g("wte.weight").T


DTYPES = {torch.float32: ("F32", np.float32), torch.float16: ("F16", np.float16)}


def write_safetensors(path, tensors, metadata=None):
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name in sorted(tensors):
        t = tensors[name].contiguous()
        tag, np_type = DTYPES[t.dtype]
        raw = t.numpy().astype(np_type).astype(np.dtype(np_type).newbyteorder("<")).tobytes()
        header[name] = {"dtype": tag, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


CONFIG = {
    "model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": V, "n_positions": T, "n_ctx": T,
    "n_embd": C, "n_layer": L, "n_head": NH, "n_inner": None, "activation_function": "gelu_new",
    "layer_norm_epsilon": EPS, "resid_pdrop": 0.1, "embd_pdrop": 0.1, "attn_pdrop": 0.1,
    "bos_token_id": V - 1, "eos_token_id": V - 1, "task_specific_params": {"text-generation": {"do_sample": True}},
}


def emit(dirname, tensors, reference_sd):
    d = os.path.join(HERE, dirname)
    os.makedirs(d, exist_ok=True)
    write_safetensors(os.path.join(d, "model.safetensors"), tensors, {"format": "pt"})
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
    logits = forward(reference_sd, TOKENS)
    with open(os.path.join(d, "expected_logits.json"), "w") as f:
        json.dump({"tokens": TOKENS, "logits": [[float(v) for v in row] for row in logits.tolist()]}, f)


emit("hf_gpt2", sd, sd)
noprefix = {k[len("transformer."):]: v for k, v in sd.items()}
noprefix["lm_head.weight"] = sd["transformer.wte.weight"].clone()
emit("hf_gpt2_noprefix", noprefix, sd)
f16 = {k: v.half() for k, v in sd.items()}
emit("hf_gpt2_f16", f16, {k: v.float() for k, v in f16.items()})
print("tokens", TOKENS)
