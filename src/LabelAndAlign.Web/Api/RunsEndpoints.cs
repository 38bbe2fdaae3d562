using System.Security.Claims;
using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Web.Hubs;
using LabelAndAlign.Web.Security;
using LabelAndAlign.Web.Services;
using LabelAndAlign.Web.Services.Datasets;
using LabelAndAlign.Web.Services.Labeling;
using LabelAndAlign.Web.Services.Evaluation;
using LabelAndAlign.Web.Services.Runs;
using Microsoft.AspNetCore.Http.Features;

namespace LabelAndAlign.Web.Api;

/// <summary>
/// Runs (issue 6's contract): launch, read, cancel, metrics (downsampled keeping min/max/last per
/// bucket), samples, checkpoints and their download; plus the live hub at <c>/hubs/runs</c>.
/// Reads need ReadRuns (Viewer, Lead, Admin); writes need Manage (Lead, Admin).
/// </summary>
public static class RunsEndpoints
{
    public sealed record RunSource(int? DatasetId, int? ProjectId);
    public sealed record LaunchRunRequest(string? Name, string? Algorithm, JsonObject? Config, RunSource? Source, int? BaseCheckpointId, int? RewardCheckpointId = null);
    public sealed record CreatedRun(int Id);
    public sealed record CreatedCheckpoint(int Id);
    public sealed record ServerFolder(bool Configured, IReadOnlyList<string> Models);

    public static IEndpointRouteBuilder MapRunsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapDatasetsEndpoints();
        app.MapArchiveEndpoints();
        var read = app.MapGroup("/api").RequireAuthorization(AppPolicies.ReadRuns).WithTags("Runs");
        var write = app.MapGroup("/api").RequireAuthorization(AppPolicies.Manage).WithTags("Runs");

        write.MapPost("/runs", async (LaunchRunRequest? request, ClaimsPrincipal user, RunLauncher launcher, CancellationToken cancel) =>
        {
            if (request is null) return ApiResults.BadRequest("body", "Send a JSON body {name, algorithm, config, source: {datasetId | projectId}, baseCheckpointId?, rewardCheckpointId?}.");
            var run = await launcher.LaunchAsync(new LaunchRequest(request.Name, request.Algorithm, request.Config, request.Source?.DatasetId,
                request.BaseCheckpointId, request.RewardCheckpointId, request.Source?.DatasetId is null ? request.Source?.ProjectId : null), user.UserId(), cancel);
            return Results.Ok(new CreatedRun(run.Id));
        }).WithSummary("Queue a training run on a dataset, or on a frozen snapshot of a labeling project's preferences; options use TRL's names (GET /api/runs/options). "
            + "Nothing is created unless everything is valid: 400 lists every problem by field (name, algorithm, config.<key>, source.datasetId, baseCheckpointId, rewardCheckpointId).");

        read.MapGet("/runs/options", (string? algorithm) =>
            Algorithms.TryParse(algorithm) is { } a
                ? Results.Ok(RunLauncher.Options(a))
                : ApiResults.BadRequest("algorithm", $"Name an algorithm: ?algorithm= one of {Algorithms.Names}."))
            .WithSummary("The options an algorithm's run takes: key (TRL's name), type, group, default, bounds, choices and one line of help.");

        read.MapGet("/runs", async (bool? archived, ClaimsPrincipal user, RunService runs, RunLineageFilter lineage, CancellationToken cancel) =>
                Results.Ok(await lineage.ForAsync(await runs.ListAsync(archived == true, cancel), user, cancel)))
            .WithSummary("All runs, newest first, with status and progress; archived ones (archivedAt) only with ?archived=true.");

        read.MapGet("/runs/{id:int}", async (int id, ClaimsPrincipal user, RunService runs, RunLineageFilter lineage, CancellationToken cancel) =>
            await lineage.ForAsync(await runs.GetAsync(id, cancel), user, cancel) is { } run ? Results.Ok(run) : Results.NotFound())
            .WithSummary("One run: status, progress (step of totalSteps), error, config, lineage (a labeling project's name and labelers only for those who may see the project).");

        write.MapPost("/runs/{id:int}/cancel", async (int id, RunService runs, CancellationToken cancel) =>
            await runs.CancelAsync(id, cancel) ? Results.Ok(await runs.GetAsync(id, cancel)) : Results.NotFound())
            .WithSummary("Cancel a queued run, or stop a running one at its next step (it saves a checkpoint).");

        read.MapGet("/runs/{id:int}/metrics", async (int id, string? name, int? maxPoints, int? fromStep, int? toStep, RunService runs, CancellationToken cancel) =>
        {
            if (await runs.GetAsync(id, cancel) is null) return Results.NotFound();
            if (string.IsNullOrEmpty(name)) return Results.Ok(await runs.MetricNamesAsync(id, cancel));
            return Results.Ok(await runs.MetricsAsync(id, name, maxPoints ?? RunService.DefaultMaxPoints, fromStep, toStep, cancel));
        }).WithSummary("[{step, value, time}] of one metric, at most maxPoints (min, max and last of each step bucket kept); without name: the metric names.");

        read.MapGet("/runs/{id:int}/samples", async (int id, RunService runs, CancellationToken cancel) =>
            Results.Ok((await runs.SamplesAsync(id, cancel)).Select(s => new { s.Step, s.Prompt, s.Completion, s.Reward, s.Kl, s.Length, s.Time })))
            .WithSummary("Completions of the fixed evaluation prompts at each checkpoint.");

        read.MapGet("/runs/{id:int}/checkpoints", async (int id, RunService runs, CancellationToken cancel) =>
            Results.Ok(await runs.CheckpointsAsync(id, cancel: cancel)))
            .WithSummary("The run's checkpoints (usable as the base of a new run), archived ones too (archivedAt).");

        read.MapGet("/checkpoints", async (bool? archived, RunService runs, CancellationToken cancel) => Results.Ok(await runs.CheckpointsAsync(null, archived == true, cancel)))
            .WithSummary("Every checkpoint of every run, then every uploaded model (runId null, uploadedBy, label \"… · uploaded by … on …\"); "
                + "archived ones and those of archived runs (archivedAt) only with ?archived=true.");

        write.MapPost("/checkpoints", async (string? name, HttpContext http, ClaimsPrincipal user, ModelUploads uploads, CancellationToken cancel) =>
        {
            // Kestrel's own cap (30 MB by default) would cut a model short; the upload counts its bytes against Checkpoints:MaxUploadBytes.
            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = uploads.Options.MaxUploadBytes + ModelUploads.MultipartOverhead;
            var checkpoint = await uploads.UploadAsync(name, http.Request.ContentType, http.Request.Body, http.Request.ContentLength, user.UserId(), cancel);
            return Results.Ok(new CreatedCheckpoint(checkpoint.Id));
        }).WithSummary("Upload a GPT-2-layout model (multipart: model.safetensors, config.json, and tokenizer.json or vocab.json + merges.txt) as a checkpoint "
            + "usable as any run's baseCheckpointId. Streamed to disk and checked (config, tensor shapes, tokenizer) before it is kept: 400 names each file at fault, "
            + "413 past Checkpoints:MaxUploadBytes.");

        write.MapGet("/checkpoints/server-folder", (ModelUploads uploads) => Results.Ok(new ServerFolder(!string.IsNullOrEmpty(uploads.Options.ServerFolder), uploads.ServerModels())))
            .WithSummary("Whether a server folder is set (Checkpoints:ServerFolder) and the model folders in it, for models too big to upload.");

        write.MapPost("/checkpoints/import", async (string? name, string? folder, ClaimsPrincipal user, ModelUploads uploads, CancellationToken cancel) =>
            Results.Ok(new CreatedCheckpoint((await uploads.ImportAsync(name, folder, user.UserId(), cancel)).Id)))
            .WithSummary("Copy a model folder of the server folder (?folder=<its name>) in as a checkpoint, through the same checks as an upload.");

        read.MapGet("/checkpoints/{id:int}/download", async (int id, RunService runs, CancellationToken cancel) =>
        {
            var checkpoint = await runs.FindCheckpointAsync(id, cancel);
            if (checkpoint is null) return Results.NotFound();
            string folder;
            try { folder = CheckpointFiles.Resolve(runs.DataDirectory, checkpoint.Path); }
            catch (InvalidOperationException) { return Results.NotFound(); }
            if (!Directory.Exists(folder)) return Results.Problem($"Checkpoint {id}'s files were pruned (save_total_limit).", statusCode: StatusCodes.Status410Gone);
            var zip = await CheckpointFiles.ZipAsync(folder, cancel);
            return Results.File(zip, "application/zip", checkpoint.RunId is int run ? $"run-{run}-step-{checkpoint.Step}.zip" : $"model-{checkpoint.Id}.zip");
        }).WithSummary("The checkpoint as a zip: model.safetensors, config.json, tokenizer.json.");

        read.MapGet("/compare/metrics.csv", async (string? runs, int? maxPoints, RunService service, CancellationToken cancel) =>
        {
            var ids = RunIds(runs);
            if (ids.Count == 0) return ApiResults.BadRequest("runs", "List run ids: ?runs=1,2.");
            return Results.Text(await service.MetricsCsvAsync(ids, maxPoints ?? RunService.DefaultMaxPoints, cancel), "text/csv");
        }).WithSummary("CSV (run_id, run_name, metric, step, value, time) of every metric of the runs, downsampled as the charts are.");

        read.MapGet("/compare/judges", async (JudgeScores judges, CancellationToken cancel) => Results.Ok(await judges.RewardModelsAsync(cancel)))
            .WithSummary("The reward models Compare can judge runs by: each checkpoint of a completed reward run (not archived, files kept).");

        read.MapGet("/compare/judges/{id:int}/scoring", async (int id, string? runs, JudgeScores judges, CancellationToken cancel) =>
        {
            var ids = RunIds(runs);
            if (ids.Count == 0) return ApiResults.BadRequest("runs", "List run ids: ?runs=1,2.");
            await judges.RequireAsync(id, cancel);
            var p = await judges.ProgressAsync(id, ids, cancel);
            return Results.Ok(new { p.Samples, p.Scored, p.InProgress, p.Done, p.Error, State = p.State.ToString() });
        }).WithSummary("How far the runs' evaluation samples are scored by the reward model at checkpoint {id}: NotScored, Scoring (Done of InProgress), Scored or Failed (Error).");

        write.MapPost("/compare/judges/{id:int}/scoring", async (int id, string? runs, JudgeScores judges, CancellationToken cancel) =>
        {
            var ids = RunIds(runs);
            if (ids.Count == 0) return ApiResults.BadRequest("runs", "List run ids: ?runs=1,2.");
            return Results.Accepted($"/api/compare/judges/{id}/scoring?runs={string.Join(",", ids)}", new { Queued = await judges.QueueAsync(id, ids, cancel) });
        }).WithSummary("Queues a worker re-score of the runs' unscored evaluation samples by the reward model at checkpoint {id} (what Compare's Score with this reward model does); answers how many samples were queued.");

        app.MapHub<RunsHub>(RunsHub.Path);
        return app;
    }

    /// <summary>The run ids of <c>?runs=1,2</c>, distinct; what does not read as an id is left out.</summary>
    private static List<int> RunIds(string? runs) => (runs ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(s => int.TryParse(s, out int i) ? i : -1).Where(i => i > 0).Distinct().ToList();
}
