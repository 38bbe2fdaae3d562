using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace LabelAndAlign.Web.Tests;

public class LabelingEndpointsTests(AppFactory app) : IClassFixture<AppFactory>
{
    private sealed record Created(int Id);
    private sealed record IssuedKey(string Key);
    private sealed record Next(long AssignmentId, string Prompt, string Left, string Right);
    private sealed record LabelCreated(long LabelId);

    private async Task<(string Email, HttpClient Client)> NewUserAsync(string role)
    {
        var admin = app.CreateApiClient();
        string email = $"{role.ToLowerInvariant()}{Guid.NewGuid():N}@example.com";
        var created = await (await admin.PostAsJsonAsync("/api/users", new { email, password = "long-enough-password", role })).Content.ReadFromJsonAsync<Created>();
        var key = await (await admin.PostAsJsonAsync($"/api/users/{created!.Id}/keys", new { })).Content.ReadFromJsonAsync<IssuedKey>();
        return (email, app.CreateApiClient(key!.Key));
    }

    private async Task<int> NewProjectAsync(int labelsPerItem = 1, int items = 3)
    {
        var admin = app.CreateApiClient();
        var response = await admin.PostAsJsonAsync("/api/projects", new { name = "API project", guidelines = "# Be fair", labelsPerItem });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        int id = (await response.Content.ReadFromJsonAsync<Created>())!.Id;
        if (items > 0)
        {
            var lines = string.Join("\n", Enumerable.Range(1, items).Select(i => $$"""{"id": "e{{i}}", "prompt": "P{{i}}", "response_a": "a-{{i}}", "response_b": "b-{{i}}", "model_a": "secret-model"}"""));
            var imported = await admin.PostAsync($"/api/projects/{id}/items", new StringContent(lines, Encoding.UTF8, "application/x-ndjson"));
            Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
            Assert.Equal(items, JsonDocument.Parse(await imported.Content.ReadAsStringAsync()).RootElement.GetProperty("imported").GetInt32());
        }
        return id;
    }

    private static Task<HttpResponseMessage> AddMemberAsync(HttpClient client, int project, string email, string role) =>
        client.PostAsJsonAsync($"/api/projects/{project}/members", new { email, role });

    [Fact]
    public async Task Labeler_FullFlow_NextLabelIdempotentThenNoContent()
    {
        int project = await NewProjectAsync(items: 2);
        var (email, labeler) = await NewUserAsync("Labeler");
        Assert.Equal(HttpStatusCode.OK, (await AddMemberAsync(app.CreateApiClient(), project, email, "Labeler")).StatusCode);

        for (int i = 0; i < 2; i++)
        {
            var response = await labeler.PostAsync($"/api/projects/{project}/assignments/next", null);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            string raw = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain("secret-model", raw);
            var next = JsonSerializer.Deserialize<Next>(raw, JsonSerializerOptions.Web)!;
            var first = await labeler.PostAsJsonAsync($"/api/assignments/{next.AssignmentId}/label", new { choice = "left", strength = 2, rationale = "clearer" });
            var again = await labeler.PostAsJsonAsync($"/api/assignments/{next.AssignmentId}/label", new { choice = "left", strength = 2, rationale = "clearer" });
            var different = await labeler.PostAsJsonAsync($"/api/assignments/{next.AssignmentId}/label", new { choice = "right" });
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal((await first.Content.ReadFromJsonAsync<LabelCreated>())!.LabelId, (await again.Content.ReadFromJsonAsync<LabelCreated>())!.LabelId);
            Assert.Equal(HttpStatusCode.Conflict, different.StatusCode);
            Assert.Contains("\"A is better, much\" is stored", (await different.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        }
        Assert.Equal(HttpStatusCode.NoContent, (await labeler.PostAsync($"/api/projects/{project}/assignments/next", null)).StatusCode);

        var votes = await (await app.CreateApiClient().GetAsync($"/api/projects/{project}/export?format=votes")).Content.ReadAsStringAsync();
        Assert.Equal(2, votes.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains($"\"labeler\":\"{email}\"", votes);
    }

    [Fact]
    public async Task Labeler_NotAMember_Gets404_AndCannotCreateProjects()
    {
        int project = await NewProjectAsync();
        var (_, outsider) = await NewUserAsync("Labeler");
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.PostAsync($"/api/projects/{project}/assignments/next", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync($"/api/projects/{project}/export?format=votes")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await outsider.PostAsJsonAsync("/api/projects", new { name = "mine" })).StatusCode);
    }

    [Fact]
    public async Task Labeler_Member_CannotManage_AndCannotLabelSomeoneElsesAssignment()
    {
        int project = await NewProjectAsync();
        var (email1, l1) = await NewUserAsync("Labeler");
        var (email2, l2) = await NewUserAsync("Labeler");
        var admin = app.CreateApiClient();
        await AddMemberAsync(admin, project, email1, "Labeler");
        await AddMemberAsync(admin, project, email2, "Labeler");
        Assert.Equal(HttpStatusCode.Forbidden, (await l1.GetAsync($"/api/projects/{project}/export?format=trl")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await AddMemberAsync(l1, project, email1, "Lead")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await l1.GetAsync($"/api/projects/{project}/agreement")).StatusCode);

        var next = await (await l1.PostAsync($"/api/projects/{project}/assignments/next", null)).Content.ReadFromJsonAsync<Next>();
        Assert.Equal(HttpStatusCode.NotFound, (await l2.PostAsJsonAsync($"/api/assignments/{next!.AssignmentId}/label", new { choice = "left" })).StatusCode);
    }

    [Fact]
    public async Task Viewer_Member_SeesAgreementButCannotLabel()
    {
        int project = await NewProjectAsync();
        var (email, viewer) = await NewUserAsync("Viewer");
        await AddMemberAsync(app.CreateApiClient(), project, email, "Viewer");
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync($"/api/projects/{project}/agreement")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsync($"/api/projects/{project}/assignments/next", null)).StatusCode);
    }

    [Theory]
    [InlineData("""{"name": ""}""", "name")]
    [InlineData("""{"name": "x", "labelsPerItem": 0}""", "labelsPerItem")]
    public async Task CreateProject_BadInput_Returns400NamingTheField(string json, string field)
    {
        var response = await app.CreateApiClient().PostAsync("/api/projects", new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(body.RootElement.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task AddMember_UnknownEmailOrRole_Returns400()
    {
        int project = await NewProjectAsync(items: 0);
        var admin = app.CreateApiClient();
        Assert.Equal(HttpStatusCode.BadRequest, (await AddMemberAsync(admin, project, "nobody@example.com", "Labeler")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await AddMemberAsync(admin, project, AppFactory.AdminEmail, "Boss")).StatusCode);
    }

    [Fact]
    public async Task Label_BadChoice_Returns400NamingChoice()
    {
        int project = await NewProjectAsync(items: 1);
        var (email, labeler) = await NewUserAsync("Labeler");
        await AddMemberAsync(app.CreateApiClient(), project, email, "Labeler");
        var next = await (await labeler.PostAsync($"/api/projects/{project}/assignments/next", null)).Content.ReadFromJsonAsync<Next>();
        var response = await labeler.PostAsJsonAsync($"/api/assignments/{next!.AssignmentId}/label", new { choice = "A" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("choice", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ImportItems_BadLines_Returns400WithLineNumbers()
    {
        int project = await NewProjectAsync(items: 0);
        const string body = "{\"prompt\": \"p\", \"response_a\": \"a\", \"response_b\": \"b\"}\n{\"prompt\": \"p\"}\n";
        var response = await app.CreateApiClient().PostAsync($"/api/projects/{project}/items", new StringContent(body, Encoding.UTF8, "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = json.RootElement.GetProperty("errors")[0];
        Assert.Equal(2, error.GetProperty("line").GetInt32());
        Assert.Contains("response_a", error.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("Imports:MaxFileBytes")]
    [InlineData("Labeling:MaxImportBytes")] // the older name still applies
    public async Task ImportItems_OverTheLimit_Returns413(string setting)
    {
        using var small = app.WithWebHostBuilder(b => b.UseSetting(setting, "2000"));
        var client = small.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AppFactory.AdminKey);
        var created = await (await client.PostAsJsonAsync("/api/projects", new { name = "big" })).Content.ReadFromJsonAsync<Created>();
        string line = "{\"prompt\": \"p\", \"response_a\": \"a\", \"response_b\": \"b\"}\n";
        // Chunked (no Content-Length), so the limit is enforced while streaming.
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(line, 200)))));
        content.Headers.ContentType = new("application/x-ndjson");
        var response = await client.PostAsync($"/api/projects/{created!.Id}/items", content);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("Imports:MaxFileBytes", problem.GetProperty("errors")[0].GetProperty("message").GetString());
    }

    [Fact]
    public async Task Export_UnknownFormat_Returns400()
    {
        int project = await NewProjectAsync(items: 0);
        var response = await app.CreateApiClient().GetAsync($"/api/projects/{project}/export?format=xml");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task TeamHub_RequiresAManager()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateApiClient(key: null).PostAsync("/hubs/labeling/negotiate?negotiateVersion=1", null)).StatusCode);
        var (_, labeler) = await NewUserAsync("Labeler");
        Assert.Equal(HttpStatusCode.Forbidden, (await labeler.PostAsync("/hubs/labeling/negotiate?negotiateVersion=1", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.CreateApiClient().PostAsync("/hubs/labeling/negotiate?negotiateVersion=1", null)).StatusCode);
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheLabelingRoutes()
    {
        var body = await app.CreateApiClient(key: null).GetStringAsync("/openapi/v1.json");
        Assert.Contains("/api/projects/{id}/assignments/next", body);
        Assert.Contains("/api/assignments/{assignmentId}/label", body);
    }

    [Fact]
    public async Task Label_OnAHeldAssignment_AfterTheHolderIsDemotedInTheProject_IsForbidden()
    {
        int project = await NewProjectAsync(items: 2);
        var (email, labeler) = await NewUserAsync("Labeler");
        var admin = app.CreateApiClient();
        Assert.Equal(HttpStatusCode.OK, (await AddMemberAsync(admin, project, email, "Labeler")).StatusCode);
        var next = (await (await labeler.PostAsync($"/api/projects/{project}/assignments/next", null)).Content.ReadFromJsonAsync<Next>())!;

        Assert.Equal(HttpStatusCode.OK, (await AddMemberAsync(admin, project, email, "Viewer")).StatusCode);
        var label = await labeler.PostAsJsonAsync($"/api/assignments/{next.AssignmentId}/label", new { choice = "left" });

        Assert.Equal(HttpStatusCode.Forbidden, label.StatusCode);
        Assert.Contains("no longer label", await label.Content.ReadAsStringAsync());
        var votes = await (await admin.GetAsync($"/api/projects/{project}/export?format=votes")).Content.ReadAsStringAsync();
        Assert.Equal("", votes.Trim());
    }

    [Fact]
    public async Task AddMember_AViewerAsLabeler_IsRefusedWithTheReason()
    {
        int project = await NewProjectAsync();
        var (email, _) = await NewUserAsync("Viewer");
        var response = await AddMemberAsync(app.CreateApiClient(), project, email, "Labeler");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("cannot label", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Review_AVerdict_MovesTheItemFromAwaitingToResolved_AndShowsOnIt()
    {
        int project = await NewProjectAsync(items: 1, labelsPerItem: 2);
        var admin = app.CreateApiClient();
        foreach (string choice in new[] { "left", "tie" })
        {
            var (email, labeler) = await NewUserAsync("Labeler");
            await AddMemberAsync(admin, project, email, "Labeler");
            var next = (await (await labeler.PostAsync($"/api/projects/{project}/assignments/next", null)).Content.ReadFromJsonAsync<Next>())!;
            Assert.Equal(HttpStatusCode.OK, (await labeler.PostAsJsonAsync($"/api/assignments/{next.AssignmentId}/label", new { choice })).StatusCode);
        }
        var before = await admin.GetFromJsonAsync<JsonElement>($"/api/projects/{project}/review");
        Assert.Equal((1, 0), (before.GetProperty("awaitingVerdict").GetInt32(), before.GetProperty("resolved").GetInt32()));
        long item = before.GetProperty("items")[0].GetProperty("itemId").GetInt64();

        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync($"/api/projects/{project}/items/{item}/verdict", new { verdict = "b" })).StatusCode);

        var after = await admin.GetFromJsonAsync<JsonElement>($"/api/projects/{project}/review");
        Assert.Equal((0, 1), (after.GetProperty("awaitingVerdict").GetInt32(), after.GetProperty("resolved").GetInt32()));
        var resolved = after.GetProperty("items")[0];
        Assert.Equal("b", resolved.GetProperty("verdict").GetString());
        Assert.Equal(AppFactory.AdminEmail, resolved.GetProperty("verdictBy").GetString());
    }

    [Fact]
    public async Task Items_ListsAPageByStateAndText_WithVotesOnTheItem_AndModelNamesForTheLead()
    {
        int project = await NewProjectAsync(items: 3);
        var (email, labeler) = await NewUserAsync("Labeler");
        var admin = app.CreateApiClient();
        Assert.Equal(HttpStatusCode.OK, (await AddMemberAsync(admin, project, email, "Labeler")).StatusCode);
        var next = (await (await labeler.PostAsync($"/api/projects/{project}/assignments/next", null)).Content.ReadFromJsonAsync<Next>())!;
        Assert.Equal(HttpStatusCode.OK, (await labeler.PostAsJsonAsync($"/api/assignments/{next.AssignmentId}/label", new { choice = "tie", rationale = "same" })).StatusCode);

        var complete = JsonDocument.Parse(await admin.GetStringAsync($"/api/projects/{project}/items?state=complete")).RootElement;
        var search = JsonDocument.Parse(await admin.GetStringAsync($"/api/projects/{project}/items?q=b-2&pageSize=1")).RootElement;
        var paged = JsonDocument.Parse(await admin.GetStringAsync($"/api/projects/{project}/items?page=1&pageSize=2")).RootElement;

        var row = Assert.Single(complete.GetProperty("items").EnumerateArray());
        Assert.Equal(next.Prompt, row.GetProperty("prompt").GetString());
        Assert.Equal(("complete", "secret-model", 1), (row.GetProperty("state").GetString(), row.GetProperty("modelA").GetString(), row.GetProperty("labelCount").GetInt32()));
        Assert.Equal("P2", Assert.Single(search.GetProperty("items").EnumerateArray()).GetProperty("prompt").GetString());
        Assert.Equal((3, 1, 2), (paged.GetProperty("total").GetInt32(), paged.GetProperty("page").GetInt32(), paged.GetProperty("pageSize").GetInt32()));
        Assert.Equal("P3", Assert.Single(paged.GetProperty("items").EnumerateArray()).GetProperty("prompt").GetString());

        var item = JsonDocument.Parse(await admin.GetStringAsync($"/api/projects/{project}/items/{row.GetProperty("id").GetInt64()}")).RootElement;
        var vote = Assert.Single(item.GetProperty("votes").EnumerateArray());
        Assert.Equal((email, "tie", "same"), (vote.GetProperty("labeler").GetString(), vote.GetProperty("choice").GetString(), vote.GetProperty("rationale").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/projects/{project}/items/999999")).StatusCode);
    }

    [Theory]
    [InlineData("state=finished", "state")]
    [InlineData("pageSize=201", "pageSize")]
    [InlineData("page=-1", "page")]
    public async Task Items_BadQuery_Returns400NamingTheField(string query, string field)
    {
        int project = await NewProjectAsync(items: 1);

        var response = await app.CreateApiClient().GetAsync($"/api/projects/{project}/items?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task DeleteItem_Unused_IsGone_ALabeledOne_IsArchivedThenRestored_AnotherProjectsIs404()
    {
        int project = await NewProjectAsync(items: 2);
        int other = await NewProjectAsync(items: 0);
        var (email, labeler) = await NewUserAsync("Labeler");
        var admin = app.CreateApiClient();
        Assert.Equal(HttpStatusCode.OK, (await AddMemberAsync(admin, project, email, "Labeler")).StatusCode);
        var next = (await (await labeler.PostAsync($"/api/projects/{project}/assignments/next", null)).Content.ReadFromJsonAsync<Next>())!;
        Assert.Equal(HttpStatusCode.OK, (await labeler.PostAsJsonAsync($"/api/assignments/{next.AssignmentId}/label", new { choice = "tie" })).StatusCode);
        var items = JsonDocument.Parse(await admin.GetStringAsync($"/api/projects/{project}/items")).RootElement.GetProperty("items").EnumerateArray()
            .ToDictionary(i => i.GetProperty("state").GetString()!, i => i.GetProperty("id").GetInt64());
        long labeled = items["complete"];

        var preview = JsonDocument.Parse(await admin.GetStringAsync($"/api/projects/{project}/items/{labeled}/removal")).RootElement;
        var deleted = await admin.DeleteAsync($"/api/projects/{project}/items/{items["unlabeled"]}");
        var archived = await admin.DeleteAsync($"/api/projects/{project}/items/{labeled}");

        Assert.Equal(("archived", "it has 1 label"), (preview.GetProperty("outcome").GetString(), preview.GetProperty("reasons")[0].GetString()));
        Assert.Equal("deleted", JsonDocument.Parse(await deleted.Content.ReadAsStringAsync()).RootElement.GetProperty("outcome").GetString());
        Assert.Equal("archived", JsonDocument.Parse(await archived.Content.ReadAsStringAsync()).RootElement.GetProperty("outcome").GetString());
        Assert.Equal(0, JsonDocument.Parse(await admin.GetStringAsync($"/api/projects/{project}/items")).RootElement.GetProperty("total").GetInt32());
        var shown = JsonDocument.Parse(await admin.GetStringAsync($"/api/projects/{project}/items?archived=true")).RootElement.GetProperty("items")[0];
        Assert.Equal(labeled, shown.GetProperty("id").GetInt64());
        Assert.NotEqual(JsonValueKind.Null, shown.GetProperty("archivedAt").ValueKind);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync($"/api/projects/{project}/items/{items["unlabeled"]}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync($"/api/projects/{other}/items/{labeled}/restore", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await labeler.DeleteAsync($"/api/projects/{project}/items/{labeled}")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/projects/{project}/items/{labeled}/restore", null)).StatusCode);
        Assert.Equal(1, JsonDocument.Parse(await admin.GetStringAsync($"/api/projects/{project}/items")).RootElement.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Next_InAnArchivedProject_Is409SayingWhoArchivedIt_ALabelForTheItemHeld_IsKept()
    {
        int project = await NewProjectAsync(items: 3);
        var (email, labeler) = await NewUserAsync("Labeler");
        var (leadEmail, lead) = await NewUserAsync("Lead");
        var admin = app.CreateApiClient();
        Assert.Equal(HttpStatusCode.OK, (await AddMemberAsync(admin, project, email, "Labeler")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await AddMemberAsync(admin, project, leadEmail, "Lead")).StatusCode);
        var held = (await (await labeler.PostAsync($"/api/projects/{project}/assignments/next", null)).Content.ReadFromJsonAsync<Next>())!;

        Assert.Equal(HttpStatusCode.OK, (await lead.PostAsync($"/api/projects/{project}/archive", null)).StatusCode);
        var label = await labeler.PostAsJsonAsync($"/api/assignments/{held.AssignmentId}/label", new { choice = "left" });
        var next = await labeler.PostAsync($"/api/projects/{project}/assignments/next", null);

        Assert.Equal(HttpStatusCode.OK, label.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, next.StatusCode);
        Assert.Equal($"This project was archived by {leadEmail}; ask a lead to restore it. Labels already sent are kept.",
            (await next.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.DoesNotContain(JsonDocument.Parse(await labeler.GetStringAsync("/api/projects")).RootElement.EnumerateArray(), p => p.GetProperty("id").GetInt32() == project);
        Assert.Single((await admin.GetStringAsync($"/api/projects/{project}/export?format=votes")).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(HttpStatusCode.OK, (await lead.PostAsync($"/api/projects/{project}/restore", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await labeler.PostAsync($"/api/projects/{project}/assignments/next", null)).StatusCode);
    }

    [Fact]
    public async Task RemoveMember_TheyCanNoLongerLabel_TheirVotesStayInTheExport()
    {
        int project = await NewProjectAsync(items: 2);
        var (email, labeler) = await NewUserAsync("Labeler");
        var admin = app.CreateApiClient();
        Assert.Equal(HttpStatusCode.OK, (await AddMemberAsync(admin, project, email, "Labeler")).StatusCode);
        var next = (await (await labeler.PostAsync($"/api/projects/{project}/assignments/next", null)).Content.ReadFromJsonAsync<Next>())!;
        Assert.Equal(HttpStatusCode.OK, (await labeler.PostAsJsonAsync($"/api/assignments/{next.AssignmentId}/label", new { choice = "tie" })).StatusCode);
        var members = JsonDocument.Parse(await admin.GetStringAsync($"/api/projects/{project}/team")).RootElement;
        Assert.Contains(members.EnumerateArray(), m => m.GetProperty("labeler").GetString() == email);
        int userId = JsonDocument.Parse(await admin.GetStringAsync("/api/users")).RootElement.EnumerateArray()
            .Single(u => u.GetProperty("email").GetString() == email).GetProperty("id").GetInt32();

        var removed = await admin.DeleteAsync($"/api/projects/{project}/members/{userId}");
        var again = await admin.DeleteAsync($"/api/projects/{project}/members/{userId}");

        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await labeler.PostAsync($"/api/projects/{project}/assignments/next", null)).StatusCode);
        Assert.Contains(email, await admin.GetStringAsync($"/api/projects/{project}/export?format=votes"));
        Assert.Equal(HttpStatusCode.NotFound, (await labeler.DeleteAsync($"/api/projects/{project}/members/{userId}")).StatusCode);
    }

    [Fact]
    public async Task DeleteProject_Empty_IsGone_OneWithItems_IsArchived_ThenRestored()
    {
        int empty = await NewProjectAsync(items: 0);
        int used = await NewProjectAsync(items: 1);
        var admin = app.CreateApiClient();

        var preview = JsonDocument.Parse(await admin.GetStringAsync($"/api/projects/{used}/removal")).RootElement;
        var deleted = await admin.DeleteAsync($"/api/projects/{empty}");
        var archived = await admin.DeleteAsync($"/api/projects/{used}");

        Assert.Equal("archived", preview.GetProperty("outcome").GetString());
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal("deleted", JsonDocument.Parse(await deleted.Content.ReadAsStringAsync()).RootElement.GetProperty("outcome").GetString());
        var body = JsonDocument.Parse(await archived.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(("archived", "it holds 1 item"), (body.GetProperty("outcome").GetString(), body.GetProperty("reasons")[0].GetString()));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync($"/api/projects/{empty}")).StatusCode);
        var listed = JsonDocument.Parse(await admin.GetStringAsync("/api/projects")).RootElement.EnumerateArray().Select(p => p.GetProperty("id").GetInt32()).ToList();
        Assert.DoesNotContain(empty, listed);
        Assert.DoesNotContain(used, listed);
        Assert.Contains(JsonDocument.Parse(await admin.GetStringAsync("/api/projects?archived=true")).RootElement.EnumerateArray(), p => p.GetProperty("id").GetInt32() == used);

        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/projects/{used}/restore", null)).StatusCode);
        Assert.Contains(JsonDocument.Parse(await admin.GetStringAsync("/api/projects")).RootElement.EnumerateArray(), p => p.GetProperty("id").GetInt32() == used);
    }
}
