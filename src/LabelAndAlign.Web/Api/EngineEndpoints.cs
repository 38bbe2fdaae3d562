using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using LabelAndAlign.Protocol;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Hubs;
using LabelAndAlign.Web.Security;
using LabelAndAlign.Web.Services;
using LabelAndAlign.Web.Services.Datasets;
using LabelAndAlign.Web.Services.Runs;
using LabelAndAlign.Web.Services.Workers;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Api;

/// <summary>
/// The engine protocol's HTTP half (<see cref="EngineRoutes"/>), for Worker keys only: a held run's dataset rows,
/// the checkpoints a held run or generation names, a run's checkpoint uploads, a people-judged run's label rounds and a
/// generation's result; each checks
/// the caller's lease. And <c>GET /api/workers</c>
/// for admins: who is connected, with what, training what.
/// </summary>
public static class EngineEndpoints
{
    public sealed record UploadedCheckpoint(int Id);

    public static IEndpointRouteBuilder MapEngineEndpoints(this IEndpointRouteBuilder app)
    {
        var worker = app.MapGroup("/api/worker").RequireAuthorization(AppPolicies.Work).WithTags("Workers").ExcludeFromDescription();

        worker.MapGet("/runs/{id:int}/dataset", async (int id, HttpContext http, ClaimsPrincipal user, RunLeases leases, DatasetService datasets, CancellationToken cancel) =>
        {
            var run = await leases.RequireHeldAsync(id, Session(http), Epoch(http), user.UserId()!.Value, cancel);
            http.Response.ContentType = "application/x-ndjson";
            await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(false), 1 << 16);
            await foreach (string line in datasets.RowLines(run.DatasetId ?? 0).WithCancellation(cancel))
            {
                await writer.WriteAsync(line);
                await writer.WriteAsync('\n');
            }
        });

        worker.MapGet("/checkpoints/{id:int}", async (int id, int? run, int? generation, HttpContext http, ClaimsPrincipal user, RunLeases leases,
            GenerationJobs generations, RunService runs, CancellationToken cancel) =>
        {
            int userId = user.UserId()!.Value;
            bool own;
            if (run is int runId)
            {
                var held = await leases.RequireHeldAsync(runId, Session(http), Epoch(http), userId, cancel);
                own = (await runs.FindCheckpointAsync(id, cancel))?.RunId == held.Id;
                if (!(own || id == held.BaseCheckpointId || id == held.RewardCheckpointId)) return ApiResults.NotFound($"Run {held.Id} names no checkpoint {id}.");
            }
            else if (generation is int generationId)
            {
                var held = await generations.RequireHeldAsync(generationId, Session(http), Epoch(http), userId, cancel);
                own = false;
                if (id != held.CheckpointA && id != held.CheckpointB) return ApiResults.NotFound($"Generation {held.Id} names no checkpoint {id}.");
            }
            else return ApiResults.BadRequest("run", "Name the held job that needs the checkpoint: ?run=<id> or ?generation=<id>.");
            var checkpoint = await runs.FindCheckpointAsync(id, cancel);
            if (checkpoint is null) return ApiResults.NotFound($"No checkpoint {id}.");
            if (CheckpointFiles.Existing(runs.DataDirectory, checkpoint.Path) is not { } folder)
                return Results.Problem($"Checkpoint {id}'s files were deleted (save_total_limit).", statusCode: StatusCodes.Status410Gone);
            // A run's own checkpoint is a resume point: everything, optimizer and trainer state included.
            var zip = await CheckpointFiles.ZipAsync(folder, cancel, everything: own);
            http.Response.Headers[EngineRoutes.Sha256Header] = Convert.ToHexStringLower(await SHA256.HashDataAsync(zip, cancel));
            zip.Position = 0;
            return Results.File(zip, "application/zip", $"checkpoint-{checkpoint.Step}.zip");
        });

        worker.MapPut("/runs/{id:int}/rounds/{round:int}", async (int id, int round, LabelRoundRequest body, HttpContext http, ClaimsPrincipal user, RunLeases leases,
            LabelLoops loops, CancellationToken cancel) =>
        {
            var run = await leases.RequireHeldAsync(id, Session(http), Epoch(http), user.UserId()!.Value, cancel);
            return Results.Ok(await loops.SendAsync(run, round, body, cancel));
        });

        worker.MapGet("/runs/{id:int}/rounds/{round:int}", async (int id, int round, HttpContext http, ClaimsPrincipal user, RunLeases leases,
            LabelLoops loops, CancellationToken cancel) =>
        {
            var run = await leases.RequireHeldAsync(id, Session(http), Epoch(http), user.UserId()!.Value, cancel);
            return Results.Ok(await loops.StateAsync(run, round, cancel));
        });

        worker.MapPut("/generations/{id:int}/result", async (int id, GeneratedResponses result, HttpContext http, ClaimsPrincipal user, GenerationJobs generations,
            CancellationToken cancel) =>
        {
            var held = await generations.RequireHeldAsync(id, Session(http), Epoch(http), user.UserId()!.Value, cancel);
            return await generations.CompleteAsync(Session(http)!, new HeldJob(JobKind.Generation, id, held.Epoch), result, cancel)
                ? Results.NoContent()
                : Results.Problem($"Generation {id} is no longer this worker's (lease epoch {held.Epoch}): stop it.", statusCode: StatusCodes.Status409Conflict);
        });

        worker.MapPut("/runs/{id:int}/checkpoints/{step:int}", async (int id, int step, HttpContext http, ClaimsPrincipal user, RunLeases leases,
            CheckpointUploads uploads, CancellationToken cancel) =>
        {
            await leases.RequireHeldAsync(id, Session(http), Epoch(http), user.UserId()!.Value, cancel);
            if (!long.TryParse(http.Request.Headers[EngineRoutes.SeqHeader], NumberStyles.None, CultureInfo.InvariantCulture, out long seq))
                return ApiResults.BadRequest(EngineRoutes.SeqHeader, $"Send the upload's place in the run's report stream in {EngineRoutes.SeqHeader}.");
            // Checkpoints are far over Kestrel's 30 MB default; Training:MaxCheckpointBytes limits them as they arrive.
            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = null;
            var job = new HeldJob(JobKind.Run, id, Epoch(http)!.Value);
            var (outcome, checkpointId) = await uploads.UploadAsync(Session(http)!, job, seq, step, http.Request.Headers[EngineRoutes.Sha256Header], http.Request.Body, cancel);
            return outcome == ReportOutcome.Lost || checkpointId is null
                ? Results.Problem($"Run {id} is no longer this worker's (lease epoch {job.Epoch}): stop it.", statusCode: StatusCodes.Status409Conflict)
                : Results.Ok(new UploadedCheckpoint(checkpointId.Value));
        });

        app.MapGet("/api/workers", async (WorkerRegistry workers, CancellationToken cancel) => Results.Ok(await workers.ListAsync(cancel)))
            .RequireAuthorization(AppPolicies.Admin).WithTags("Workers")
            .WithSummary("The training workers that have connected, online first: what each offers (engines, devices, cores, memory), its runs, and when it was last heard from.");

        app.MapHub<EngineHub>(EngineRoutes.HubPath);
        return app;
    }

    private static string? Session(HttpContext http) => http.Request.Headers[EngineRoutes.SessionHeader].FirstOrDefault();

    private static long? Epoch(HttpContext http) =>
        long.TryParse(http.Request.Headers[EngineRoutes.EpochHeader], NumberStyles.None, CultureInfo.InvariantCulture, out long e) ? e : null;
}
