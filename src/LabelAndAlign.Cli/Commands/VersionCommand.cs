namespace LabelAndAlign.Cli.Commands;

/// <summary><c>lna version</c>: the tool's version and the runtime it runs on.</summary>
public sealed class VersionCommand : ICliCommand
{
    public string Name => "version";
    public string Summary => "print the version of lna and its runtime";

    public Task<int> RunAsync(CliArgs args, TextReader stdin, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        args.RejectUnknown();
        var version = typeof(VersionCommand).Assembly.GetName().Version;
        stdout.WriteLine($"lna {version} (.NET {Environment.Version}, {Environment.ProcessorCount} cores)");
        return Task.FromResult(0);
    }
}
