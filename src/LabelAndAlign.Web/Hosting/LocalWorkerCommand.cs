using System.Globalization;
using LabelAndAlign.Web.Services.Workers;

namespace LabelAndAlign.Web.Hosting;

/// <summary>Where the local workers' <c>lna</c> is, how it is started, and the loopback address it reaches this app at.</summary>
public static class LocalWorkerCommand
{
    private const string Executable = "lna";

    /// <summary>
    /// <c>Training:WorkerPath</c> when set; else <c>lna</c> beside the app (a publish or image that carries both);
    /// else the source tree's own build of it, mirroring the app's (<c>src/LabelAndAlign.Cli/bin/&lt;config&gt;/&lt;tfm&gt;/lna</c>
    /// beside <c>src/LabelAndAlign.Web/bin/&lt;config&gt;/&lt;tfm&gt;/</c>, as <c>scripts/run</c> builds them); else <c>lna</c> on the
    /// PATH. Returns the candidates looked at when none exists.
    /// </summary>
    public static (string? Path, IReadOnlyList<string> Tried) Find(string? configured, string appDirectory)
    {
        if (!string.IsNullOrWhiteSpace(configured)) return (File.Exists(configured) ? Path.GetFullPath(configured) : null, [configured]);
        var tried = new List<string> { Path.Combine(appDirectory, Executable) };
        // The app's build folder with its project's name swapped for lna's: bin/<config>/<tfm> and artifacts layouts alike.
        string web = Path.TrimEndingDirectorySeparator(Path.GetFullPath(appDirectory));
        int at = web.LastIndexOf("LabelAndAlign.Web", StringComparison.Ordinal);
        if (at >= 0) tried.Add(Path.Combine(string.Concat(web.AsSpan(0, at), "LabelAndAlign.Cli", web.AsSpan(at + "LabelAndAlign.Web".Length)), Executable));
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            tried.Add(Path.Combine(dir, Executable));
        return (tried.FirstOrDefault(File.Exists), tried);
    }

    /// <summary>
    /// <c>lna worker</c>'s arguments for a local worker (its key goes over stdin, <c>--attached</c>). On Linux it is
    /// told to leave the cores to this app: <c>--nice</c> for all its threads and <c>--sched-idle</c> for its compute
    /// threads; elsewhere neither exists, and it runs at the app's priority.
    /// </summary>
    public static IReadOnlyList<string> Arguments(string url, string name, TrainingOptions options, bool linux)
    {
        var args = new List<string> { "worker", "--server", url, "--name", name, "--attached",
            "--max-runs", Math.Max(1, options.MaxConcurrentRuns).ToString(CultureInfo.InvariantCulture) };
        if (!linux) return args;
        args.AddRange(["--nice", Math.Clamp(options.LocalWorkerNice, 0, 19).ToString(CultureInfo.InvariantCulture)]);
        if (options.LocalWorkerSchedIdle) args.Add("--sched-idle");
        return args;
    }

    /// <summary>
    /// A URL a process on this machine reaches the app at, from the addresses it listens on: http before https, a
    /// wildcard host (<c>0.0.0.0</c>, <c>[::]</c>, <c>+</c>, <c>*</c>) as loopback.
    /// </summary>
    public static string? LoopbackUrl(IEnumerable<string> addresses)
    {
        foreach (string address in addresses.OrderBy(a => a.StartsWith("https:", StringComparison.OrdinalIgnoreCase) ? 1 : 0))
        {
            string normalized = address.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal);
            if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri)) continue;
            string host = uri.Host switch
            {
                "0.0.0.0" => "127.0.0.1",
                "[::]" or "::" => "[::1]",
                _ => uri.Host.Contains(':') && !uri.Host.StartsWith('[') ? $"[{uri.Host}]" : uri.Host,
            };
            return $"{uri.Scheme}://{host}:{uri.Port}";
        }
        return null;
    }
}
