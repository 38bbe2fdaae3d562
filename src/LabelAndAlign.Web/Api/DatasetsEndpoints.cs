using System.Security.Claims;
using LabelAndAlign.Web.Security;
using LabelAndAlign.Web.Services;
using LabelAndAlign.Web.Services.Datasets;
using Microsoft.AspNetCore.Http.Features;

namespace LabelAndAlign.Web.Api;

/// <summary>Datasets: import TRL JSON Lines (all or nothing) and list them. Lead and Admin.</summary>
public static class DatasetsEndpoints
{
    public sealed record ImportedDataset(int Id, string Kind, int Rows);
    public sealed record DatasetImportErrors(IReadOnlyList<ImportError> Errors);

    public static IEndpointRouteBuilder MapDatasetsEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").RequireAuthorization(AppPolicies.Manage).WithTags("Datasets");

        api.MapPost("/datasets", async (string? name, HttpContext http, ClaimsPrincipal user, DatasetService datasets, CancellationToken cancel) =>
        {
            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = DatasetService.MaxImportBytes;
            return await ApiResults.GuardAsync(async () =>
            {
                var result = await datasets.ImportAsync(name, http.Request.Body, user.UserId(), cancel);
                return result.Ok
                    ? Results.Ok(new ImportedDataset(result.Dataset!.Id, result.Dataset.Kind, result.Dataset.RowCount))
                    : Results.BadRequest(new DatasetImportErrors(result.Errors));
            });
        }).Accepts<string>("application/x-ndjson")
          .WithSummary("Import a TRL-format JSON Lines file; the kind is detected. 400 {errors: [{line, message}]} imports nothing.");

        api.MapGet("/datasets", async (DatasetService datasets, CancellationToken cancel) => Results.Ok(await datasets.ListAsync(cancel)))
            .WithSummary("Datasets with kind, row count and a preview; the built-in task packs' corpora and prompts included.");
        return app;
    }
}
