using Microsoft.Data.Sqlite;

namespace LabelAndAlign.Cli.Commands;

/// <summary>
/// <c>lna backup --out &lt;file&gt; [--db ./data/labelandalign.db]</c>: a consistent copy of the
/// database while the app keeps running, through SQLite's online backup API (readers and the
/// writer carry on; the copy is one point in time). Restore by stopping the app and putting the
/// copy in place of the database file (and deleting its -wal and -shm files).
/// </summary>
public sealed class BackupCommand : ICliCommand
{
    public const string DefaultDatabase = "./data/labelandalign.db";

    public string Name => "backup";
    public string Summary => "copy the app's SQLite database consistently while it runs (--out FILE [--db PATH])";

    public Task<int> RunAsync(CliArgs args, TextReader stdin, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        string db = args.String("db") ?? DefaultDatabase;
        string output = args.Required("out");
        bool overwrite = args.Flag("force");
        args.RejectUnknown();

        if (!File.Exists(db))
            throw new FileNotFoundException($"No database at {Path.GetFullPath(db)}; pass --db with the path of labelandalign.db.");
        string fullOut = Path.GetFullPath(output);
        if (fullOut == Path.GetFullPath(db))
            throw new CliUsageException("--out must differ from the database itself.");
        if (File.Exists(fullOut) && !overwrite)
            throw new CliUsageException($"{fullOut} already exists; pass --force to replace it.");

        string? dir = Path.GetDirectoryName(fullOut);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        string temp = fullOut + ".partial";
        File.Delete(temp);

        var started = DateTime.UtcNow;
        using (var source = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString()))
        using (var target = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = temp, Pooling = false }.ToString()))
        {
            source.Open();
            target.Open();
            source.BackupDatabase(target);
            using var check = target.CreateCommand();
            check.CommandText = "PRAGMA integrity_check;";
            string result = Convert.ToString(check.ExecuteScalar()) ?? "";
            if (result != "ok") throw new InvalidDataException($"The copy failed SQLite's integrity check: {result}");
            // The copy is a standalone file: no -wal to carry around.
            using var journal = target.CreateCommand();
            journal.CommandText = "PRAGMA journal_mode=DELETE;";
            journal.ExecuteNonQuery();
        }
        File.Move(temp, fullOut, overwrite: true);
        long bytes = new FileInfo(fullOut).Length;
        stdout.WriteLine($"backup={fullOut}");
        stdout.WriteLine($"bytes={bytes}");
        stdout.WriteLine($"seconds={(DateTime.UtcNow - started).TotalSeconds:0.###}");
        return Task.FromResult(0);
    }
}
