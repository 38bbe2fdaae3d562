"""Writes rl_fixture.json: random inputs (with masks and padding) and the outputs PyTorch computes
for the RL math in src/LabelAndAlign.Engine/Training/Rl and the CartPole dynamics in
src/LabelAndAlign.Engine/Rl/CartPole. Gradients come from torch autograd.

Run from this folder with the system interpreter (Debian torch 1.13):
    /usr/bin/python3 make_rl_fixture.py

The formulas are TRL's (PPOTrainer / GRPOTrainer, main mid-2026); where our C# deliberately
differs from TRL the difference is stated next to the reference code below.
"""
import json
import math

import torch

torch.manual_seed(1234)
F = torch.float32
out = {}


def flat(t):
    return [float(x) for x in t.detach().reshape(-1).tolist()]


# ---------------------------------------------------------------- masked statistics (TRL)
def masked_mean(values, mask):
    return (values * mask).sum() / mask.sum()


def masked_var(values, mask, unbiased=True):
    mean = masked_mean(values, mask)
    centered = values - mean
    variance = masked_mean(centered ** 2, mask)
    if unbiased:
        mask_sum = mask.sum()
        variance = variance * (mask_sum / (mask_sum - 1))
    return variance


def masked_whiten(values, mask, shift_mean=True):
    mean, var = masked_mean(values, mask), masked_var(values, mask)
    whitened = (values - mean) * torch.rsqrt(var + 1e-8)
    if not shift_mean:
        whitened += mean
    return whitened * mask  # we write 0 at masked positions (TRL masked_fill's them afterwards)


# A (B, T) mask with a left prompt region, right padding and one hole in the middle of a row.
B, T = 4, 7
mask = torch.ones(B, T, dtype=F)
mask[1, 5:] = 0          # right padding
mask[2, :2] = 0          # prompt on the left
mask[2, 6:] = 0
mask[3, 3] = 0           # a hole: the real tokens either side are consecutive steps

# ---------------------------------------------------------------- GAE, language-model rows
def gae_rows(rewards, values, mask, gamma, lam):
    adv = torch.zeros_like(rewards)
    ret = torch.zeros_like(rewards)
    for b in range(rewards.shape[0]):
        next_value = torch.tensor(0.0)
        last = torch.tensor(0.0)
        for t in reversed(range(rewards.shape[1])):
            if mask[b, t] == 0:
                continue
            delta = rewards[b, t] + gamma * next_value - values[b, t]
            last = delta + gamma * lam * last
            adv[b, t] = last
            ret[b, t] = last + values[b, t]
            next_value = values[b, t]
    return adv, ret


def gae_trl(rewards, values, gamma, lam):
    """TRL's loop verbatim; equals gae_rows when padding is only on the right and values/rewards are 0 there."""
    lastgaelam = 0
    advantages_reversed = []
    gen_length = rewards.shape[1]
    for t in reversed(range(gen_length)):
        nextvalues = values[:, t + 1] if t < gen_length - 1 else 0.0
        delta = rewards[:, t] + gamma * nextvalues - values[:, t]
        lastgaelam = delta + gamma * lam * lastgaelam
        advantages_reversed.append(lastgaelam)
    advantages = torch.stack(advantages_reversed[::-1], axis=1)
    return advantages, advantages + values


rewards = torch.randn(B, T, dtype=F) * 0.1
values = torch.randn(B, T, dtype=F)
gae_cases = []
for gamma, lam in [(1.0, 0.95), (0.99, 0.9)]:
    adv, ret = gae_rows(rewards, values, mask, gamma, lam)
    # Cross-check against TRL's own loop on the right-padded rows (0 and 1).
    trl_adv, trl_ret = gae_trl(rewards[:2] * mask[:2], values[:2] * mask[:2], gamma, lam)
    assert torch.allclose(trl_adv * mask[:2], adv[:2], atol=1e-6)
    gae_cases.append({"gamma": gamma, "lambda": lam, "advantages": flat(adv), "returns": flat(ret)})
out["gae"] = {"B": B, "T": T, "rewards": flat(rewards), "values": flat(values), "mask": flat(mask), "cases": gae_cases}

# ---------------------------------------------------------------- GAE, control segments (CleanRL's loop)
E, S = 3, 6
seg_rewards = torch.ones(E, S, dtype=F) + 0.1 * torch.randn(E, S, dtype=F)
seg_values = torch.randn(E, S, dtype=F) * 3
seg_dones = torch.zeros(E, S, dtype=F)
seg_dones[0, 2] = 1
seg_dones[1, 5] = 1
seg_dones[2, 0] = 1
seg_dones[2, 4] = 1
boot = torch.randn(E, dtype=F) * 3
gamma, lam = 0.98, 0.8
seg_adv = torch.zeros(E, S, dtype=F)
last = torch.zeros(E, dtype=F)
for t in reversed(range(S)):
    if t == S - 1:
        nextvalues = boot
    else:
        nextvalues = seg_values[:, t + 1]
    nonterminal = 1.0 - seg_dones[:, t]
    delta = seg_rewards[:, t] + gamma * nextvalues * nonterminal - seg_values[:, t]
    last = delta + gamma * lam * nonterminal * last
    seg_adv[:, t] = last
out["gae_segments"] = {"E": E, "T": S, "gamma": gamma, "lambda": lam, "rewards": flat(seg_rewards), "values": flat(seg_values),
                       "dones": flat(seg_dones), "bootstrap": flat(boot), "advantages": flat(seg_adv),
                       "returns": flat(seg_adv + seg_values)}

# ---------------------------------------------------------------- whitening
wv = torch.randn(B, T, dtype=F) * 2 + 0.7
out["whiten"] = {"values": flat(wv), "mask": flat(mask),
                 "mean": float(masked_mean(wv, mask)), "var_unbiased": float(masked_var(wv, mask)),
                 "var_biased": float(masked_var(wv, mask, unbiased=False)),
                 "whitened": flat(masked_whiten(wv, mask)), "whitened_keep_mean": flat(masked_whiten(wv, mask, shift_mean=False))}

# ---------------------------------------------------------------- PPO policy and value losses (TRL)
old_logp = -torch.rand(B, T, dtype=F) * 3
logp = (old_logp + torch.randn(B, T, dtype=F) * 0.3).requires_grad_(True)
adv = torch.randn(B, T, dtype=F)
cliprange = 0.2
logprobs_diff = logp - old_logp
ratio = torch.exp(logprobs_diff)
pg_losses = -adv * ratio
pg_losses2 = -adv * torch.clamp(ratio, 1.0 - cliprange, 1.0 + cliprange)
pg_loss_max = torch.max(pg_losses, pg_losses2)
pg_loss = masked_mean(pg_loss_max, mask)
pg_loss.backward()
out["ppo_policy"] = {"clip": cliprange, "logp": flat(logp), "old_logp": flat(old_logp), "advantages": flat(adv), "mask": flat(mask),
                     "loss": float(pg_loss), "grad": flat(logp.grad),
                     "clipfrac": float(masked_mean((pg_losses2 > pg_losses).float(), mask)),
                     # TRL averages these two over every position; we average over the masked tokens.
                     "approxkl": float(masked_mean(0.5 * logprobs_diff ** 2, mask)),
                     "ratio": float(masked_mean(ratio, mask))}

old_v = torch.randn(B, T, dtype=F)
vpred = (old_v + torch.randn(B, T, dtype=F) * 0.4).requires_grad_(True)
ret_v = old_v + torch.randn(B, T, dtype=F)
cliprange_value = 0.2
vpredclipped = torch.clamp(vpred, old_v - cliprange_value, old_v + cliprange_value)
vf_losses1 = torch.square(vpred - ret_v)
vf_losses2 = torch.square(vpredclipped - ret_v)
vf_loss_max = torch.max(vf_losses1, vf_losses2)
vf_loss = 0.5 * masked_mean(vf_loss_max, mask)
vf_loss.backward()
out["ppo_value"] = {"clip": cliprange_value, "values": flat(vpred), "old_values": flat(old_v), "returns": flat(ret_v), "mask": flat(mask),
                    "loss": float(vf_loss), "grad": flat(vpred.grad),
                    "clipfrac": float(masked_mean((vf_losses2 > vf_losses1).float(), mask))}

# ---------------------------------------------------------------- KL estimators
ref = -torch.rand(B, T, dtype=F) * 3
lp = (ref + torch.randn(B, T, dtype=F) * 0.5).requires_grad_(True)
upstream = torch.randn(B, T, dtype=F)
k1 = (lp - ref) * mask
k3 = (torch.exp(ref - lp) - (ref - lp) - 1) * mask
(g1,) = torch.autograd.grad((k1 * upstream).sum(), lp)
(g3,) = torch.autograd.grad((k3 * upstream).sum(), lp)
out["kl"] = {"logp": flat(lp), "ref_logp": flat(ref), "mask": flat(mask), "upstream": flat(upstream),
             "k1": flat(k1), "k3": flat(k3), "k1_grad": flat(g1), "k3_grad": flat(g3)}

# ---------------------------------------------------------------- GRPO advantages (TRL)
G = 4
grpo_rewards = torch.randn(3 * G, dtype=F)
grpo_rewards[G:2 * G] = 1.0  # a group with zero std (frac_reward_zero_std)
adv_cases = {}
for scale in ["group", "batch", "none"]:
    r = grpo_rewards
    mean_grouped = r.view(-1, G).mean(dim=1).repeat_interleave(G, dim=0)
    a = r - mean_grouped
    if scale in ["group", "none"]:
        std_rewards = r.view(-1, G).std(dim=1).repeat_interleave(G, dim=0)  # unbiased (n - 1)
    else:
        std_rewards = r.std().expand_as(r)
    is_std_zero = torch.isclose(std_rewards, torch.zeros_like(std_rewards))
    if scale != "none":
        a = a / (std_rewards + 1e-4)
    adv_cases[scale] = {"advantages": flat(a), "reward": float(r.mean()), "reward_std": float(std_rewards.mean()),
                        "frac_reward_zero_std": float(is_std_zero.float().mean())}
out["grpo_advantages"] = {"G": G, "rewards": flat(grpo_rewards), "cases": adv_cases}

# ---------------------------------------------------------------- GRPO loss (TRL _compute_loss)
GB, GT, max_len = 5, 6, 9
gmask = torch.ones(GB, GT, dtype=F)
gmask[0, 4:] = 0
gmask[2, 1:] = 0
gmask[3, 5:] = 0
g_old = -torch.rand(GB, GT, dtype=F) * 3
g_ref = g_old + torch.randn(GB, GT, dtype=F) * 0.3
g_logp0 = g_old + torch.randn(GB, GT, dtype=F) * 0.4
g_adv = torch.randn(GB, dtype=F)
loss_cases = []
for loss_type in ["grpo", "dr_grpo", "dapo"]:
    for beta in [0.0, 0.04]:
        for eps_low, eps_high in [(0.2, 0.2), (0.2, 0.28)]:
            per_token_logps = g_logp0.clone().requires_grad_(True)
            per_token_kl = torch.exp(g_ref - per_token_logps) - (g_ref - per_token_logps) - 1
            log_ratio = per_token_logps - g_old
            coef_1 = torch.exp(log_ratio)
            coef_2 = torch.clamp(coef_1, 1 - eps_low, 1 + eps_high)
            per_token_loss1 = coef_1 * g_adv.unsqueeze(1)
            per_token_loss2 = coef_2 * g_adv.unsqueeze(1)
            per_token_loss = -torch.min(per_token_loss1, per_token_loss2)
            if beta != 0.0:
                per_token_loss = per_token_loss + beta * per_token_kl
            if loss_type == "grpo":
                loss = ((per_token_loss * gmask).sum(-1) / gmask.sum(-1).clamp(min=1.0)).mean()
            elif loss_type == "dr_grpo":
                loss = (per_token_loss * gmask).sum() / (per_token_loss.size(0) * max_len)
            else:
                loss = (per_token_loss * gmask).sum() / gmask.sum()
            loss.backward()
            is_low = (coef_1 < 1 - eps_low) & (g_adv.unsqueeze(1) < 0)
            is_high = (coef_1 > 1 + eps_high) & (g_adv.unsqueeze(1) > 0)
            loss_cases.append({"loss_type": loss_type, "beta": beta, "epsilon": eps_low, "epsilon_high": eps_high,
                               "loss": float(loss), "grad": flat(per_token_logps.grad),
                               "kl": float(masked_mean(per_token_kl, gmask)),
                               "clip_low": float(masked_mean(is_low.float(), gmask)),
                               "clip_high": float(masked_mean(is_high.float(), gmask)),
                               "clip_region": float(masked_mean((is_low | is_high).float(), gmask))})
out["grpo_loss"] = {"B": GB, "T": GT, "max_completion_length": max_len, "logp": flat(g_logp0), "old_logp": flat(g_old),
                    "ref_logp": flat(g_ref), "advantages": flat(g_adv), "mask": flat(gmask), "cases": loss_cases}

# ---------------------------------------------------------------- CartPole-v1 dynamics (Gym/Gymnasium, float64 state)
gravity, masscart, masspole, length, force_mag, tau = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
total_mass = masspole + masscart
polemass_length = masspole * length
theta_threshold = 12 * 2 * math.pi / 360
x_threshold = 2.4


def cartpole_step(state, action):
    x, x_dot, theta, theta_dot = state
    force = force_mag if action == 1 else -force_mag
    costheta, sintheta = math.cos(theta), math.sin(theta)
    temp = (force + polemass_length * theta_dot ** 2 * sintheta) / total_mass
    thetaacc = (gravity * sintheta - costheta * temp) / (length * (4.0 / 3.0 - masspole * costheta ** 2 / total_mass))
    xacc = temp - polemass_length * thetaacc * costheta / total_mass
    x = x + tau * x_dot
    x_dot = x_dot + tau * xacc
    theta = theta + tau * theta_dot
    theta_dot = theta_dot + tau * thetaacc
    terminated = x < -x_threshold or x > x_threshold or theta < -theta_threshold or theta > theta_threshold
    return [x, x_dot, theta, theta_dot], terminated


gen = torch.Generator().manual_seed(7)
trajectories = []
for k in range(3):
    state = [float(v) for v in (torch.rand(4, generator=gen, dtype=torch.float64) * 0.1 - 0.05)]
    start = list(state)
    actions = [1, 1, 0, 1, 0, 0, 1, 1, 1, 0] if k == 0 else [k % 2] * 60  # k = 1, 2: push one way until it falls
    states, terminated = [], []
    for a in actions:
        state, done = cartpole_step(state, a)
        states.extend(state)
        terminated.append(done)
        if done:
            break
    trajectories.append({"start": start, "actions": actions[:len(terminated)], "states": states, "terminated": terminated})
out["cartpole"] = {"trajectories": trajectories}

with open("rl_fixture.json", "w") as f:
    json.dump(out, f, indent=1)
print("wrote rl_fixture.json")
