using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;
using YamlDotNet.RepresentationModel;

namespace LabelAndAlign.E2E.Tests;

/// <summary>
/// What can be checked of <c>docker/</c> without a Docker engine: the commands the images run exist in the build
/// and start. The web image's entry point, run with the image's and the compose file's settings (paths and port
/// swapped for this machine's), serves the app and starts no local worker; the worker image's entry point with the
/// compose file's command (its server swapped for that app) and a Worker key in <c>LNA_API_KEY</c> connects and trains.
/// </summary>
public sealed partial class DockerFilesTests(ITestOutputHelper output) : AdminAppTest(output)
{
    private static string Docker(string file) => Path.Combine(RepoRoot.Path, "docker", file);

    /// <summary>A JSON-array instruction (<c>ENTRYPOINT ["./lna", "worker"]</c>) of a Dockerfile's final stage.</summary>
    private static List<string> Instruction(string dockerfile, string name)
    {
        string line = File.ReadAllLines(Docker(dockerfile)).Last(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        return JsonSerializer.Deserialize<List<string>>(line[(name.Length + 1)..])!;
    }

    [GeneratedRegex("""(?<key>[A-Za-z_][A-Za-z0-9_]*)=(?:"(?<value>[^"]*)"|(?<value>\S+))""")]
    private static partial Regex EnvPair();

    /// <summary>The ENV settings of a Dockerfile (continued lines joined).</summary>
    private static Dictionary<string, string> Env(string dockerfile)
    {
        string text = File.ReadAllText(Docker(dockerfile)).Replace("\\\n", " ", StringComparison.Ordinal);
        return text.Split('\n').Where(l => l.StartsWith("ENV ", StringComparison.Ordinal))
            .SelectMany(l => EnvPair().Matches(l[4..])).ToDictionary(m => m.Groups["key"].Value, m => m.Groups["value"].Value);
    }

    private static YamlMappingNode Service(string name)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Docker("compose.yaml"))) yaml.Load(reader);
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        return (YamlMappingNode)((YamlMappingNode)root.Children[new YamlScalarNode("services")]).Children[new YamlScalarNode(name)];
    }

    private static Dictionary<string, string> ComposeEnvironment(string service) =>
        ((YamlMappingNode)Service(service).Children[new YamlScalarNode("environment")]).Children
            .ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => ((YamlScalarNode)kv.Value).Value ?? "");

    public override async Task InitializeAsync()
    {
        var environment = AdminEnvironment;
        foreach (var (key, value) in Env("web.Dockerfile").Concat(ComposeEnvironment("web")))
            if (key is not ("ASPNETCORE_URLS" or "ConnectionStrings__Default") && !value.StartsWith("${", StringComparison.Ordinal)) environment[key] = value;
        App = await AppProcess.StartAsync(environment);
    }

    [Fact]
    public void WebImage_RunsTheAppsExecutable_OnAVolume_WithNoLocalWorker()
    {
        var entry = Assert.Single(Instruction("web.Dockerfile", "ENTRYPOINT"));
        Assert.Equal(Path.GetFileName(BuiltExecutable.Find("LabelAndAlign.Web", "LabelAndAlign.Web")), Path.GetFileName(entry));
        var env = Env("web.Dockerfile");
        Assert.Equal("0", env["Training__LocalWorkers"]);
        Assert.Equal("Data Source=/data/labelandalign.db", env["ConnectionStrings__Default"]);
        Assert.Contains("VOLUME /data", File.ReadAllText(Docker("web.Dockerfile")), StringComparison.Ordinal);
        Assert.Contains("data:/data", ((YamlSequenceNode)Service("web").Children[new YamlScalarNode("volumes")]).Children.Select(n => ((YamlScalarNode)n).Value));
        // Started with those settings, it serves (InitializeAsync waited for /healthz) and trains nothing itself.
        Assert.Contains("Training:LocalWorkers is 0", App.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WorkerImage_CommandFromTheComposeFile_ConnectsAndTrains()
    {
        var (workerId, _) = await CreateUserAsync("docker-worker", "Worker", "worker-account-password");
        var keyResponse = await Api().PostAsJsonAsync($"/api/users/{workerId}/keys", new { name = "compose" });
        string key = JsonDocument.Parse(await keyResponse.Content.ReadAsStringAsync()).RootElement.GetProperty("key").GetString()!;

        var entry = Instruction("worker.Dockerfile", "ENTRYPOINT");
        Assert.Equal(["./lna", "worker"], entry);
        var command = ((YamlSequenceNode)Service("worker").Children[new YamlScalarNode("command")]).Children.Select(n => ((YamlScalarNode)n).Value!).ToList();
        Assert.Equal(Instruction("worker.Dockerfile", "CMD"), command);
        Assert.Equal("${LNA_API_KEY:-}", ComposeEnvironment("worker")["LNA_API_KEY"]);

        var start = new ProcessStartInfo(BuiltExecutable.Find("LabelAndAlign.Cli", Path.GetFileName(entry[0])))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (string a in entry.Skip(1).Concat(command.Select(c => c == "http://web:8080" ? App.BaseUrl : c))) start.ArgumentList.Add(a);
        start.Environment["LNA_API_KEY"] = key;
        using var worker = Process.Start(start)!;
        var log = new StringBuilder();
        worker.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        worker.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        worker.BeginOutputReadLine();
        worker.BeginErrorReadLine();
        try
        {
            int run = await LaunchSftAsync("from compose", new { model = "tiny", max_steps = 3, per_device_train_batch_size = 2, max_length = 32 });
            var done = await WaitForRunAsync(run, Completed, TimeSpan.FromSeconds(180));
            Assert.Equal(Environment.MachineName, done.GetProperty("worker").GetString()); // the name defaults to the host's (a container's hostname)
        }
        finally
        {
            worker.Kill(entireProcessTree: true);
            await worker.WaitForExitAsync();
            lock (log) Output!.WriteLine(log.ToString());
        }
    }
}
