namespace LabelAndAlign.E2E.Tests;

/// <summary>Benchmark figures go to TestResults/runs-benchmarks.txt: reported with the load average, never asserted.</summary>
public static class Benchmarks
{
    public static void Report(string line)
    {
        string dir = Path.Combine(RepoRoot.Path, "TestResults");
        Directory.CreateDirectory(dir);
        string load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
        File.AppendAllText(Path.Combine(dir, "runs-benchmarks.txt"), $"{DateTime.UtcNow:O} load {load} {line}\n");
    }
}
