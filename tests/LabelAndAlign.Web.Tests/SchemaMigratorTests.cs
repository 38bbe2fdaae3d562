using System.Data.Common;
using LabelAndAlign.Web.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace LabelAndAlign.Web.Tests;

public class SchemaMigratorTests
{
    /// <summary>A database written by release 5ef0515 (numbered SQL scripts, version 5); see Fixtures/make_release_database.sh.</summary>
    private static string ReleaseFixture => Path.Combine(RepoRoot.Path, "tests", "LabelAndAlign.Web.Tests", "Fixtures", "release-5ef0515.db");

    [Fact]
    public async Task Migrate_NewDatabase_ReachesTheNewestMigration()
    {
        using var db = new TestDatabase(migrate: false);
        string newest = db.Migrate();
        await using var ctx = db.CreateContext();
        Assert.Equal(ctx.Database.GetMigrations().Last(), newest);
        Assert.Empty(await ctx.Database.GetPendingMigrationsAsync());
    }

    [Fact]
    [Trait("Database", "sqlite")]
    public async Task Migrate_NewFile_CreatesItsFolderInWalMode()
    {
        using var db = new TestDatabase(migrate: false, DatabaseProvider.Sqlite);
        string nested = Path.Combine(db.Directory, "a", "b", "new.db");
        var settings = db.Settings with { ConnectionString = $"Data Source={nested}" };
        using (var factory = new AppDbContextFactory(settings))
            await new SchemaMigrator(factory, settings, Microsoft.Extensions.Logging.Abstractions.NullLogger<SchemaMigrator>.Instance).MigrateAsync();
        using var c = Open($"Data Source={nested}");
        Assert.Equal("wal", Scalar(c, "PRAGMA journal_mode;"));
    }

    [Fact]
    [Trait("Database", "postgres")]
    public async Task Migrate_InstancesStartingTogether_OnANewPostgresDatabase_AllReachTheNewestAndEachMigrationIsAppliedOnce()
    {
        using var db = new TestDatabase(migrate: false, DatabaseProvider.Postgres);
        // Each instance its own pool, as separate processes have.
        var instances = Enumerable.Range(0, 4).Select(i => db.Settings with { ConnectionString = db.Settings.ConnectionString + $";Application Name=instance{i}" }).ToList();
        var newest = await Task.WhenAll(instances.Select(settings => Task.Run(async () =>
        {
            using var factory = new AppDbContextFactory(settings);
            return await new SchemaMigrator(factory, settings, Microsoft.Extensions.Logging.Abstractions.NullLogger<SchemaMigrator>.Instance).MigrateAsync();
        })));
        await using var ctx = db.CreateContext();
        var known = ctx.Database.GetMigrations().ToList();
        Assert.All(newest, n => Assert.Equal(known[^1], n));
        Assert.Equal(known, await ctx.Database.GetAppliedMigrationsAsync());
    }

    [Fact]
    public async Task Migrate_Twice_AppliesNothingTheSecondTime()
    {
        using var db = new TestDatabase();
        await using var ctx = db.CreateContext();
        var before = (await ctx.Database.GetAppliedMigrationsAsync()).ToList();
        db.Migrate();
        Assert.Equal(before, await ctx.Database.GetAppliedMigrationsAsync());
    }

    [Fact]
    public async Task Migrations_CreateExactlyTheSchemaTheModelDescribes()
    {
        using var migrated = new TestDatabase();
        using var modelCreated = new TestDatabase(migrate: false);
        await using (var ctx = modelCreated.CreateContext()) await ctx.Database.EnsureCreatedAsync();
        await using (var ctx = migrated.CreateContext()) Assert.False(ctx.Database.HasPendingModelChanges(), "the model changed without a migration: run dotnet ef migrations add (see the README)");
        Assert.Equal(Describe(modelCreated), Describe(migrated));
    }

    [Fact]
    [Trait("Database", "sqlite")]
    public async Task Upgrade_DatabaseOfRelease5ef0515_KeepsEveryRowAndEndsWithTheSchemaOfANewDatabase()
    {
        using var db = new TestDatabase(migrate: false, DatabaseProvider.Sqlite);
        File.Copy(ReleaseFixture, db.Path);
        var before = RowCounts(db.ConnectionString);

        db.Migrate();

        var after = RowCounts(db.ConnectionString);
        Assert.Equal(before, before.Keys.ToDictionary(t => t, t => after[t]));
        using var fresh = new TestDatabase(provider: DatabaseProvider.Sqlite);
        Assert.Equal(Describe(fresh), Describe(db));
        await using var ctx = db.CreateContext();
        Assert.Empty(await ctx.Database.GetPendingMigrationsAsync());
        // What the old release wrote reads back through today's model.
        Assert.Equal(["admin@example.com", "ana@example.com", "ben@example.com", "lead@example.com", "viewer@example.com"],
            await ctx.Users.OrderBy(u => u.Email).Select(u => u.Email).ToListAsync());
        Assert.Equal(UserRole.Lead, (await ctx.Users.SingleAsync(u => u.Email == "lead@example.com")).Role);
        Assert.Equal(7, await ctx.Labels.CountAsync());
        Assert.Equal(1, await ctx.Assignments.CountAsync(a => a.Status == Data.Labeling.AssignmentStatus.Leased));
        Assert.Equal(1, await ctx.Assignments.CountAsync(a => a.Status == Data.Labeling.AssignmentStatus.Skipped));
        var run = await ctx.Runs.SingleAsync();
        Assert.Equal((Data.Runs.RunStatus.Completed, 20), (run.Status, run.Step));
        Assert.Equal(DateTimeKind.Utc, run.CreatedAt.Kind);
        Assert.Equal([10, 20], await ctx.RunCheckpoints.OrderBy(c => c.Step).Select(c => c.Step).ToListAsync());
        Assert.True(await ctx.MetricPoints.CountAsync(p => p.Name == "loss") >= 20);
        // The points stored before the blocks existed are summarised into them by the upgrade.
        var lossBlocks = await ctx.MetricBlocks.Where(b => b.Name == "loss").OrderBy(b => b.Block).ToListAsync();
        Assert.NotEmpty(lossBlocks);
        var lastLoss = await ctx.MetricPoints.Where(p => p.Name == "loss").OrderByDescending(p => p.Step).FirstAsync();
        Assert.Equal((lastLoss.Step, lastLoss.Value), (lossBlocks[^1].LastStep, lossBlocks[^1].LastValue));
        Assert.Equal(await ctx.MetricPoints.Where(p => p.Name == "loss").MinAsync(p => p.Value), lossBlocks.Min(b => b.MinValue));
        Assert.DoesNotContain(lossBlocks, b => b.Stale);
        // A copy of the old file is kept before the first migration after the adopted ones.
        string next = ctx.Database.GetMigrations().ElementAt(1);
        Assert.True(File.Exists($"{db.Path}.before-{next}.bak"), "a copy of the old database is kept beside it");
        using var copy = Open($"Data Source={db.Path}.before-{next}.bak;Mode=ReadOnly");
        Assert.Equal(7L, Convert.ToInt64(Scalar(copy, "SELECT COUNT(*) FROM labels;")));
    }

    /// <summary>The last numbered script, applied by main between 5ef0515 and the move to migrations.</summary>
    private const string Script6 = """
        CREATE TABLE user_sessions (Id TEXT NOT NULL PRIMARY KEY, UserId INTEGER NOT NULL REFERENCES users (Id) ON DELETE CASCADE, CreatedAt TEXT NOT NULL, EndedAt TEXT NULL);
        CREATE INDEX IX_user_sessions_UserId ON user_sessions (UserId);
        CREATE TABLE sign_in_throttle (EmailHash TEXT NOT NULL PRIMARY KEY, Attempts INTEGER NOT NULL, LockedUntil TEXT NULL, UpdatedAt TEXT NOT NULL);
        ALTER TABLE users DROP COLUMN FailedSignInCount;
        ALTER TABLE users DROP COLUMN LockoutEndsAt;
        INSERT INTO user_sessions VALUES ('kept-session', 1, '2026-12-06 10:00:00', NULL);
        INSERT INTO schema_migrations VALUES (6, 'sessions', '2026-12-06T10:00:00Z');
        """;

    [Fact]
    [Trait("Database", "sqlite")]
    public async Task Upgrade_DatabaseAtScriptVersion6_IsAdoptedWithItsSessions()
    {
        using var db = new TestDatabase(migrate: false, DatabaseProvider.Sqlite);
        File.Copy(ReleaseFixture, db.Path);
        using (var c = Open(db.ConnectionString)) Execute(c, Script6);

        db.Migrate();

        using var fresh = new TestDatabase(provider: DatabaseProvider.Sqlite);
        Assert.Equal(Describe(fresh), Describe(db));
        await using var ctx = db.CreateContext();
        Assert.Equal("kept-session", (await ctx.UserSessions.SingleAsync()).Id);
    }

    [Fact]
    [Trait("Database", "sqlite")]
    public async Task Upgrade_DatabaseOfRelease5ef0515_TranslatesItsRunConfigToTrlKeys()
    {
        using var db = new TestDatabase(migrate: false, DatabaseProvider.Sqlite);
        File.Copy(ReleaseFixture, db.Path);

        db.Migrate();

        await using var ctx = db.CreateContext();
        var run = await ctx.Runs.SingleAsync();
        var config = System.Text.Json.Nodes.JsonNode.Parse(run.ConfigJson)!.AsObject();
        Assert.DoesNotContain(config, kv => Engine.Recipe.LegacyKeys.Renamed.ContainsKey(kv.Key));
        var spec = Engine.Recipe.RunSpecs.Parse(run.Algorithm, config);
        // What the fixture's run was launched with, under the old names: batch_size 4, save_every 10.
        Assert.Equal((4, 10, 20), (spec.Trainer.BatchSize, spec.Trainer.SaveSteps, spec.Trainer.MaxSteps));
        Assert.Equal(0, run.Attempts);
    }

    /// <summary>Two runs stored under the old option names by a database at script version 6.</summary>
    private const string OldRuns = """
        INSERT INTO runs (Name, Algorithm, ConfigJson, Status, Step, TotalSteps, CancelRequested, CreatedAt) VALUES
        ('old', 'dpo', '{"model":"tiny","max_steps":100,"batch_size":16,"cosine_schedule":false,"save_every":25,"log_every":1,"eval_every":0,"beta":0.5}', 'Completed', 100, 100, 0, '2026-01-01'),
        ('odd', 'sft', 'null', 'Failed', 0, 0, 0, '2026-01-01');
        """;

    private const string TranslatedOld = """{"model":"tiny","max_steps":100,"per_device_train_batch_size":16,"lr_scheduler_type":"constant","save_steps":25,"logging_steps":1,"eval_steps":0,"beta":0.5}""";

    [Fact]
    [Trait("Database", "sqlite")]
    public void Upgrade_FromScriptVersion6_TranslatesStoredRunConfigsToTrlKeys_Once()
    {
        using var db = new TestDatabase(migrate: false, DatabaseProvider.Sqlite);
        File.Copy(ReleaseFixture, db.Path);
        using (var c = Open(db.ConnectionString)) Execute(c, Script6 + OldRuns);

        db.Migrate();
        db.Migrate();

        using var read = Open(db.ConnectionString);
        string config = (string)Scalar(read, "SELECT ConfigJson FROM runs WHERE Name = 'old';")!;
        Assert.Equal(TranslatedOld, config);
        var spec = Engine.Recipe.RunSpecs.Parse("dpo", System.Text.Json.Nodes.JsonNode.Parse(config)!.AsObject());
        Assert.Equal((16, 25), (spec.Trainer.BatchSize, spec.Trainer.SaveSteps));
        Assert.Equal("null", Scalar(read, "SELECT ConfigJson FROM runs WHERE Name = 'odd';")); // unreadable: left for the engine to name
        Assert.Equal(0L, Scalar(read, "SELECT Attempts FROM runs WHERE Name = 'old';"));
        Assert.Equal(1L, Scalar(read, "SELECT COUNT(*) FROM __EFMigrationsHistory WHERE MigrationId LIKE '%TrlRunKeys';"));
    }

    /// <summary>Script 7 as the release before migrations applied it: the column, and the configs its own code had translated.</summary>
    private const string Script7 = """
        ALTER TABLE runs ADD COLUMN Attempts INTEGER NOT NULL DEFAULT 0;
        UPDATE runs SET Attempts = 2 WHERE Name = 'old';
        INSERT INTO schema_migrations VALUES (7, 'run_attempts_and_trl_keys', '2026-12-06T11:00:00Z');
        """;

    [Fact]
    [Trait("Database", "sqlite")]
    public async Task Upgrade_DatabaseAtScriptVersion7_IsAdoptedKeepingItsAttemptsAndConfigs()
    {
        using var db = new TestDatabase(migrate: false, DatabaseProvider.Sqlite);
        File.Copy(ReleaseFixture, db.Path);
        using (var c = Open(db.ConnectionString))
            Execute(c, Script6 + OldRuns.Replace("""{"model":"tiny","max_steps":100,"batch_size":16,"cosine_schedule":false,"save_every":25,"log_every":1,"eval_every":0,"beta":0.5}""", TranslatedOld) + Script7);

        db.Migrate();

        using var fresh = new TestDatabase(provider: DatabaseProvider.Sqlite);
        Assert.Equal(Describe(fresh.ConnectionString), Describe(db.ConnectionString));
        await using var ctx = db.CreateContext();
        Assert.Empty(await ctx.Database.GetPendingMigrationsAsync());
        var old = await ctx.Runs.SingleAsync(r => r.Name == "old");
        Assert.Equal((TranslatedOld, 2), (old.ConfigJson, old.Attempts));
    }

    /// <summary>The scripts 8, 9 and 10 as the last builds before migrations applied them (Fixtures/scripts).</summary>
    private static string Script(string name) => File.ReadAllText(Path.Combine(RepoRoot.Path, "tests", "LabelAndAlign.Web.Tests", "Fixtures", "scripts", name));

    [Fact]
    [Trait("Database", "sqlite")]
    public async Task Upgrade_DatabaseAtScriptVersion10_IsAdoptedWithItsWorkersAndCheckpoints()
    {
        using var db = new TestDatabase(migrate: false, DatabaseProvider.Sqlite);
        File.Copy(ReleaseFixture, db.Path);
        using (var c = Open(db.ConnectionString))
            Execute(c, Script6 + OldRuns.Replace("""{"model":"tiny","max_steps":100,"batch_size":16,"cosine_schedule":false,"save_every":25,"log_every":1,"eval_every":0,"beta":0.5}""", TranslatedOld) + Script7
                + Script("0008_workers.sql") + Script("0009_generation_jobs.sql")
                + "INSERT INTO workers (Name, SessionId, UserId, Host, Version, Cores, MemoryBytes, MaxRuns, EnginesJson, FirstSeenAt, ConnectedAt, LastSeenAt) VALUES ('gpu-1', 's', 1, 'h', '1', 8, 1, 1, '[]', '2026-12-07', '2026-12-07', '2026-12-07');"
                + "INSERT INTO schema_migrations VALUES (8, 'workers', '2026-12-07T04:00:00Z'), (9, 'generation_jobs', '2026-12-07T04:00:00Z');"
                + Script("0010_uploaded_checkpoints.sql") + "INSERT INTO schema_migrations VALUES (10, 'uploaded_checkpoints', '2026-12-07T05:00:00Z');");

        db.Migrate();

        using var fresh = new TestDatabase(provider: DatabaseProvider.Sqlite);
        Assert.Equal(Describe(fresh.ConnectionString), Describe(db.ConnectionString));
        await using var ctx = db.CreateContext();
        Assert.Empty(await ctx.Database.GetPendingMigrationsAsync());
        Assert.Equal("gpu-1", (await ctx.Workers.SingleAsync()).Name);
        Assert.Equal([10, 20], await ctx.RunCheckpoints.OrderBy(c => c.Step).Select(c => c.Step).ToListAsync());
        Assert.Equal(TranslatedOld, (await ctx.Runs.SingleAsync(r => r.Name == "old")).ConfigJson);
    }

    /// <summary>Rows a database at migration UploadedCheckpoints holds: a project with an item, a dataset frozen from it, a run on it and its checkpoint, an upload.</summary>
    private const string BeforeArchiving = """
        INSERT INTO projects (Id, Name, Guidelines, LabelsPerItem, RubricJson, AskRationale, LeaseMinutes, GoldRate, CreatedAt) VALUES (1, 'p', '', 1, '[]', 0, 30, 0, '2026-12-07 08:00:00');
        INSERT INTO items (ProjectId, PromptText, ResponseA, ResponseB, IsGold, SlotsTaken, LabelCount, IsOpen, CreatedAt) VALUES (1, 'q', 'a', 'b', 0, 0, 0, 1, '2026-12-07 08:00:00');
        INSERT INTO datasets (Id, Name, Kind, RowCount, PreviewJson, Source, CreatedAt, SourceProjectId) VALUES (1, 'snap', 'preference', 0, '[]', 'snapshot:1', '2026-12-07 08:00:00', 1);
        INSERT INTO runs (Id, Name, Algorithm, ConfigJson, DatasetId, Status, Step, TotalSteps, CancelRequested, Attempts, LeaseEpoch, ReportSeq, CreatedAt) VALUES (1, 'r', 'dpo', '{}', 1, 'Completed', 20, 20, 0, 0, 0, 0, '2026-12-07 08:00:00');
        INSERT INTO run_checkpoints (RunId, Step, Path, CreatedAt) VALUES (1, 20, 'runs/1/checkpoints/checkpoint-20', '2026-12-07 08:00:00');
        INSERT INTO run_checkpoints (RunId, Step, Name, Path, CreatedAt) VALUES (NULL, 0, 'gpt2', 'models/x', '2026-12-07 08:00:00');
        """;

    [Fact]
    [Trait("Database", "sqlite")]
    public async Task Upgrade_DatabaseBeforeArchiving_KeepsEveryRow_NothingArchived_AndEndsWithTheNewSchema()
    {
        using var db = new TestDatabase(migrate: false, DatabaseProvider.Sqlite);
        await using (var ctx = db.CreateContext())
            await ctx.GetService<Microsoft.EntityFrameworkCore.Migrations.IMigrator>().MigrateAsync(ctx.Database.GetMigrations().Single(m => m.EndsWith("_UploadedCheckpoints")));
        using (var c = Open(db.ConnectionString))
        {
            Assert.Equal(0L, Convert.ToInt64(Scalar(c, "SELECT COUNT(*) FROM pragma_table_info('runs') WHERE name = 'ArchivedAt';")));
            Execute(c, BeforeArchiving);
        }
        var before = RowCounts(db.ConnectionString);

        db.Migrate();

        // Every table keeps its rows; tables later migrations add start empty.
        var after = RowCounts(db.ConnectionString);
        Assert.Equal(before, after.Where(t => before.ContainsKey(t.Key)).ToDictionary());
        Assert.All(after.Where(t => !before.ContainsKey(t.Key)), t => Assert.Equal(0L, t.Value));
        using var fresh = new TestDatabase(provider: DatabaseProvider.Sqlite);
        Assert.Equal(Describe(fresh.ConnectionString), Describe(db.ConnectionString));
        await using var read = db.CreateContext();
        Assert.Empty(await read.Database.GetPendingMigrationsAsync());
        Assert.Equal(("p", null), await read.Projects.Select(p => ValueTuple.Create(p.Name, p.ArchivedAt)).SingleAsync());
        Assert.Equal(("snap", null), await read.Datasets.Select(d => ValueTuple.Create(d.Name, d.ArchivedAt)).SingleAsync());
        Assert.Equal(("r", null), await read.Runs.Select(r => ValueTuple.Create(r.Name, r.ArchivedAt)).SingleAsync());
        Assert.Equal([null, null], await read.RunCheckpoints.Select(c => c.ArchivedAt).ToListAsync());
    }

    [Fact]
    [Trait("Database", "sqlite")]
    public async Task Upgrade_ARunLeftRunningByTheInProcessEngine_GoesBackToTheQueueForAWorker()
    {
        using var db = new TestDatabase(migrate: false, DatabaseProvider.Sqlite);
        File.Copy(ReleaseFixture, db.Path);
        using (var c = Open(db.ConnectionString)) Execute(c, "UPDATE runs SET Status = 'Running';");

        db.Migrate();

        await using var ctx = db.CreateContext();
        Assert.Equal(Data.Runs.RunStatus.Queued, (await ctx.Runs.SingleAsync()).Status);
    }

    [Fact]
    [Trait("Database", "sqlite")]
    public void Migrate_AMigrationThatFails_IsRolledBackAndNamed()
    {
        using var db = new TestDatabase(migrate: false, DatabaseProvider.Sqlite);
        File.Copy(ReleaseFixture, db.Path);
        // Someone made a table by hand that the second migration creates.
        using (var c = Open(db.ConnectionString)) Execute(c, "CREATE TABLE sign_in_throttle (Id INTEGER);");

        var e = Assert.Throws<InvalidOperationException>(() => db.Migrate());

        using var ctx = db.CreateContext();
        string second = ctx.Database.GetMigrations().ElementAt(1);
        Assert.Contains(second, e.Message);
        Assert.Equal([ctx.Database.GetMigrations().First()], ctx.Database.GetAppliedMigrations());
        using var check = Open(db.ConnectionString);
        // Its first step (dropping a users column) was undone with the rest.
        Assert.Equal(1L, Convert.ToInt64(Scalar(check, "SELECT COUNT(*) FROM pragma_table_info('users') WHERE name = 'FailedSignInCount';")));
    }

    [Fact]
    [Trait("Database", "sqlite")]
    public void Upgrade_DatabaseOfRelease5ef0515_IsMarkedSoThatReleaseRefusesIt()
    {
        using var db = new TestDatabase(migrate: false, DatabaseProvider.Sqlite);
        File.Copy(ReleaseFixture, db.Path);
        db.Migrate();
        using var c = Open(db.ConnectionString);
        // 5ef0515 refuses a database whose schema_migrations holds a version above its newest (5).
        Assert.Equal((long)SchemaMigrator.MovedToMigrationsVersion, Convert.ToInt64(Scalar(c, "SELECT MAX(Version) FROM schema_migrations;")));
    }

    [Fact]
    [Trait("Database", "sqlite")]
    public void Upgrade_ScriptedDatabaseOlderThanRelease5ef0515_ThrowsNamingTheReleaseToPassThrough()
    {
        using var db = new TestDatabase(migrate: false, DatabaseProvider.Sqlite);
        File.Copy(ReleaseFixture, db.Path);
        using (var c = Open(db.ConnectionString)) Execute(c, "DELETE FROM schema_migrations WHERE Version = 5;");
        var e = Assert.Throws<InvalidOperationException>(() => db.Migrate());
        Assert.Contains("schema script version 4", e.Message);
        Assert.Contains("5ef0515", e.Message);
        using var check = Open(db.ConnectionString);
        Assert.Equal(0L, Convert.ToInt64(Scalar(check, "SELECT COUNT(*) FROM sqlite_master WHERE name = '__EFMigrationsHistory';")));
    }

    [Fact]
    public async Task Migrate_DatabaseFromANewerBuild_ThrowsNamingItsMigration()
    {
        using var db = new TestDatabase();
        await using (var ctx = db.CreateContext())
            await ctx.Database.ExecuteSqlRawAsync("INSERT INTO \"__EFMigrationsHistory\" (\"MigrationId\", \"ProductVersion\") VALUES ('29991231000000_FromTheFuture', '99.0.0');");
        var e = Assert.Throws<InvalidOperationException>(() => db.Migrate());
        Assert.Contains("29991231000000_FromTheFuture", e.Message);
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

    private static void Execute(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <summary>The application's tables (not the migration bookkeeping).</summary>
    private static List<string> Tables(SqliteConnection c)
    {
        var tables = new List<string>();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('schema_migrations', 'sqlite_sequence') AND name NOT LIKE '\\_\\_EF%' ESCAPE '\\' ORDER BY name;";
        using var r = cmd.ExecuteReader();
        while (r.Read()) tables.Add(r.GetString(0));
        return tables;
    }

    private static Dictionary<string, long> RowCounts(string cs)
    {
        using var c = Open(cs);
        return Tables(c).ToDictionary(t => t, t => Convert.ToInt64(Scalar(c, $"SELECT COUNT(*) FROM \"{t}\";")));
    }

    /// <summary>The application's tables with their columns, indexes and foreign keys, as the engine describes them.</summary>
    private static List<string> Describe(TestDatabase db) =>
        db.Provider == DatabaseProvider.Sqlite ? Describe(db.ConnectionString) : DescribePostgres(db);

    /// <summary>Tables with their columns (name, type, not-null, pk), indexes (name, unique, columns) and foreign keys.</summary>
    private static List<string> Describe(string cs)
    {
        using var c = Open(cs);
        var lines = new List<string>();
        foreach (var t in Tables(c))
        {
            using var cols = c.CreateCommand();
            cols.CommandText = $"SELECT name, upper(type), \"notnull\", pk FROM pragma_table_info('{t}') ORDER BY name;";
            using (var r = cols.ExecuteReader())
                while (r.Read()) lines.Add($"{t}.{r.GetString(0)} {r.GetString(1)} notnull={r.GetInt64(2)} pk={r.GetInt64(3)}");
            using var idx = c.CreateCommand();
            idx.CommandText = $"SELECT il.name, il.\"unique\", il.partial, (SELECT group_concat(name) FROM pragma_index_info(il.name)) FROM pragma_index_list('{t}') il WHERE il.origin = 'c' ORDER BY il.name;";
            using (var r = idx.ExecuteReader())
                while (r.Read()) lines.Add($"{t} index {r.GetString(0)} unique={r.GetInt64(1)} partial={r.GetInt64(2)} on {r.GetString(3)}");
            using var fks = c.CreateCommand();
            fks.CommandText = $"SELECT \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list('{t}') ORDER BY \"from\";";
            using (var r = fks.ExecuteReader())
                while (r.Read()) lines.Add($"{t} fk {r.GetString(1)} -> {r.GetString(0)}.{r.GetString(2)} on delete {r.GetString(3)}");
        }
        return lines;
    }

    /// <summary>Columns (type, nullability, identity), index definitions and foreign keys of the public schema, migration bookkeeping left out.</summary>
    private static List<string> DescribePostgres(TestDatabase db)
    {
        using var ctx = db.CreateContext();
        var c = ctx.Database.GetDbConnection();
        c.Open();
        var lines = new List<string>();
        void Read(string sql)
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = sql;
            using DbDataReader r = cmd.ExecuteReader();
            while (r.Read()) lines.Add(string.Join(" ", Enumerable.Range(0, r.FieldCount).Select(i => Convert.ToString(r.GetValue(i)))));
        }
        Read("""
            SELECT table_name, column_name, data_type, is_nullable, is_identity FROM information_schema.columns
            WHERE table_schema = 'public' AND table_name NOT LIKE '\_\_EF%' ORDER BY table_name, column_name
            """);
        Read("SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename NOT LIKE '\\_\\_EF%' ORDER BY tablename, indexname");
        Read("""
            SELECT conrelid::regclass::text, conname, confrelid::regclass::text, confdeltype FROM pg_constraint
            WHERE contype = 'f' ORDER BY conrelid::regclass::text, conname
            """);
        return lines;
    }
}
