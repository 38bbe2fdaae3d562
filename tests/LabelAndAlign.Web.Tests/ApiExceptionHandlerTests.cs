using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
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
}
