using System.Security.Claims;
using LabelAndAlign.Web.Hubs;
using LabelAndAlign.Web.Security;
using LabelAndAlign.Web.Services;
using LabelAndAlign.Web.Services.Imports;
using LabelAndAlign.Web.Services.Archiving;
using LabelAndAlign.Web.Services.Labeling;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace LabelAndAlign.Web.Api;

/// <summary>
/// The labeling REST API (issue 5's contract). Projects a user cannot see answer 404 (their
/// existence is not revealed); projects they can see but not act in answer 403.
/// </summary>
public static class LabelingEndpoints
{
    public sealed record CreateProjectRequest(string? Name, string? Guidelines, int? LabelsPerItem, List<string>? Rubric,
        bool? AskRationale, int? LeaseMinutes, double? GoldRate);
    public sealed record CreatedProject(int Id);
    public sealed record MemberRequest(string? Email, string? Role);
    public sealed record ImportedItems(int Imported);
    public sealed record NextAssignment(long AssignmentId, string Prompt, string Left, string Right, DateTime LeasedUntil);
    public sealed record LabelRequest(string? Choice, int? Strength, Dictionary<string, Dictionary<string, int>>? Ratings, string? Rationale);
    public sealed record LabelCreated(long LabelId);
    public sealed record VerdictRequest(string? Verdict);
    public sealed record ItemsPage(int Total, int Page, int PageSize, List<ItemsPageRow> Items);
    public sealed record ItemsPageRow(long Id, string? ExternalId, string Prompt, string State, bool Disagreement, int LabelCount, int LabelsPerItem,
        bool IsGold, string? Gold, string? Verdict, string? ModelA, string? ModelB, DateTime CreatedAt, DateTime? ArchivedAt);
    public sealed record GenerateRequest(int? CheckpointA, int? CheckpointB, List<string>? Prompts, int? DatasetId,
        int? MaxNewTokens, float? Temperature, float? TopP, int? Seed);

    public static IEndpointRouteBuilder MapLabelingEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").RequireAuthorization().WithTags("Labeling");

        api.MapGet("/projects", async (bool? archived, ClaimsPrincipal user, ProjectService projects, CancellationToken cancel) =>
        {
            bool all = user.IsInRole("Admin") || user.IsInRole("Lead");
            return Results.Ok(await projects.ListAsync(user.UserId()!.Value, all, archived == true && all, cancel));
        }).WithSummary("Projects you are a member of (all projects for leads and admins), with progress; archived ones only with ?archived=true (leads and admins).");

        api.MapPost("/projects", async (CreateProjectRequest? request, ClaimsPrincipal user, ProjectService projects, CancellationToken cancel) =>
        {
            if (request is null) return ApiResults.BadRequest("body", "Send a JSON body {name, guidelines?, labelsPerItem?}.");
            var project = await projects.CreateAsync(new ProjectService.Settings
            {
                Name = request.Name, Guidelines = request.Guidelines, LabelsPerItem = request.LabelsPerItem ?? 1,
                Rubric = request.Rubric ?? [], AskRationale = request.AskRationale ?? false,
                LeaseMinutes = request.LeaseMinutes ?? 30, GoldRate = request.GoldRate ?? 0,
            }, user.UserId()!.Value, cancel);
            return Results.Ok(new CreatedProject(project.Id));
        }).RequireAuthorization(AppPolicies.Manage).WithSummary("Create a labeling project (Lead, Admin).");

        api.MapPost("/projects/{id:int}/members", async (int id, MemberRequest? request, ClaimsPrincipal user, ProjectService projects, CancellationToken cancel) =>
        {
            if (await Deny(projects, id, user, a => a.CanManage, cancel) is { } denied) return denied;
            if (request is null) return ApiResults.BadRequest("body", "Send a JSON body {email, role}.");
            await projects.SetMemberAsync(id, request.Email, request.Role, cancel);
            return Results.Ok();
        }).WithSummary("Add a member with a role (Labeler, Lead, Viewer) or change their role.");

        api.MapPost("/projects/{id:int}/items", async (int id, HttpContext http, ClaimsPrincipal user, ProjectService projects, ImportService imports,
            IOptions<ImportOptions> limits, CancellationToken cancel) =>
        {
            if (await Deny(projects, id, user, a => a.CanManage, cancel) is { } denied) return denied;
            // Our own limit replaces Kestrel's 30 MB default; the import stops reading once past it.
            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = null;
            if (http.Request.ContentLength > limits.Value.MaxFileBytes) throw new ImportTooLargeException(limits.Value.MaxFileBytes);
            string type = http.Request.ContentType ?? "";
            var format = type.Contains("csv", StringComparison.OrdinalIgnoreCase) ? ImportService.Format.Csv : ImportService.Format.JsonLines;
            var result = await imports.ImportAsync(id, http.Request.Body, format, cancel);
            return result.Ok ? Results.Ok(new ImportedItems(result.Imported)) : ApiResults.ImportRefused(result.Errors, result.TooLarge);
        }).Accepts<string>("application/x-ndjson", "text/csv")
          .WithSummary("Import items (JSON Lines: our item format or TRL prompt/chosen/rejected; or CSV). All or nothing: 400 {errors: [{line, message}]}, 413 past the file limit.");

        api.MapPost("/projects/{id:int}/generate", async (int id, GenerateRequest? request, ClaimsPrincipal user, ProjectService projects,
            CandidateGenerator generator, CancellationToken cancel) =>
        {
            if (await Deny(projects, id, user, a => a.CanManage, cancel) is { } denied) return denied;
            if (request is null) return ApiResults.BadRequest("body", "Send a JSON body {checkpointA, checkpointB?, prompts? | datasetId?, maxNewTokens?, temperature?, topP?, seed?}.");
            var defaults = new CandidateGenerator.Request();
            int imported = await generator.GenerateAsync(id, new CandidateGenerator.Request
            {
                CheckpointA = request.CheckpointA, CheckpointB = request.CheckpointB, Prompts = request.Prompts, DatasetId = request.DatasetId,
                MaxNewTokens = request.MaxNewTokens ?? defaults.MaxNewTokens, Temperature = request.Temperature ?? defaults.Temperature,
                TopP = request.TopP ?? defaults.TopP, Seed = request.Seed ?? defaults.Seed,
            }, cancel: cancel);
            return Results.Ok(new ImportedItems(imported));
        }).RequireAuthorization(AppPolicies.Manage)
          .WithSummary("Generate items: sample two responses per prompt (pasted prompts, or a prompt-only / prompt-completion dataset; at most 500) " +
              "from checkpoint A and checkpoint B, or twice from A with seeds seed and seed+1; model_a/model_b record the checkpoints (\"run 3 · step 400\"). " +
              "Imported all or nothing like an item import. Body {checkpointA, checkpointB?, prompts?, datasetId?, maxNewTokens?, temperature?, topP?, seed?} → {imported}.");

        api.MapPost("/projects/{id:int}/assignments/next", async (int id, ClaimsPrincipal user, ProjectService projects, LabelingQueue queue, CancellationToken cancel) =>
        {
            if (await Deny(projects, id, user, a => a.CanLabel, cancel) is { } denied) return denied;
            var next = await queue.NextAsync(id, user.UserId()!.Value, cancel);
            return next is null ? Results.NoContent() : Results.Ok(new NextAssignment(next.AssignmentId, next.Prompt, next.Left, next.Right, next.LeasedUntil));
        }).WithSummary("Your current or next assignment; 204 when nothing is left for you.");

        api.MapPost("/projects/{id:int}/undo", async (int id, ClaimsPrincipal user, ProjectService projects, LabelingQueue queue, CancellationToken cancel) =>
        {
            if (await Deny(projects, id, user, a => a.CanLabel, cancel) is { } denied) return denied;
            var back = await queue.UndoAsync(id, user.UserId()!.Value, cancel);
            return back is null ? Results.NoContent() : Results.Ok(new NextAssignment(back.AssignmentId, back.Prompt, back.Left, back.Right, back.LeasedUntil));
        }).WithSummary("Delete your last label in the project and get that item back.");

        api.MapPost("/assignments/{assignmentId:long}/label", async (long assignmentId, LabelRequest? request, ClaimsPrincipal user, LabelingQueue queue, CancellationToken cancel) =>
        {
            if (request is null) return ApiResults.BadRequest("body", "Send a JSON body {choice, strength?, ratings?, rationale?}.");
            long labelId = await queue.SubmitAsync(assignmentId, user.UserId()!.Value,
                new LabelInput(request.Choice, request.Strength, request.Ratings, request.Rationale), cancel);
            return Results.Ok(new LabelCreated(labelId));
        }).WithSummary("Label an assignment: choice left, right, tie or both_bad. Sending the same judgement again returns the same labelId; " +
            "a different one for an assignment already labeled (another tab) answers 409 naming the stored one.");

        api.MapPost("/assignments/{assignmentId:long}/skip", async (long assignmentId, ClaimsPrincipal user, LabelingQueue queue, CancellationToken cancel) =>
        {
            await queue.SkipAsync(assignmentId, user.UserId()!.Value, cancel);
            return Results.Ok();
        }).WithSummary("Skip an assignment: the item returns to the queue.");

        api.MapGet("/projects/{id:int}/export", async (int id, string? format, HttpContext http, ClaimsPrincipal user, ProjectService projects,
            ExportService exports, AuditLog audit, CancellationToken cancel) =>
        {
            if (await Deny(projects, id, user, a => a.CanManage, cancel) is { } denied) return denied;
            format ??= "trl";
            if (!ExportService.Formats.Contains(format))
                return ApiResults.BadRequest("format", $"Format must be one of {string.Join(", ", ExportService.Formats)}; found '{format}'.");
            await audit.RecordAsync("export", $"project {id} as {format}", cancel: cancel);
            return Results.Stream(async body => await exports.WriteAsync(id, format, body, cancel), "application/x-ndjson",
                fileDownloadName: $"project-{id}-{format}.jsonl");
        }).WithSummary("Export JSON Lines: trl, trl-implicit, trl-conversational (majority per item) or votes (every label).");

        api.MapGet("/projects/{id:int}/agreement", async (int id, ClaimsPrincipal user, ProjectService projects, ReviewService reviews, CancellationToken cancel) =>
        {
            if (await Deny(projects, id, user, a => a.CanManage || (a.CanView && !a.CanLabel), cancel) is { } denied) return denied;
            return Results.Ok(await reviews.AgreementAsync(id, cancel));
        }).WithSummary("Cohen's κ per labeler pair, Fleiss' κ, Krippendorff's α and per-labeler diagnostics.");

        api.MapGet("/projects/{id:int}/review", async (int id, ClaimsPrincipal user, ProjectService projects, ReviewService reviews, CancellationToken cancel) =>
        {
            if (await Deny(projects, id, user, a => a.CanManage, cancel) is { } denied) return denied;
            return Results.Ok(await reviews.ReviewQueueAsync(id, cancel: cancel));
        }).WithSummary("The review queue: items whose labels disagree, how many await a lead's verdict and how many a verdict resolved, each with its votes and verdict.");

        api.MapPost("/projects/{id:int}/items/{itemId:long}/verdict", async (int id, long itemId, VerdictRequest? request, ClaimsPrincipal user,
            ProjectService projects, ReviewService reviews, CancellationToken cancel) =>
        {
            if (await Deny(projects, id, user, a => a.CanManage, cancel) is { } denied) return denied;
            await reviews.SetVerdictAsync(id, itemId, request?.Verdict, user.UserId()!.Value, cancel);
            return Results.Ok();
        }).WithSummary("Record a lead's final verdict (a, b, tie, both_bad; null clears it).");

        api.MapGet("/projects/{id:int}/team", async (int id, ClaimsPrincipal user, ProjectService projects, ReviewService reviews, CancellationToken cancel) =>
        {
            if (await Deny(projects, id, user, a => a.CanManage, cancel) is { } denied) return denied;
            return Results.Ok(await reviews.TeamAsync(id, cancel));
        }).WithSummary("Per labeler: labels, labels in the last hour, and whether they are labeling now (have the project's labeling page open).");

        api.MapGet("/projects/{id:int}/items", async (int id, string? state, string? q, int? page, int? pageSize, string? sort, bool? desc, bool? archived,
            ClaimsPrincipal user, ProjectService projects, ItemBrowser items, CancellationToken cancel) =>
        {
            if (await Deny(projects, id, user, a => a.CanManage, cancel) is { } denied) return denied;
            var query = new PageRequest(page ?? 0, pageSize ?? PageRequest.DefaultPageSize, sort, desc ?? false, q, archived ?? false);
            if (query.Page < 0) return ApiResults.BadRequest("page", $"Pages count from 0; found {query.Page}.");
            if (query.PageSize is < 1 or > PageRequest.MaxPageSize)
                return ApiResults.BadRequest("pageSize", $"Page size must be between 1 and {PageRequest.MaxPageSize}; found {query.PageSize}.");
            var result = await items.PageAsync(id, ItemBrowser.ParseState(state), query, cancel);
            return Results.Ok(new ItemsPage(result.Total, query.Page, query.PageSize,
                result.Items.Select(r => new ItemsPageRow(r.Id, r.ExternalId, r.Prompt, ItemBrowser.Name(r.State), r.Disagreement, r.LabelCount,
                    r.LabelsPerItem, r.IsGold, r.Gold, r.Verdict, r.ModelA, r.ModelB, r.CreatedAt, r.ArchivedAt)).ToList()));
        }).WithSummary("A project's items, a page at a time: state (unlabeled, in_progress, complete, disagreement, gold), text in the prompt or responses or #id (q), page from 0, pageSize up to 200, sort (Id, LabelCount) and desc; archived items only with archived=true.");

        api.MapGet("/projects/{id:int}/items/{itemId:long}", async (int id, long itemId, ClaimsPrincipal user, ProjectService projects, ItemBrowser items,
            CancellationToken cancel) =>
        {
            if (await Deny(projects, id, user, a => a.CanManage, cancel) is { } denied) return denied;
            return await items.FindAsync(id, itemId, cancel) is { } item ? Results.Ok(item) : ApiResults.NotFound($"No item {itemId} in project {id}.");
        }).WithSummary("One item whole: prompt, both responses, the models behind them, gold, verdict and every vote (who, what, when).");

        // Delete, archive and restore: the routes every kind has, for those who manage this project (an item: of this project).
        api.MapRemoval("/projects/{id:int}", ArchiveKind.Project, "it holds items, or a dataset was frozen from its labels",
            http => Deny(http.RequestServices.GetRequiredService<ProjectService>(), ProjectId(http), http.User, a => a.CanManage, http.RequestAborted));
        api.MapRemoval("/projects/{id:int}/items/{itemId:long}", ArchiveKind.Item, "it has labels, or a labeler is judging it now",
            async http => await Deny(http.RequestServices.GetRequiredService<ProjectService>(), ProjectId(http), http.User, a => a.CanManage, http.RequestAborted)
                ?? (await http.RequestServices.GetRequiredService<ItemBrowser>().HoldsAsync(ProjectId(http), ArchiveEndpoints.RouteId(http, "itemId"), http.RequestAborted)
                    ? null : ApiResults.NotFound($"No item {ArchiveEndpoints.RouteId(http, "itemId")} in project {ProjectId(http)}.")));

        api.MapDelete("/projects/{id:int}/members/{userId:int}", async (int id, int userId, ClaimsPrincipal user, ProjectService projects, Removals removals,
            CancellationToken cancel) =>
        {
            if (await Deny(projects, id, user, a => a.CanManage, cancel) is { } denied) return denied;
            await removals.RemoveMemberAsync(id, userId, cancel);
            return Results.NoContent();
        }).WithSummary("Take a member out of the project; their labels stay. Idempotent: 204 whether or not they were a member.");

        app.MapHub<LabelingHub>(LabelingHub.Path);
        return app;
    }

    private static int ProjectId(HttpContext http) => (int)ArchiveEndpoints.RouteId(http, "id");

    /// <summary>404 when the user may not even see the project, 403 when they see it but may not do this; null when allowed.</summary>
    private static async Task<IResult?> Deny(ProjectService projects, int id, ClaimsPrincipal user, Func<ProjectAccess, bool> allowed, CancellationToken cancel)
    {
        var access = await projects.AccessAsync(id, user, cancel);
        if (!access.CanView) return ApiResults.NotFound($"No project with id {id}.");
        return allowed(access) ? null : Results.Problem("Your role in this project does not allow this.", statusCode: StatusCodes.Status403Forbidden);
    }
}
