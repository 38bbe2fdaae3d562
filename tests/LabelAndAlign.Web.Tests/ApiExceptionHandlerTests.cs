using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LabelAndAlign.Tests;
using LabelAndAlign.Web.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using LabelAndAlign.Web.Services.Labeling;
using Microsoft.Extensions.DependencyInjection;

namespace LabelAndAlign.Web.Tests;

/// <summary>Every failure on an /api route answers JSON problem details, never an HTML page.</summary>
public sealed class ApiExceptionHandlerTests(AppFactory app) : IClassFixture<AppFactory>
{
    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        return problem;
    }

    [Fact]
    public async Task ItemImport_WithAnUnpairedSurrogate_Answers400NamingTheLine()
    {
        var admin = app.CreateApiClient();
        int project = (await (await admin.PostAsJsonAsync("/api/projects", new { name = "surrogates" })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        var body = new StringContent("{\"prompt\": \"\\ud800\", \"response_a\": \"a\", \"response_b\": \"b\"}\n", Encoding.UTF8, "application/x-ndjson");
        var problem = await ProblemAsync(await admin.PostAsync($"/api/projects/{project}/items", body), HttpStatusCode.BadRequest);
        Assert.Equal(1, problem.GetProperty("errors")[0].GetProperty("line").GetInt32());
    }

    [Fact]
    public async Task DatasetImport_OfOne190MBLine_Answers400NamingTheLine()
    {
        var content = new StreamContent(new GeneratedStream("{\"text\": \"", (byte)'a', 190L * 1024 * 1024, "\"}\n"));
        content.Headers.ContentType = new("application/x-ndjson");
        var problem = await ProblemAsync(await app.CreateApiClient().PostAsync("/api/datasets?name=huge-line", content), HttpStatusCode.BadRequest);
        var error = problem.GetProperty("errors")[0];
        Assert.Equal(1, error.GetProperty("line").GetInt32());
        Assert.Contains("characters", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task AJsonBodyWithAnUnpairedSurrogate_Answers400()
    {
        var body = new StringContent("{\"name\": \"\\ud800\"}", Encoding.UTF8, "application/json");
        await ProblemAsync(await app.CreateApiClient().PostAsync("/api/projects", body), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task UnknownRoutes_WrongMethods_AndMissingSignIns_AnswerProblemDetails()
    {
        await ProblemAsync(await app.CreateApiClient().GetAsync("/api/no-such-route"), HttpStatusCode.NotFound);
        await ProblemAsync(await app.CreateApiClient().DeleteAsync("/api/projects"), HttpStatusCode.MethodNotAllowed);
        await ProblemAsync(await app.CreateApiClient(key: null).GetAsync("/api/projects"), HttpStatusCode.Unauthorized);
        await ProblemAsync(await app.CreateApiClient("lna_not-a-real-key").GetAsync("/api/projects"), HttpStatusCode.Unauthorized);
        await ProblemAsync(await app.CreateApiClient().GetAsync("/api/runs/999999"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AnUnexpectedFailure_Answers500WithItsTraceId_NotAnHtmlPage()
    {
        // A service that fails as a bug would, deep inside the route.
        using var failing = app.WithWebHostBuilder(b => b.ConfigureServices(s =>
            s.AddScoped<ProjectService>(_ => throw new InvalidOperationException("boom"))));
        var client = failing.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", AppFactory.AdminKey);
        var problem = await ProblemAsync(await client.GetAsync("/api/projects"), HttpStatusCode.InternalServerError);
        Assert.Contains("trace id", problem.GetProperty("detail").GetString());
        Assert.DoesNotContain("boom", problem.GetRawText()); // the exception's own words stay in the log
    }

    /// <summary>
    /// The database cannot take the labeler's call for a while, as under a crowd on a starved machine: on PostgreSQL
    /// the app's pool (one connection here) is held by a call waiting on the labeler's lock, which another session
    /// holds, so the next call's API-key check finds no connection within the pool's Timeout; on SQLite another
    /// process holds the file's write lock past the busy timeout. Either way the call answers 503 with Retry-After
    /// and says why, nothing of it is stored, and the same call succeeds once the database is free again.
    /// </summary>
    [Fact]
    public async Task AssignmentsNext_WhileTheDatabaseCannotTakeIt_Answers503WithRetryAfter_AndSucceedsWhenSentAgain()
    {
        using var busy = new AppFactory { ConnectionSettings = TestServers.OnPostgres ? "Maximum Pool Size=1;Minimum Pool Size=1;Timeout=1" : "" };
        var admin = busy.CreateApiClient();
        int project = (await (await admin.PostAsJsonAsync("/api/projects", new { name = "busy" })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        var items = new StringContent("{\"prompt\": \"p\", \"response_a\": \"a\", \"response_b\": \"b\"}\n", Encoding.UTF8, "application/x-ndjson");
        Assert.True((await admin.PostAsync($"/api/projects/{project}/items", items)).IsSuccessStatusCode);
        Assert.True((await admin.PostAsJsonAsync($"/api/projects/{project}/members", new { email = AppFactory.AdminEmail, role = "Labeler" })).IsSuccessStatusCode);
        int adminId;
        await using (var db = busy.CreateDbContext()) adminId = await db.Users.Where(u => u.Email == AppFactory.AdminEmail).Select(u => u.Id).SingleAsync();

        HttpResponseMessage refused;
        Task<HttpResponseMessage>? held = null;
        if (TestServers.OnPostgres)
        {
            // Not pooled: closing it must end its session, which holds the lock.
            await using var other = new Npgsql.NpgsqlConnection($"{busy.ConnectionString};Pooling=false");
            await other.OpenAsync();
            await using (var lockIt = new Npgsql.NpgsqlCommand($"SELECT pg_advisory_lock({WriteScopes.Labeler}, {adminId})", other)) await lockIt.ExecuteNonQueryAsync();
            held = admin.PostAsync($"/api/projects/{project}/assignments/next", null);
            // The held call has the pool's one connection once PostgreSQL shows it waiting for the lock.
            await using (var waiting = new Npgsql.NpgsqlCommand("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted", other))
                for (var deadline = DateTime.UtcNow.AddSeconds(30); (long)(await waiting.ExecuteScalarAsync())! == 0; await Task.Delay(20))
                    Assert.True(DateTime.UtcNow < deadline, "The first call never waited for the labeler's lock.");
            refused = await busy.CreateApiClient().GetAsync("/api/projects");
        }
        else
        {
            await using var other = new SqliteConnection($"Data Source={new SqliteConnectionStringBuilder(busy.ConnectionString).DataSource};Pooling=False");
            await other.OpenAsync();
            await using var lockIt = other.BeginTransaction(deferred: false);
            refused = await admin.PostAsync($"/api/projects/{project}/assignments/next", null);
        }

        var problem = await ProblemAsync(refused, HttpStatusCode.ServiceUnavailable);
        Assert.Equal(TimeSpan.FromSeconds(2), refused.Headers.RetryAfter?.Delta);
        string detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("Nothing was stored; send the request again in 2 s", detail);
        Assert.Contains(TestServers.OnPostgres ? "all 1 connections of the pool (Maximum Pool Size) stayed busy for 1 s (Timeout)" : "write lock for 10 s", detail);

        if (held is not null) Assert.True((await held).StatusCode == HttpStatusCode.OK, await (await held).Content.ReadAsStringAsync());
        var again = await admin.PostAsync($"/api/projects/{project}/assignments/next", null);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        await using (var db = busy.CreateDbContext()) Assert.Equal(1, await db.Assignments.CountAsync(a => a.ProjectId == project));
    }
}
