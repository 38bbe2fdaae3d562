namespace LabelAndAlign.Engine.Inference;

// B = rows, V = vocab
/// <summary>
/// A model over a KV cache of B ragged rows, as <see cref="Sampler"/> drives it: one prefill of all
/// prompts, then one token per running row per step. The native <see cref="InferenceSession"/> is one;
/// the torch backend's decoder is another, so both engines share the sampler's token choice, seeds,
/// stopping rules and log-probabilities exactly.
/// </summary>
public interface IKvDecoder
{
    /// <summary>Tokens row <paramref name="row"/> holds, i.e. the position its next token gets.</summary>
    int Length(int row);

    /// <summary>Clears the cache and runs each prompt into its row; writes the logits after each prompt's last token (B × V).</summary>
    void Prefill(IReadOnlyList<int[]> prompts, Span<float> lastLogits);

    /// <summary>Appends one token to each listed row; writes their logits (count × V) in the same order.</summary>
    void Decode(ReadOnlySpan<int> rows, ReadOnlySpan<int> tokens, Span<float> logits);
}
