using System.Net.Http.Json;
using System.Text.Json;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Services;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LabelAndAlign.Web.Tests;

public class AuditLogTests(AppFactory app) : IClassFixture<AppFactory>
{
    private async Task<List<AuditEvent>> EventsAsync()
    {
        await using var db = app.CreateDbContext();
        return await db.AuditEvents.AsNoTracking().OrderBy(e => e.Id).ToListAsync();
    }

    [Fact]
    public async Task UserCreation_KeyIssue_AndExport_AreRecordedWithTheActingAdmin()
    {
        var admin = app.CreateApiClient();
        string email = $"audited{Guid.NewGuid():N}@example.com";
        var created = await admin.PostAsJsonAsync("/api/users", new { email, password = "audited-password", role = "Viewer" });
        int id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        (await admin.PostAsJsonAsync($"/api/users/{id}/keys", new { })).EnsureSuccessStatusCode();
        var project = await admin.PostAsJsonAsync("/api/projects", new { name = "audited" });
        int projectId = (await project.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        (await admin.GetAsync($"/api/projects/{projectId}/export?format=votes")).EnsureSuccessStatusCode();

        var events = await EventsAsync();
        var adminId = events.First(e => e.Action == "user.create" && e.Detail.Contains(email)).UserId;
        Assert.NotNull(adminId);
        Assert.Contains(events, e => e.Action == "key.create" && e.Detail.Contains(email) && e.UserId == adminId);
        Assert.Contains(events, e => e.Action == "export" && e.Detail == $"project {projectId} as votes" && e.UserId == adminId);
    }

    [Fact]
    public async Task RunLaunch_IsRecorded()
    {
        var admin = app.CreateApiClient();
        var dataset = await admin.PostAsync("/api/datasets?name=audit-sft", new StringContent(
            "{\"prompt\": \"2+2=\", \"completion\": \"4\"}\n{\"prompt\": \"3+3=\", \"completion\": \"6\"}\n", System.Text.Encoding.UTF8, "application/x-ndjson"));
        dataset.EnsureSuccessStatusCode();
        int datasetId = (await dataset.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        var run = await admin.PostAsJsonAsync("/api/runs", new { name = "audited run", algorithm = "sft", config = new { max_steps = 2 }, source = new { datasetId } });
        Assert.True(run.IsSuccessStatusCode, await run.Content.ReadAsStringAsync());
        int runId = (await run.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();

        var events = await EventsAsync();
        Assert.Contains(events, e => e.Action == "run.launch" && e.Detail.StartsWith($"run {runId} 'audited run' (sft)") && e.UserId is not null);
    }

    [Fact]
    public async Task PageAsync_PagesNewestFirst_InTheDatabase()
    {
        using var db = new TestDatabase();
        var audit = AccountsTestData.Audit(db);
        for (int i = 0; i < 30; i++) await audit.RecordAsync("test.event", $"event {i}");
        var second = await audit.PageAsync(new PageRequest(Page: 1, PageSize: 10));
        Assert.Equal(30, second.Total);
        Assert.Equal(Enumerable.Range(10, 10).Select(i => $"event {29 - i}"), second.Items.Select(e => e.Detail));
    }
}
