#!/usr/bin/python3
"""Writes gpt_golden.bin: a PyTorch GPT's state for GptTests (like llm.c's test_gpt2.c).

Run with Debian's torch:  /usr/bin/python3 make_gpt_golden.py   (from this folder)

Same architecture as LabelAndAlign.Engine.Model.Gpt: pre-LN blocks, GELU tanh, LayerNorm eps 1e-5,
tied LM head (logits = lnf · wteᵀ). Weights are random (seeded) and deliberately not the GPT-2 init
(LayerNorm weights and all biases are non-trivial) so that every gradient tensor is exercised.

Layout (little-endian):
  int32  magic 0x474F4C44 ("GOLD"), version 1
  int32  V, Tmax, C, L, NH, B, T, steps
  float32 lr, beta1, beta2, eps, weight_decay
  float32 params[P]            our ParameterTensors order (wte, wpe, ln1w, ..., lnfb), matrices (out, in)
  int32  tokens[B*T], targets[B*T]   (some targets are -100 = ignored)
  float32 logits[B*T*V], loss
  float32 grads[P]             same layout as params
  float32 step_losses[steps]   loss before each of `steps` AdamW steps (torch.optim.AdamW, defaults but lr)
"""
import math, struct, os
import torch, torch.nn as nn, torch.nn.functional as F

V, TMAX, C, L, NH, B, T, STEPS = 64, 16, 32, 2, 4, 2, 16, 10
LR, BETA1, BETA2, EPS, WD = 1e-3, 0.9, 0.999, 1e-8, 0.01
torch.manual_seed(1234)
torch.set_num_threads(1)

class Block(nn.Module):
    def __init__(s):
        super().__init__()
        s.ln1, s.ln2 = nn.LayerNorm(C, eps=1e-5), nn.LayerNorm(C, eps=1e-5)
        s.qkv, s.proj = nn.Linear(C, 3 * C), nn.Linear(C, C)
        s.fc, s.out = nn.Linear(C, 4 * C), nn.Linear(4 * C, C)
    def forward(s, x):
        b, t, c = x.shape
        q, k, v = s.qkv(s.ln1(x)).split(c, dim=2)
        q, k, v = [z.view(b, t, NH, c // NH).transpose(1, 2) for z in (q, k, v)]
        att = (q @ k.transpose(-2, -1)) / math.sqrt(c // NH)
        mask = torch.ones(t, t, dtype=torch.bool).tril()
        att = att.masked_fill(~mask, float("-inf")).softmax(-1)
        y = (att @ v).transpose(1, 2).contiguous().view(b, t, c)
        x = x + s.proj(y)
        return x + s.out(F.gelu(s.fc(s.ln2(x)), approximate="tanh"))

class GPT(nn.Module):
    def __init__(s):
        super().__init__()
        s.wte, s.wpe = nn.Embedding(V, C), nn.Embedding(TMAX, C)
        s.blocks = nn.ModuleList([Block() for _ in range(L)])
        s.lnf = nn.LayerNorm(C, eps=1e-5)
    def forward(s, idx):
        x = s.wte(idx) + s.wpe(torch.arange(idx.shape[1]))
        for blk in s.blocks: x = blk(x)
        return s.lnf(x) @ s.wte.weight.T

m = GPT()
with torch.no_grad():
    for name, p in m.named_parameters():
        if p.dim() == 2: p.normal_(0.0, 0.1)
        elif name.endswith("weight"): p.copy_(1.0 + 0.1 * torch.randn_like(p))   # LayerNorm gains
        else: p.normal_(0.0, 0.05)                                              # biases

def ours(t):
    """Tensors in our ParameterTensors order; per-layer tensors stacked (L, ...)."""
    bl = m.blocks
    st = lambda f: torch.stack([f(b) for b in bl])
    return [t(m.wte.weight), t(m.wpe.weight),
            t(st(lambda b: b.ln1.weight)), t(st(lambda b: b.ln1.bias)),
            t(st(lambda b: b.qkv.weight)), t(st(lambda b: b.qkv.bias)),
            t(st(lambda b: b.proj.weight)), t(st(lambda b: b.proj.bias)),
            t(st(lambda b: b.ln2.weight)), t(st(lambda b: b.ln2.bias)),
            t(st(lambda b: b.fc.weight)), t(st(lambda b: b.fc.bias)),
            t(st(lambda b: b.out.weight)), t(st(lambda b: b.out.bias)),
            t(m.lnf.weight), t(m.lnf.bias)]

def flat(tensors):
    return torch.cat([x.detach().reshape(-1).float() for x in tensors])

tokens = torch.randint(0, V, (B, T))
targets = torch.randint(0, V, (B, T))
targets[0, :5] = -100            # a "prompt" that takes no part in the loss
targets[1, -2:] = -100           # padding at the end of a row

params = flat(ours(lambda x: x))
logits = m(tokens)
loss = F.cross_entropy(logits.view(-1, V), targets.view(-1), ignore_index=-100)
m.zero_grad()
loss.backward()
# Gradients in our layout: the tied wte gradient already sums embedding and LM-head paths.
bl = m.blocks
stg = lambda f: torch.stack([f(b).grad for b in bl])
grads = flat([m.wte.weight.grad, m.wpe.weight.grad,
              stg(lambda b: b.ln1.weight), stg(lambda b: b.ln1.bias),
              stg(lambda b: b.qkv.weight), stg(lambda b: b.qkv.bias),
              stg(lambda b: b.proj.weight), stg(lambda b: b.proj.bias),
              stg(lambda b: b.ln2.weight), stg(lambda b: b.ln2.bias),
              stg(lambda b: b.fc.weight), stg(lambda b: b.fc.bias),
              stg(lambda b: b.out.weight), stg(lambda b: b.out.bias),
              m.lnf.weight.grad, m.lnf.bias.grad])
logits_out = logits.detach().reshape(-1)
loss_out = loss.item()

opt = torch.optim.AdamW(m.parameters(), lr=LR, betas=(BETA1, BETA2), eps=EPS, weight_decay=WD)
step_losses = []
for _ in range(STEPS):
    out = m(tokens)
    l = F.cross_entropy(out.view(-1, V), targets.view(-1), ignore_index=-100)
    step_losses.append(l.item())
    opt.zero_grad(set_to_none=True)
    l.backward()
    opt.step()

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gpt_golden.bin")
with open(path, "wb") as f:
    f.write(struct.pack("<2i", 0x474F4C44, 1))
    f.write(struct.pack("<8i", V, TMAX, C, L, NH, B, T, STEPS))
    f.write(struct.pack("<5f", LR, BETA1, BETA2, EPS, WD))
    f.write(params.numpy().astype("<f4").tobytes())
    f.write(tokens.reshape(-1).numpy().astype("<i4").tobytes())
    f.write(targets.reshape(-1).numpy().astype("<i4").tobytes())
    f.write(logits_out.numpy().astype("<f4").tobytes())
    f.write(struct.pack("<f", loss_out))
    f.write(grads.numpy().astype("<f4").tobytes())
    f.write(struct.pack(f"<{STEPS}f", *step_losses))
print(f"wrote {path}: {os.path.getsize(path)} bytes, params={params.numel()}, loss={loss_out:.6f}")
print("step losses:", " ".join(f"{x:.6f}" for x in step_losses))
