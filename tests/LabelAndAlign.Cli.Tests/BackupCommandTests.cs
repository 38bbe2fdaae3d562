using LabelAndAlign.Cli.Commands;
using Microsoft.Data.Sqlite;

namespace LabelAndAlign.Cli.Tests;

public sealed class BackupCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "lna-backup-tests", Guid.NewGuid().ToString("N"));

    public BackupCommandTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private string CreateDatabase(int rows, out SqliteConnection writer)
    {
        string path = Path.Combine(_dir, "app.db");
        writer = new SqliteConnection($"Data Source={path};Pooling=False");
        writer.Open();
        using var cmd = writer.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode=WAL; CREATE TABLE labels (Id INTEGER PRIMARY KEY, Choice TEXT NOT NULL);";
        cmd.ExecuteNonQuery();
        for (int i = 0; i < rows; i++)
        {
            using var insert = writer.CreateCommand();
            insert.CommandText = "INSERT INTO labels (Choice) VALUES ($c);";
            insert.Parameters.AddWithValue("$c", i % 2 == 0 ? "a" : "b");
            insert.ExecuteNonQuery();
        }
        return path;
    }

    private static long Count(string path)
    {
        using var c = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM labels;";
        return (long)cmd.ExecuteScalar()!;
    }

    [Fact]
    public async Task Backup_WhileAWriterHoldsTheDatabaseOpen_CopiesEveryCommittedRow()
    {
        string db = CreateDatabase(250, out var writer);
        using (writer)
        {
            string output = Path.Combine(_dir, "copies", "backup.db");
            var stdout = new StringWriter();
            int code = await new BackupCommand().RunAsync(new CliArgs(["--db", db, "--out", output]), TextReader.Null, stdout, TextWriter.Null, CancellationToken.None);
            Assert.Equal(0, code);
            Assert.Contains($"backup={output}", stdout.ToString());
            Assert.Equal(250, Count(output));
            Assert.False(File.Exists(output + "-wal"));
        }
    }

    [Fact]
    public async Task Backup_RefusesToOverwriteWithoutForce()
    {
        string db = CreateDatabase(1, out var writer);
        writer.Dispose();
        string output = Path.Combine(_dir, "exists.db");
        await File.WriteAllTextAsync(output, "keep me");
        var e = await Assert.ThrowsAsync<CliUsageException>(() =>
            new BackupCommand().RunAsync(new CliArgs(["--db", db, "--out", output]), TextReader.Null, TextWriter.Null, TextWriter.Null, CancellationToken.None));
        Assert.Contains("--force", e.Message);
        Assert.Equal("keep me", await File.ReadAllTextAsync(output));
    }

    [Fact]
    public async Task Backup_ThrowsWhenTheDatabaseIsMissing()
    {
        var e = await Assert.ThrowsAsync<FileNotFoundException>(() =>
            new BackupCommand().RunAsync(new CliArgs(["--db", Path.Combine(_dir, "none.db"), "--out", Path.Combine(_dir, "x.db")]), TextReader.Null, TextWriter.Null, TextWriter.Null, CancellationToken.None));
        Assert.Contains("--db", e.Message);
    }
}
