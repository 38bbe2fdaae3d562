using System.Globalization;

namespace LabelAndAlign.Cli.Worker;

/// <summary>What a worker says as it works: one line per event, UTC time first (the web app passes its local workers' lines into its own log).</summary>
public sealed class WorkerLog(TextWriter output)
{
    private readonly Lock _lock = new();

    public void Write(string message)
    {
        string line = $"{DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)} {message}";
        lock (_lock)
        {
            output.WriteLine(line);
            output.Flush();
        }
    }
}
