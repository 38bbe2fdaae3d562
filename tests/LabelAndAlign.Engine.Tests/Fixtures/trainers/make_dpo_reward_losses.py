"""Golden values for DpoLoss and RewardLoss: every DPO variant's loss and its gradient w.r.t. the
policy's sequence log-probs, and the Bradley-Terry reward loss with margin and centring, computed
with torch (float64) on fixed inputs. Run: /usr/bin/python3 make_dpo_reward_losses.py > dpo_reward_losses.json"""
import json
import torch
import torch.nn.functional as F

torch.manual_seed(0)
N = 6
pc = (torch.randn(N, dtype=torch.float64) * 3 - 20)
pr = (torch.randn(N, dtype=torch.float64) * 3 - 21)
rc = (torch.randn(N, dtype=torch.float64) * 3 - 20)
rr = (torch.randn(N, dtype=torch.float64) * 3 - 21)
lc = torch.tensor([5, 7, 3, 9, 4, 6], dtype=torch.float64)
lr = torch.tensor([6, 4, 8, 5, 7, 3], dtype=torch.float64)

cases = []
for loss_type, beta, eps in [("sigmoid", 0.1, 0.0), ("sigmoid", 0.5, 0.2), ("robust", 0.1, 0.1), ("robust", 0.3, 0.25),
                             ("hinge", 0.1, 0.0), ("hinge", 1.0, 0.0), ("ipo", 0.1, 0.0), ("ipo", 0.5, 0.0)]:
    c = pc.clone().requires_grad_(True)
    r = pr.clone().requires_grad_(True)
    if loss_type == "ipo":
        # length-normalised IPO: per-sequence log-ratios divided by completion length
        h = (c - rc) / lc - (r - rr) / lr
        losses = (h - 1 / (2 * beta)) ** 2
    else:
        logits = (c - rc) - (r - rr)
        if loss_type == "sigmoid":
            losses = -F.logsigmoid(beta * logits) * (1 - eps) - F.logsigmoid(-beta * logits) * eps
        elif loss_type == "robust":
            losses = (-F.logsigmoid(beta * logits) * (1 - eps) + F.logsigmoid(-beta * logits) * eps) / (1 - 2 * eps)
        else:
            losses = torch.relu(1 - beta * logits)
    # per-pair losses and gradients (sum, so each pair's gradient is its own)
    losses.sum().backward()
    cases.append({"loss_type": loss_type, "beta": beta, "label_smoothing": eps,
                  "losses": losses.tolist(), "d_chosen": c.grad.tolist(), "d_rejected": r.grad.tolist()})

reward_cases = []
for coef, use_margin in [(0.0, False), (0.01, True), (0.5, False)]:
    rwc = (torch.randn(N, dtype=torch.float64)).requires_grad_(True)
    rwr = (torch.randn(N, dtype=torch.float64)).requires_grad_(True)
    margin = torch.rand(N, dtype=torch.float64) if use_margin else torch.zeros(N, dtype=torch.float64)
    loss = -F.logsigmoid(rwc - rwr - margin).mean()
    if coef:
        loss = loss + coef * torch.mean((rwc + rwr) ** 2)
    loss.backward()
    reward_cases.append({"center_rewards_coefficient": coef, "chosen": rwc.tolist(), "rejected": rwr.tolist(),
                         "margin": margin.tolist(), "loss": loss.item(), "d_chosen": rwc.grad.tolist(), "d_rejected": rwr.grad.tolist()})

print(json.dumps({"policy_chosen": pc.tolist(), "policy_rejected": pr.tolist(), "ref_chosen": rc.tolist(), "ref_rejected": rr.tolist(),
                  "len_chosen": lc.tolist(), "len_rejected": lr.tolist(), "dpo": cases, "reward": reward_cases}, indent=1))
