using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LabelAndAlign.E2E.Tests;

/// <summary>
/// The real web app as a separate process on a free loopback port, over its own database (a
/// SQLite file in its data folder, or a PostgreSQL database named after that folder when the
/// tests run on PostgreSQL, see <see cref="TestServers"/>), as a user would run it. Its console
/// output is kept for tests that read it (the setup link).
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    public string BaseUrl { get; }
    public string DataDirectory { get; }

    /// <summary>The database the app runs on: <c>sqlite</c> or <c>postgres</c>, and its connection string.</summary>
    public string Provider { get; }
    public string ConnectionString { get; }

    private AppProcess(Process process, string baseUrl, string dataDirectory, string provider, string connectionString)
    {
        _process = process;
        BaseUrl = baseUrl;
        DataDirectory = dataDirectory;
        Provider = provider;
        ConnectionString = connectionString;
    }

    /// <summary>Everything the app printed so far.</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>
    /// Starts the app and waits until <c>/healthz</c> answers 200. Pass the
    /// <paramref name="dataDirectory"/> of an earlier (stopped) instance to restart over its database,
    /// and its <paramref name="baseUrl"/> to restart at the same address, as open pages expect; or of
    /// a running one to start a second instance over the same data. <paramref name="provider"/>:
    /// sqlite or postgres (the test run's, <see cref="TestServers.Provider"/>, by default).
    /// </summary>
    public static async Task<AppProcess> StartAsync(IDictionary<string, string>? environment = null, string? dataDirectory = null, string? baseUrl = null, string? provider = null)
    {
        string projectDir = Path.Combine(RepoRoot.Path, "src", "LabelAndAlign.Web");
        string exe = BuiltExecutable.Find("LabelAndAlign.Web", "LabelAndAlign.Web");

        dataDirectory ??= Path.Combine(Path.GetTempPath(), "lna-e2e", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDirectory);
        baseUrl ??= $"http://127.0.0.1:{FreePort()}";

        var start = new ProcessStartInfo(exe)
        {
            WorkingDirectory = projectDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_URLS"] = baseUrl;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        provider ??= TestServers.Provider;
        string connectionString = provider == "postgres" ? PostgresDatabase(dataDirectory) : $"Data Source={Path.Combine(dataDirectory, "app.db")}";
        start.Environment["Database__Provider"] = provider;
        start.Environment["ConnectionStrings__Default"] = connectionString;
        start.Environment["Storage__DataDirectory"] = dataDirectory;
        start.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) start.Environment[k] = v;

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {exe}.");
        var app = new AppProcess(process, baseUrl, dataDirectory, provider, connectionString);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (app._output) app._output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (app._output) app._output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"The app exited with code {process.ExitCode}:\n{app.Output}");
            try
            {
                if ((await http.GetAsync($"{baseUrl}/healthz")).StatusCode == HttpStatusCode.OK) return app;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(200);
        }
        await app.DisposeAsync();
        throw new TimeoutException($"The app did not answer /healthz within 90 s:\n{app.Output}");
    }

    /// <summary>Waits until the output contains <paramref name="text"/>.</summary>
    public async Task<string> WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Output.Contains(text, StringComparison.Ordinal)) return Output;
            await Task.Delay(100);
        }
        throw new TimeoutException($"The app never printed '{text}':\n{Output}");
    }

    /// <summary>
    /// The environment that makes the first admin (and optionally registers an API key for it) on
    /// start, as an operator would set it; add further settings to the returned dictionary.
    /// </summary>
    public static Dictionary<string, string> BootstrapAdmin(string email, string password, string? apiKey = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["Bootstrap__AdminEmail"] = email,
            ["Bootstrap__AdminPassword"] = password,
        };
        if (apiKey is not null) environment["Bootstrap__ApiKey"] = apiKey;
        return environment;
    }

    /// <summary>
    /// Stops the app as an operator or a service manager does (SIGTERM: a graceful shutdown), waits
    /// for it to exit and keeps its data folder.
    /// </summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (_process.HasExited) return;
        if (Kill(_process.Id, SigTerm) != 0) throw new InvalidOperationException($"Could not send SIGTERM to the app (pid {_process.Id}).");
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The app did not stop within {timeout.TotalSeconds:0} s of SIGTERM:\n{Output}");
        }
    }

    private const int SigTerm = 15;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>Kills the process with SIGKILL (no shutdown, no flush) and keeps its data folder.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        if (Provider == "postgres") TestServers.DropPostgresDatabase(ConnectionString);
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { }
    }

    /// <summary>The PostgreSQL database of a data folder (created on first use), so a restart over the folder finds its data.</summary>
    private static string PostgresDatabase(string dataDirectory)
    {
        string name = "lna_e2e_" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(dataDirectory)))[..24];
        var connectionString = new Npgsql.NpgsqlConnectionStringBuilder(TestServers.PostgresAdmin) { Database = name }.ConnectionString;
        using var admin = new Npgsql.NpgsqlConnection(TestServers.PostgresAdmin);
        admin.Open();
        using var exists = new Npgsql.NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", admin) { Parameters = { new() { Value = name } } };
        if (exists.ExecuteScalar() is null) TestServers.CreatePostgresDatabase(name);
        return connectionString;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
