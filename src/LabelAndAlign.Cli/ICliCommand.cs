namespace LabelAndAlign.Cli;

/// <summary>
/// One <c>lna</c> command. Each lives in its own file under <c>Commands/</c> and is found by
/// <see cref="CommandRegistry"/>; nothing else needs to change to add one.
/// </summary>
public interface ICliCommand
{
    /// <summary>The words that select it, e.g. <c>"tokenize"</c> or <c>"bench train"</c>.</summary>
    string Name { get; }

    /// <summary>One line for <c>lna --help</c>.</summary>
    string Summary { get; }

    /// <summary>Runs with the arguments after <see cref="Name"/>; returns the exit code.</summary>
    Task<int> RunAsync(CliArgs args, TextReader stdin, TextWriter stdout, TextWriter stderr, CancellationToken cancel);
}
