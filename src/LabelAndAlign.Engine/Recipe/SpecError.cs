namespace LabelAndAlign.Engine.Recipe;

/// <summary>One thing wrong with a run: the key it is about (<c>max_steps</c>; <c>algorithm</c>; "" for the run as a whole) and why, in the user's words.</summary>
public sealed record SpecError(string Key, string Message);

/// <summary>A run that cannot be trained as asked, with every reason at once.</summary>
public sealed class RunSpecException(IReadOnlyList<SpecError> errors)
    : Exception(string.Join(" ", errors.Select(e => e.Message)))
{
    public RunSpecException(string key, string message) : this([new SpecError(key, message)]) { }

    public IReadOnlyList<SpecError> Errors { get; } = errors.Count > 0 ? errors : throw new ArgumentException("A spec error needs at least one reason.");
}
