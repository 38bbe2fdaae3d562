using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Engine.Optim;
using LabelAndAlign.Torch;
using LabelAndAlign.Torch.Model;
using LabelAndAlign.Torch.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace LabelAndAlign.Cli.Engines;

/// <summary>
/// The torch side of <c>lna bench train</c> / <c>bench sample</c>: the same model shapes and step on
/// libtorch. Weights are drawn on the device (GPT-2's N(0, 0.02), unit LayerNorms) rather than copied
/// from a native model, so the peak memory measured is the torch engine's own.
/// </summary>
internal static class TorchBench
{
    /// <summary>A model on <paramref name="device"/> using <paramref name="threads"/> intra-op threads, with random weights.</summary>
    public static TorchGpt Model(GptConfig config, DeviceChoice device, int threads, int seed)
    {
        var d = TorchRuntime.ResolveDevice(device);
        torch.set_num_threads(threads);
        torch.manual_seed(seed);
        var model = new TorchGpt(config, d);
        using var _ = no_grad();
        model.Parameters.Weights.normal_(0, 0.02);
        foreach (var (name, p) in model.Parameters.Named)
            if (name.Contains("ln_", StringComparison.Ordinal) && name.EndsWith(".weight", StringComparison.Ordinal)) p.fill_(1);
        return model;
    }

    /// <summary>One training step as the native bench takes it: forward, mean cross-entropy, backward, AdamW. Owns the model.</summary>
    public sealed class TrainStep : IDisposable
    {
        private readonly TorchGpt _model;
        private readonly TorchAdamW _optimizer;
        private readonly Tensor _tokens, _targets;

        public TrainStep(TorchGpt model, int[] tokens, int[] targets, int batch, int ctx)
        {
            _model = model;
            _optimizer = new TorchAdamW(model.Parameters, new AdamWOptions { LearningRate = 3e-4f });
            _tokens = HostTensors.Tokens(tokens, batch, ctx, model.Device);
            _targets = HostTensors.Tokens(targets, batch, ctx, model.Device).view(-1);
        }

        public long Parameters => _model.Parameters.Count;

        public float Run()
        {
            using var scope = NewDisposeScope();
            var loss = nn.functional.cross_entropy(_model.forward(_tokens).view(-1, _model.Config.VocabSize), _targets);
            _model.Parameters.ZeroGrad();
            loss.backward();
            _optimizer.Step();
            return loss.item<float>();
        }

        public void Dispose()
        {
            _optimizer.Dispose();
            _tokens.Dispose();
            _targets.Dispose();
            _model.Dispose();
        }
    }
}
