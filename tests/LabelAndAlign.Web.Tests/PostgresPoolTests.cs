using LabelAndAlign.Tests;
using LabelAndAlign.Web.Data.Postgres;
using Npgsql;

namespace LabelAndAlign.Web.Tests;

/// <summary>
/// The app's PostgreSQL pool: our defaults where the connection string names none (the operator's
/// settings win), and open before the first request, so a crowd arriving on a starved machine does
/// not wait on new connections' handshakes.
/// </summary>
public sealed class PostgresPoolTests
{
    [Fact]
    public void WithDefaults_WhereTheConnectionStringNamesNone_FillsInTheMinimumAndMaximum()
    {
        var filled = new NpgsqlConnectionStringBuilder(PostgresPool.WithDefaults("Host=db;Database=lna;Username=lna"));
        Assert.Equal((PostgresPool.DefaultMinimum, PostgresPool.DefaultMaximum), (filled.MinPoolSize, filled.MaxPoolSize));
        Assert.Equal(("db", "lna"), (filled.Host, filled.Database));
    }

    [Theory]
    [InlineData("Host=db;Maximum Pool Size=5", 5, 5)]
    [InlineData("Host=db;MaxPoolSize=5", 5, 5)]
    [InlineData("Host=db;Minimum Pool Size=0", 0, PostgresPool.DefaultMaximum)]
    [InlineData("Host=db;minimum pool size=70", 70, 70)]
    [InlineData("Host=db;Minimum Pool Size=2;Maximum Pool Size=300", 2, 300)]
    public void WithDefaults_KeepsWhatTheOperatorSet(string connectionString, int minimum, int maximum)
    {
        var filled = new NpgsqlConnectionStringBuilder(PostgresPool.WithDefaults(connectionString));
        Assert.Equal((minimum, maximum), (filled.MinPoolSize, filled.MaxPoolSize));
    }

    [Fact]
    [Trait("Database", "postgres")]
    public async Task AppStart_OpensThePoolsMinimum_BeforeTheFirstRequest()
    {
        using var app = new AppFactory { ConnectionSettings = "Minimum Pool Size=6" };
        _ = app.Services; // starts the app: migrations, bootstrap, warm pool; no request yet
        string database = new NpgsqlConnectionStringBuilder(app.ConnectionString).Database!;
        await using var admin = new NpgsqlConnection(TestServers.PostgresAdmin);
        await admin.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = $1", admin) { Parameters = { new() { Value = database } } };
        Assert.True((long)(await count.ExecuteScalarAsync())! >= 6, "The app opened fewer connections than Minimum Pool Size before its first request.");
    }
}
