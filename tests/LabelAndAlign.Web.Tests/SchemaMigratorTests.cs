using LabelAndAlign.Web.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace LabelAndAlign.Web.Tests;

public class SchemaMigratorTests
{
    private static SchemaMigrator Migrator => new(NullLogger<SchemaMigrator>.Instance);

    [Fact]
    public void Migrate_NewFile_CreatesFolderAndReachesNewestVersionInWalMode()
    {
        using var db = new TestDatabase(migrate: false);
        string nested = Path.Combine(db.Directory, "a", "b", "new.db");
        int version = Migrator.Migrate($"Data Source={nested}", SchemaMigration.Embedded);
        Assert.Equal(SchemaMigration.Embedded[^1].Version, version);
        using var c = Open($"Data Source={nested}");
        Assert.Equal("wal", Scalar(c, "PRAGMA journal_mode;"));
    }

    [Fact]
    public void Migrate_Twice_AppliesNothingTheSecondTime()
    {
        using var db = new TestDatabase();
        using var c = Open(db.ConnectionString);
        long before = Convert.ToInt64(Scalar(c, "SELECT COUNT(*) FROM schema_migrations;"));
        Migrator.Migrate(db.ConnectionString, SchemaMigration.Embedded);
        Assert.Equal(before, Convert.ToInt64(Scalar(c, "SELECT COUNT(*) FROM schema_migrations;")));
    }

    [Fact]
    public void EmbeddedScripts_CreateExactlyTheSchemaTheEfModelExpects()
    {
        using var migrated = new TestDatabase();
        using var efCreated = new TestDatabase(migrate: false);
        using (var ctx = efCreated.CreateContext()) ctx.Database.EnsureCreated();

        Assert.Equal(Describe(efCreated.ConnectionString), Describe(migrated.ConnectionString));
    }

    [Fact]
    public async Task Upgrade_ToASampleNextVersion_KeepsEveryRowAndLeavesABackup()
    {
        using var db = new TestDatabase();
        await using (var ctx = db.CreateContext())
        {
            ctx.Users.Add(new User { Email = "kept@example.com", PasswordHash = "h", Role = UserRole.Lead, CreatedAt = DateTime.UtcNow });
            await ctx.SaveChangesAsync();
        }

        // The shape a real next version takes: a new column with a default, a new table, a backfill.
        var next = SchemaMigration.Embedded.Append(new SchemaMigration(SchemaMigration.Embedded[^1].Version + 1, "sample_next",
            """
            ALTER TABLE users ADD COLUMN DisplayName TEXT NOT NULL DEFAULT '';
            UPDATE users SET DisplayName = substr(Email, 1, instr(Email, '@') - 1);
            CREATE TABLE notes (Id INTEGER PRIMARY KEY AUTOINCREMENT, UserId INTEGER NOT NULL REFERENCES users (Id), Body TEXT NOT NULL);
            """)).ToList();
        int version = Migrator.Migrate(db.ConnectionString, next);

        Assert.Equal(next[^1].Version, version);
        using var c = Open(db.ConnectionString);
        Assert.Equal("kept", Scalar(c, "SELECT DisplayName FROM users WHERE Email = 'kept@example.com';"));
        Assert.Equal("Lead", Scalar(c, "SELECT Role FROM users WHERE Email = 'kept@example.com';"));
        Assert.True(File.Exists($"{db.Path}.before-v{version}.bak"), "a copy of the old database is kept");
        await using var ctx2 = db.CreateContext();
        Assert.Equal(1, await ctx2.Users.CountAsync(u => u.Email == "kept@example.com"));
    }

    [Fact]
    public void Upgrade_FromVersion6_TranslatesStoredRunConfigsToTrlKeys_Once()
    {
        using var db = new TestDatabase(migrate: false);
        Migrator.Migrate(db.ConnectionString, SchemaMigration.Embedded.Where(m => m.Version <= 6).ToList());
        using (var c = Open(db.ConnectionString))
        {
            using var insert = c.CreateCommand();
            insert.CommandText = """
                INSERT INTO runs (Name, Algorithm, ConfigJson, Status, Step, TotalSteps, CancelRequested, CreatedAt) VALUES
                ('old', 'dpo', '{"model":"tiny","max_steps":100,"batch_size":16,"cosine_schedule":false,"save_every":25,"log_every":1,"eval_every":0,"beta":0.5}', 'Completed', 100, 100, 0, '2026-01-01'),
                ('odd', 'sft', 'null', 'Failed', 0, 0, 0, '2026-01-01');
                """;
            insert.ExecuteNonQuery();
        }
        Migrator.Migrate(db.ConnectionString, SchemaMigration.Embedded);
        using var read = Open(db.ConnectionString);
        string config = (string)Scalar(read, "SELECT ConfigJson FROM runs WHERE Name = 'old';")!;
        Assert.Equal("""{"model":"tiny","max_steps":100,"per_device_train_batch_size":16,"lr_scheduler_type":"constant","save_steps":25,"logging_steps":1,"eval_steps":0,"beta":0.5}""", config);
        var spec = Engine.Recipe.RunSpecs.Parse("dpo", System.Text.Json.Nodes.JsonNode.Parse(config)!.AsObject());
        Assert.Equal((16, 25), (spec.Trainer.BatchSize, spec.Trainer.SaveSteps));
        Assert.Equal("null", Scalar(read, "SELECT ConfigJson FROM runs WHERE Name = 'odd';")); // unreadable: left for the engine to name
        Assert.Equal(0L, Scalar(read, "SELECT Attempts FROM runs WHERE Name = 'old';"));
    }

    [Fact]
    public void Migrate_FailingScript_RollsBackAndNamesTheScript()
    {
        using var db = new TestDatabase();
        var bad = SchemaMigration.Embedded.Append(new SchemaMigration(999, "broken",
            "CREATE TABLE half_done (Id INTEGER); SELECT * FROM no_such_table;")).ToList();
        var e = Assert.Throws<InvalidOperationException>(() => Migrator.Migrate(db.ConnectionString, bad));
        Assert.Contains("0999_broken", e.Message);
        using var c = Open(db.ConnectionString);
        Assert.Equal(0L, Convert.ToInt64(Scalar(c, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'half_done';")));
        Assert.Equal((long)SchemaMigration.Embedded[^1].Version, Convert.ToInt64(Scalar(c, "SELECT MAX(Version) FROM schema_migrations;")));
    }

    [Fact]
    public void Migrate_DatabaseFromANewerBuild_Throws()
    {
        using var db = new TestDatabase();
        using (var c = Open(db.ConnectionString))
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = "INSERT INTO schema_migrations VALUES (5000, 'future', '2030-01-01');";
            cmd.ExecuteNonQuery();
        }
        var e = Assert.Throws<InvalidOperationException>(() => Migrator.Migrate(db.ConnectionString, SchemaMigration.Embedded));
        Assert.Contains("5000", e.Message);
    }

    [Fact]
    public void Embedded_VersionsAreUniqueAndIncreasing()
    {
        var versions = SchemaMigration.Embedded.Select(m => m.Version).ToList();
        Assert.NotEmpty(versions);
        Assert.Equal(versions.Distinct().Order(), versions);
    }

    private static SqliteConnection Open(string cs)
    {
        var c = new SqliteConnection(cs);
        c.Open();
        return c;
    }

    private static object? Scalar(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }

    /// <summary>Tables with their columns (name, type, not-null, pk) and indexes (name, unique, columns).</summary>
    private static List<string> Describe(string cs)
    {
        using var c = Open(cs);
        var lines = new List<string>();
        var tables = new List<string>();
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('schema_migrations', 'sqlite_sequence') ORDER BY name;";
            using var r = cmd.ExecuteReader();
            while (r.Read()) tables.Add(r.GetString(0));
        }
        foreach (var t in tables)
        {
            using var cols = c.CreateCommand();
            cols.CommandText = $"SELECT name, upper(type), \"notnull\", pk FROM pragma_table_info('{t}') ORDER BY name;";
            using (var r = cols.ExecuteReader())
                while (r.Read()) lines.Add($"{t}.{r.GetString(0)} {r.GetString(1)} notnull={r.GetInt64(2)} pk={r.GetInt64(3)}");
            using var idx = c.CreateCommand();
            idx.CommandText = $"SELECT il.name, il.\"unique\", (SELECT group_concat(name) FROM pragma_index_info(il.name)) FROM pragma_index_list('{t}') il WHERE il.origin = 'c' ORDER BY il.name;";
            using (var r = idx.ExecuteReader())
                while (r.Read()) lines.Add($"{t} index {r.GetString(0)} unique={r.GetInt64(1)} on {r.GetString(2)}");
            using var fks = c.CreateCommand();
            fks.CommandText = $"SELECT \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list('{t}') ORDER BY \"from\";";
            using (var r = fks.ExecuteReader())
                while (r.Read()) lines.Add($"{t} fk {r.GetString(1)} -> {r.GetString(0)}.{r.GetString(2)} on delete {r.GetString(3)}");
        }
        return lines;
    }
}
