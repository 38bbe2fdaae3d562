using System.Security.Claims;
using LabelAndAlign.Web.Security;
using LabelAndAlign.Web.Services;
using LabelAndAlign.Web.Services.Datasets;
using LabelAndAlign.Web.Services.Imports;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace LabelAndAlign.Web.Api;

/// <summary>Datasets: import TRL JSON Lines (all or nothing) and list them. Lead and Admin.</summary>
public static class DatasetsEndpoints
{
    public sealed record ImportedDataset(int Id, string Kind, int Rows, IReadOnlyList<IgnoredField> Ignored, string? Notice);

    public static IEndpointRouteBuilder MapDatasetsEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").RequireAuthorization(AppPolicies.Manage).WithTags("Datasets");

        api.MapPost("/datasets", async (string? name, HttpContext http, ClaimsPrincipal user, DatasetService datasets, IOptions<ImportOptions> limits, CancellationToken cancel) =>
        {
            // Our own limit replaces Kestrel's 30 MB default; the import stops reading once past it.
            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = null;
            if (http.Request.ContentLength > limits.Value.MaxFileBytes) throw new ImportTooLargeException(limits.Value.MaxFileBytes);
            var result = await datasets.ImportAsync(name, http.Request.Body, user.UserId(), cancel);
            if (!result.Ok) return ApiResults.ImportRefused(result.Errors, result.TooLarge);
            var d = result.Dataset!;
            return Results.Ok(new ImportedDataset(d.Id, d.Kind, d.RowCount, result.Ignored, result.Notice));
        }).Accepts<string>("application/x-ndjson")
          .WithSummary("Import a TRL-format JSON Lines file; the kind is detected, and fields that kind does not use are listed (ignored, notice). " +
              "400 {errors: [{line, message}]} imports nothing; 413 past the file limit.");

        api.MapGet("/datasets", async (bool? archived, DatasetService datasets, CancellationToken cancel) => Results.Ok(await datasets.ListAsync(archived == true, cancel)))
            .WithSummary("Datasets with kind, row count and a preview; the built-in task packs' corpora and prompts included; archived ones (archivedAt) only with ?archived=true.");
        return app;
    }
}
