using System.Diagnostics;
using System.Text;

namespace LabelAndAlign.E2E.Tests;

/// <summary>
/// A real <c>lna worker</c> process connected to an app, as an operator starts one on a training machine, with its
/// own work folder; its console output is kept for tests that read it.
/// </summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly string _workDirectory;

    public string Name { get; }

    private WorkerProcess(Process process, string name, string workDirectory)
    {
        _process = process;
        Name = name;
        _workDirectory = workDirectory;
    }

    /// <summary>Everything the worker printed so far.</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>Starts <c>lna worker --server … --api-key … --name …</c> (and <paramref name="options"/>) and waits until it says it is connected.</summary>
    public static async Task<WorkerProcess> StartAsync(string server, string apiKey, string name, bool waitConnected = true, int maxRuns = 1,
        IReadOnlyList<string>? options = null)
    {
        string workDirectory = Path.Combine(Path.GetTempPath(), "lna-e2e-workers", Guid.NewGuid().ToString("N"));
        var start = new ProcessStartInfo(BuiltExecutable.Find("LabelAndAlign.Cli", "lna"))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (string a in new[] { "worker", "--server", server, "--api-key", apiKey, "--name", name, "--max-runs", maxRuns.ToString(System.Globalization.CultureInfo.InvariantCulture), "--work-dir", workDirectory }.Concat(options ?? []))
            start.ArgumentList.Add(a);
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start lna worker.");
        var worker = new WorkerProcess(process, name, workDirectory);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (worker._output) worker._output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (worker._output) worker._output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (waitConnected) await worker.WaitForOutputAsync($"as {name} (", TimeSpan.FromSeconds(60));
        return worker;
    }

    /// <summary>Waits until the output contains <paramref name="text"/> (<paramref name="after"/> characters in, to skip earlier lines).</summary>
    public async Task<string> WaitForOutputAsync(string text, TimeSpan timeout, int after = 0)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            string output = Output;
            if (output.IndexOf(text, Math.Min(after, output.Length), StringComparison.Ordinal) >= 0) return output;
            if (_process.HasExited) throw new InvalidOperationException($"Worker {Name} exited with code {_process.ExitCode} before printing '{text}':\n{output}");
            await Task.Delay(100);
        }
        throw new TimeoutException($"Worker {Name} never printed '{text}':\n{Output}");
    }

    /// <summary>SIGKILL: no checkpoint, no goodbye; the server learns it only from the silence.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
        try { Directory.Delete(_workDirectory, recursive: true); } catch (IOException) { }
    }
}
