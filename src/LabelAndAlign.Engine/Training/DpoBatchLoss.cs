
namespace LabelAndAlign.Engine.Training;

/// <summary>
/// One micro-batch of DPO on any engine, for offline pairs (<see cref="DpoTrainer"/>) and pairs sampled and judged
/// during the run (<see cref="OnlineDpoTrainer"/>): chosen and rejected rows in one policy pass, the loss of
/// <see cref="DpoOptions.LossType"/> per pair against the given reference log-probs, RPO's NLL of the chosen responses
/// when rpo_alpha is set, gradients added into the model, and TRL's metrics (loss, rewards/…, logps/…, logits/…).
/// </summary>
internal static class DpoBatchLoss
{
    public readonly record struct Result(double Loss, double Tokens, double PolicyChosen, double PolicyRejected);

    /// <param name="refChosen">Σ log π_ref of each pair's chosen completion</param>
    /// <param name="refRejected">the same for the rejected one</param>
    /// <param name="lossScale">the micro-batch's share of the step (gradients and metrics are weighted by it)</param>
    public static Result Accumulate(ITrainableGpt model, IReadOnlyList<TokenizedPreference> pairs, IReadOnlyList<double> refChosen, IReadOnlyList<double> refRejected,
        DpoOptions options, int padId, int blockSize, float lossScale, MetricBag metrics)
    {
        int m = pairs.Count;
        var rows = new TokenizedPair[2 * m];
        for (int i = 0; i < m; i++)
        {
            rows[i] = pairs[i].ChosenPair;
            rows[m + i] = pairs[i].RejectedPair;
        }
        var batch = SequenceBatch.Build(rows, padId, blockSize);
        var pass = model.Policy(batch);
        var dLogp = new float[batch.B * batch.T];
        double beta = options.Beta, loss = 0, rc = 0, rr = 0, acc = 0, lpc = 0, lpr = 0, lgc = 0, lgr = 0;
        for (int i = 0; i < m; i++)
        {
            double pc = pass.SequenceLogProb(i), pr = pass.SequenceLogProb(m + i);
            var (l, dc, dr) = DpoLoss.Pair(options.LossType, beta, options.LabelSmoothing, pc, pr, refChosen[i], refRejected[i],
                batch.CompletionTokens[i], batch.CompletionTokens[m + i]);
            loss += l;
            foreach (int t in pass.Positions(i)) dLogp[t] = (float)(dc * lossScale / m);
            foreach (int t in pass.Positions(m + i)) dLogp[t] = (float)(dr * lossScale / m);
            double rewardC = beta * (pc - refChosen[i]), rewardR = beta * (pr - refRejected[i]);
            rc += rewardC;
            rr += rewardR;
            if (rewardC > rewardR) acc++;
            lpc += pc;
            lpr += pr;
            lgc += pass.RowSum(i, pass.MeanLogit) / Math.Max(1, batch.CompletionTokens[i]);
            lgr += pass.RowSum(m + i, pass.MeanLogit) / Math.Max(1, batch.CompletionTokens[m + i]);
        }
        loss /= m;
        if (options.RpoAlpha > 0)
        {
            // NLL of the chosen responses, mean over their tokens (TRL's policy_nll_loss).
            int tokens = 0;
            double nll = 0;
            for (int i = 0; i < m; i++) tokens += batch.CompletionTokens[i];
            float g = (float)(-options.RpoAlpha * lossScale / Math.Max(1, tokens));
            for (int i = 0; i < m; i++)
                foreach (int t in pass.Positions(i))
                {
                    nll -= pass.LogProb[t];
                    dLogp[t] += g;
                }
            nll /= Math.Max(1, tokens);
            metrics.Mean("nll_loss", nll, lossScale);
            loss += options.RpoAlpha * nll;
        }
        pass.Backward(dLogp);
        metrics.Mean("loss", loss, lossScale);
        metrics.Mean("rewards/chosen", rc / m, lossScale);
        metrics.Mean("rewards/rejected", rr / m, lossScale);
        metrics.Mean("rewards/margins", (rc - rr) / m, lossScale);
        metrics.Mean("rewards/accuracies", acc / m, lossScale);
        metrics.Mean("logps/chosen", lpc / m, lossScale);
        metrics.Mean("logps/rejected", lpr / m, lossScale);
        metrics.Mean("logits/chosen", lgc / m, lossScale);
        metrics.Mean("logits/rejected", lgr / m, lossScale);
        double seen = 0;
        foreach (var r in rows) seen += r.Length;
        return new Result(loss, seen, lpc, lpr);
    }
}
