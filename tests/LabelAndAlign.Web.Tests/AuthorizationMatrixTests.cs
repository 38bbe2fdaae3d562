using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Components.Endpoints;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace LabelAndAlign.Web.Tests;

/// <summary>
/// Walks every page, API route and hub as anonymous, Viewer, Labeler, Lead, Admin and Worker and checks
/// each answer against the role table below. A route the app maps that the table lacks fails
/// the test, so nothing new can ship without a decision about who may use it.
/// </summary>
public sealed class AuthorizationMatrixTests(AppFactory app) : IClassFixture<AppFactory>
{
    // Columns: anonymous, Viewer, Labeler, Lead, Admin, Worker (a training machine's key). '+' may use it, '-' is refused:
    // anonymous → 401 (API, hubs) or a redirect to /login (pages); signed in → 403, or 404 for
    // labeling-project routes whose existence a non-member must not learn ('Hidden').
    // The Labeler is a member of project {project} and holds assignment {assignment} in it; the
    // Viewer is not a member. Leads and admins manage every project but label only where they
    // are members, which they are not here.
    private static readonly Row[] Table =
    [
        // Pages
        Page("/", "-++++-"),
        Page("/account", "-++++-"),
        Page("/label", "--+++-"),
        Page("/label/{ProjectId:int}", "--+++-", "/label/{project}"),
        Page("/projects", "---++-"),
        Page("/projects/{ProjectId:int}", "---++-", "/projects/{project}"),
        Page("/projects/{ProjectId:int}/items", "---++-", "/projects/{project}/items"),
        Page("/projects/{ProjectId:int}/items/{ItemId:long}", "---++-", "/projects/{project}/items/1"),
        Page("/datasets", "---++-"),
        Page("/runs", "-+-++-"),
        Page("/runs/{Id:int}", "-+-++-", "/runs/1"),
        Page("/runs/upload", "---++-"),
        Page("/compare", "-+-++-"),
        Page("/samples", "-+-++-"),
        Page("/admin", "----+-"),
        Page("/login", "++++++"),
        Page("/setup", "++++++"),
        Page("/invite", "++++++"),
        Page("/access-denied", "++++++"),
        Page("/not-found", "++++++"),
        Page("/error", "++++++"),

        // Users and keys (Admin)
        Api("GET", "/api/users/", "----+-", "/api/users"),
        Api("POST", "/api/users/", "----+-", "/api/users", "{}"),
        Api("PATCH", "/api/users/{id:int}", "----+-", "/api/users/1", "{}"),
        Api("POST", "/api/users/{id:int}/keys", "----+-", "/api/users/1/keys", "{}"),

        // Labeling
        Api("GET", "/api/projects", "-++++-"),
        Api("POST", "/api/projects", "---++-", body: "{}"),
        Api("POST", "/api/projects/{id:int}/members", "---++-", "/api/projects/{project}/members", "{}", Hidden: true),
        Api("POST", "/api/projects/{id:int}/items", "---++-", "/api/projects/{project}/items", "", Hidden: true),
        Api("POST", "/api/projects/{id:int}/generate", "---++-", "/api/projects/{project}/generate", "{}", Hidden: true),
        Api("POST", "/api/projects/{id:int}/assignments/next", "--+---", "/api/projects/{project}/assignments/next", Hidden: true),
        Api("POST", "/api/projects/{id:int}/undo", "--+---", "/api/projects/{project}/undo", Hidden: true),
        Api("POST", "/api/assignments/{assignmentId:long}/label", "--+---", "/api/assignments/{assignment}/label", "{\"choice\":\"left\"}", Hidden: true),
        Api("POST", "/api/assignments/{assignmentId:long}/skip", "--+---", "/api/assignments/{assignment}/skip", Hidden: true),
        Api("GET", "/api/projects/{id:int}/export", "---++-", "/api/projects/{project}/export?format=votes", Hidden: true),
        Api("GET", "/api/projects/{id:int}/agreement", "---++-", "/api/projects/{project}/agreement", Hidden: true),
        Api("GET", "/api/projects/{id:int}/team", "---++-", "/api/projects/{project}/team", Hidden: true),
        Api("GET", "/api/projects/{id:int}/review", "---++-", "/api/projects/{project}/review", Hidden: true),
        Api("POST", "/api/projects/{id:int}/items/{itemId:long}/verdict", "---++-", "/api/projects/{project}/items/1/verdict", "{}", Hidden: true),
        Api("GET", "/api/projects/{id:int}/items", "---++-", "/api/projects/{project}/items?state=unlabeled", Hidden: true),
        Api("GET", "/api/projects/{id:int}/items/{itemId:long}", "---++-", "/api/projects/{project}/items/1", Hidden: true),
        // Item 1 is in the Labeler's hands, so a manager's delete archives it (kept) instead of deleting it.
        Api("GET", "/api/projects/{id:int}/items/{itemId:long}/removal", "---++-", "/api/projects/{project}/items/1/removal", Hidden: true),
        Api("POST", "/api/projects/{id:int}/items/{itemId:long}/archive", "---++-", "/api/projects/{project}/items/1/archive", Hidden: true),
        Api("POST", "/api/projects/{id:int}/items/{itemId:long}/restore", "---++-", "/api/projects/{project}/items/1/restore", Hidden: true),
        Api("DELETE", "/api/projects/{id:int}/items/{itemId:long}", "---++-", "/api/projects/{project}/items/1", Hidden: true),
        // The project holds an item, so a manager's delete is refused with 409 and it stays.
        Api("GET", "/api/projects/{id:int}/removal", "---++-", "/api/projects/{project}/removal", Hidden: true),
        Api("POST", "/api/projects/{id:int}/archive", "---++-", "/api/projects/{project}/archive", Hidden: true),
        Api("POST", "/api/projects/{id:int}/restore", "---++-", "/api/projects/{project}/restore", Hidden: true),
        Api("DELETE", "/api/projects/{id:int}", "---++-", "/api/projects/{project}", Hidden: true),
        Api("DELETE", "/api/projects/{id:int}/members/{userId:int}", "---++-", "/api/projects/{project}/members/999999", Hidden: true),

        // Datasets, runs, checkpoints
        Api("GET", "/api/datasets", "---++-"),
        Api("POST", "/api/datasets", "---++-", "/api/datasets?name=matrix", ""),
        Api("GET", "/api/runs", "-+-++-"),
        Api("POST", "/api/runs", "---++-", body: "{}"),
        Api("GET", "/api/runs/options", "-+-++-", "/api/runs/options?algorithm=sft"),
        Api("GET", "/api/runs/{id:int}", "-+-++-", "/api/runs/999999"),
        Api("POST", "/api/runs/{id:int}/cancel", "---++-", "/api/runs/999999/cancel"),
        Api("GET", "/api/runs/{id:int}/metrics", "-+-++-", "/api/runs/999999/metrics?name=loss"),
        Api("GET", "/api/runs/{id:int}/samples", "-+-++-", "/api/runs/999999/samples"),
        Api("GET", "/api/runs/{id:int}/checkpoints", "-+-++-", "/api/runs/999999/checkpoints"),
        Api("GET", "/api/checkpoints", "-+-++-"),
        Api("GET", "/api/checkpoints/{id:int}/download", "-+-++-", "/api/checkpoints/999999/download"),
        Api("POST", "/api/checkpoints", "---++-", "/api/checkpoints?name=matrix", ""),
        Api("GET", "/api/checkpoints/server-folder", "---++-"),
        Api("POST", "/api/checkpoints/import", "---++-", "/api/checkpoints/import?name=matrix&folder=none"),
        Api("GET", "/api/compare/metrics.csv", "-+-++-", "/api/compare/metrics.csv?runs=999999"),
        Api("GET", "/api/compare/judges", "-+-++-"),
        Api("GET", "/api/compare/judges/{id:int}/scoring", "-+-++-", "/api/compare/judges/999999/scoring?runs=999999"),
        Api("POST", "/api/compare/judges/{id:int}/scoring", "---++-", "/api/compare/judges/999999/scoring?runs=999999"),
        Api("GET", "/api/datasets/{id:int}/removal", "---++-", "/api/datasets/999999/removal"),
        Api("DELETE", "/api/datasets/{id:int}", "---++-", "/api/datasets/999999"),
        Api("POST", "/api/datasets/{id:int}/archive", "---++-", "/api/datasets/999999/archive"),
        Api("POST", "/api/datasets/{id:int}/restore", "---++-", "/api/datasets/999999/restore"),
        Api("GET", "/api/runs/{id:int}/removal", "---++-", "/api/runs/999999/removal"),
        Api("DELETE", "/api/runs/{id:int}", "---++-", "/api/runs/999999"),
        Api("POST", "/api/runs/{id:int}/archive", "---++-", "/api/runs/999999/archive"),
        Api("POST", "/api/runs/{id:int}/restore", "---++-", "/api/runs/999999/restore"),
        Api("GET", "/api/checkpoints/{id:int}/removal", "---++-", "/api/checkpoints/999999/removal"),
        Api("DELETE", "/api/checkpoints/{id:int}", "---++-", "/api/checkpoints/999999"),
        Api("POST", "/api/checkpoints/{id:int}/archive", "---++-", "/api/checkpoints/999999/archive"),
        Api("POST", "/api/checkpoints/{id:int}/restore", "---++-", "/api/checkpoints/999999/restore"),

        // Hubs (the negotiate request is where a connection is authorized)
        Api("GET", "/api/workers", "----+-"),

        // The engine protocol: Worker keys only (without a held lease they get 400/409, not 403)
        Api("GET", "/api/worker/runs/{id:int}/dataset", "-----+", "/api/worker/runs/999999/dataset"),
        Api("GET", "/api/worker/checkpoints/{id:int}", "-----+", "/api/worker/checkpoints/1?run=999999"),
        Api("PUT", "/api/worker/runs/{id:int}/checkpoints/{step:int}", "-----+", "/api/worker/runs/999999/checkpoints/1", ""),
        Api("GET", "/api/worker/runs/{id:int}/rounds/{round:int}", "-----+", "/api/worker/runs/999999/rounds/0"),
        Api("PUT", "/api/worker/runs/{id:int}/rounds/{round:int}", "-----+", "/api/worker/runs/999999/rounds/0", "{\"step\":0,\"pairs\":[]}"),
        Api("PUT", "/api/worker/generations/{id:int}/result", "-----+", "/api/worker/generations/999999/result", "{\"responsesA\":[],\"responsesB\":[]}"),

        // Hubs (the negotiate request is where a connection is authorized)
        Hub("/hubs/runs", "-+-++-"),
        Hub("/hubs/labeling", "---++-"),
        Hub("/hubs/engine", "-----+"),
    ];

    private enum Kind { Page, Api, Hub }

    private sealed record Row(Kind Kind, string Method, string Template, string Path, string Access, string? Body = null, bool Hidden = false);

    private static Row Page(string template, string access, string? path = null) => new(Kind.Page, "GET", template, path ?? template, access);

    private static Row Api(string method, string template, string access, string? path = null, string? body = null, bool Hidden = false) =>
        new(Kind.Api, method, template, path ?? template, access, body, Hidden);

    private static Row Hub(string path, string access) => new(Kind.Hub, "POST", path, path + "/negotiate?negotiateVersion=1", access);

    private static readonly string[] Roles = ["Viewer", "Labeler", "Lead", "Admin", "Worker"];

    [Fact]
    public void Table_CoversEveryPageApiRouteAndHub()
    {
        var mapped = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Endpoint: e, Pattern: "/" + (e.RoutePattern.RawText ?? "").TrimStart('/')))
            .Where(e => e.Pattern.StartsWith("/api/", StringComparison.Ordinal) ||
                        e.Endpoint.Metadata.GetMetadata<ComponentTypeMetadata>() is not null ||
                        (e.Pattern.StartsWith("/hubs/", StringComparison.Ordinal) && !e.Pattern.EndsWith("/negotiate", StringComparison.Ordinal)))
            .Select(e => e.Pattern)
            .Distinct()
            .ToList();
        // The enumeration itself must see the app's routes, or the coverage check means nothing.
        Assert.Contains("/api/projects", mapped);
        Assert.Contains("/admin", mapped);
        Assert.Contains("/hubs/runs", mapped);
        var covered = Table.Select(r => r.Template.TrimEnd('/') is "" ? "/" : r.Template.TrimEnd('/')).ToHashSet();
        var missing = mapped.Select(p => p.TrimEnd('/') is "" ? "/" : p.TrimEnd('/')).Where(p => !covered.Contains(p)).ToList();
        Assert.True(missing.Count == 0, "Routes with no row in the role table: " + string.Join(", ", missing));
    }

    [Fact]
    public async Task EveryRoute_AnswersEachRoleAsTheTableSays()
    {
        var admin = app.CreateApiClient();
        var keys = new Dictionary<string, string>();
        var emails = new Dictionary<string, string>();
        foreach (var role in Roles)
        {
            string email = $"matrix-{role.ToLowerInvariant()}-{Guid.NewGuid():N}@example.com";
            var created = await admin.PostAsJsonAsync("/api/users", new { email, password = "matrix-password-1", role });
            created.EnsureSuccessStatusCode();
            int id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
            var key = await admin.PostAsJsonAsync($"/api/users/{id}/keys", new { });
            keys[role] = (await key.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
            emails[role] = email;
        }
        var project = await admin.PostAsJsonAsync("/api/projects", new { name = "matrix" });
        project.EnsureSuccessStatusCode();
        int projectId = (await project.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        (await admin.PostAsJsonAsync($"/api/projects/{projectId}/members", new { email = emails["Labeler"], role = "Labeler" })).EnsureSuccessStatusCode();
        var items = await admin.PostAsync($"/api/projects/{projectId}/items",
            new StringContent("{\"prompt\":\"p\",\"response_a\":\"a\",\"response_b\":\"b\"}\n", Encoding.UTF8, "application/x-ndjson"));
        items.EnsureSuccessStatusCode();
        var next = await app.CreateApiClient(keys["Labeler"]).PostAsync($"/api/projects/{projectId}/assignments/next", null);
        next.EnsureSuccessStatusCode();
        long assignmentId = (await next.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("assignmentId").GetInt64();

        var failures = new List<string>();
        foreach (var row in Table)
        {
            string path = row.Path.Replace("{project}", projectId.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Replace("{assignment}", assignmentId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            for (int column = 0; column <= Roles.Length; column++)
            {
                string who = column == 0 ? "anonymous" : Roles[column - 1];
                using var client = app.CreateApiClient(column == 0 ? null : keys[who]);
                using var request = new HttpRequestMessage(new HttpMethod(row.Method), path);
                if (row.Body is not null) request.Content = new StringContent(row.Body, Encoding.UTF8, row.Body.StartsWith('{') ? "application/json" : "application/x-ndjson");
                using var response = await client.SendAsync(request);
                bool allowedByTable = row.Access[column] == '+';
                bool refused = Refused(row, column == 0, response);
                if ((int)response.StatusCode >= 500)
                    failures.Add($"{row.Method} {path} as {who}: server error {(int)response.StatusCode}");
                else if (allowedByTable == refused)
                    failures.Add($"{row.Method} {path} as {who}: expected {(allowedByTable ? "allowed" : "refused")}, got {(int)response.StatusCode} {response.Headers.Location}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static bool Refused(Row row, bool anonymous, HttpResponseMessage response)
    {
        var status = response.StatusCode;
        if (status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) return true;
        if (row.Hidden && status == HttpStatusCode.NotFound) return true;
        if (row.Kind == Kind.Page && status == HttpStatusCode.Redirect)
        {
            string location = response.Headers.Location?.OriginalString ?? "";
            return location.Contains("/login", StringComparison.Ordinal) || location.Contains("/access-denied", StringComparison.Ordinal);
        }
        return false;
    }
}
