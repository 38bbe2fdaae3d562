using System.IO.Compression;

namespace LabelAndAlign.Web.Services.Runs;

/// <summary>Checkpoint folders on disk: resolving stored paths safely and zipping them for download.</summary>
public static class CheckpointFiles
{
    /// <summary>Files a download carries: weights, config and tokenizer (not the optimizer moments).</summary>
    public static readonly string[] DownloadFiles = ["model.safetensors", "config.json", "tokenizer.json", "generation_config.json"];

    /// <summary>
    /// The absolute folder for a path stored relative to the data folder. Throws when the path is
    /// rooted or climbs out (a tampered row must not expose the rest of the disk).
    /// </summary>
    public static string Resolve(string dataDirectory, string relativePath)
    {
        string root = Path.GetFullPath(dataDirectory);
        if (Path.IsPathRooted(relativePath)) throw new InvalidOperationException($"Checkpoint path '{relativePath}' must be relative to the data folder.");
        string full = Path.GetFullPath(Path.Combine(root, relativePath));
        string prefix = root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar;
        if (!full.StartsWith(prefix, StringComparison.Ordinal)) throw new InvalidOperationException($"Checkpoint path '{relativePath}' leaves the data folder.");
        return full;
    }

    /// <summary>
    /// The folder of a recorded checkpoint when its files are still there, else null: a run keeps only its newest
    /// save_total_limit checkpoints, and a tampered path never resolves.
    /// </summary>
    public static string? Existing(string dataDirectory, string relativePath)
    {
        try
        {
            string folder = Resolve(dataDirectory, relativePath);
            return Directory.Exists(folder) ? folder : null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>
    /// Zips the checkpoint's model files (whatever of <see cref="DownloadFiles"/> exists, plus other
    /// tokenizer files) — or with <paramref name="everything"/> every file, the optimizer and trainer
    /// state included (what a worker resumes from) — into a temporary file, deleted when the
    /// returned stream is closed. ZipArchive writes synchronously, which a response body refuses, hence the file.
    /// </summary>
    public static async Task<Stream> ZipAsync(string folder, CancellationToken cancel, bool everything = false)
    {
        var temp = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose);
        using (var zip = new ZipArchive(temp, ZipArchiveMode.Create, leaveOpen: true))
        {
            // Everything includes a subfolder's files (a PPO run's value_model/), named by their relative path.
            var files = everything ? Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories) : Directory.EnumerateFiles(folder);
            foreach (string file in files.Order(StringComparer.Ordinal))
            {
                string name = Path.GetRelativePath(folder, file).Replace('\\', '/');
                if (!everything && !DownloadFiles.Contains(name) && !LabelAndAlign.Engine.Checkpoints.Checkpoint.TokenizerFileNames.Contains(name)) continue;
                var entry = zip.CreateEntry(name, CompressionLevel.Fastest);
                await using var to = entry.Open();
                await using var from = File.OpenRead(file);
                await from.CopyToAsync(to, cancel);
            }
        }
        temp.Position = 0;
        return temp;
    }
}
