using LabelAndAlign.Web.Services;
using LabelAndAlign.Web.Services.Imports;
using LabelAndAlign.Web.Services.Labeling;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace LabelAndAlign.Web.Api;

/// <summary>
/// How every API route and hub request reports a failure: RFC 9457 problem details as JSON, never
/// an HTML error page. Input mistakes name their field (400, or 409 for conflicts), a missing or
/// forbidden thing says so (404, 403), a body the server cannot read keeps its status (400, 413,
/// 415), and anything unexpected is a 500 with the trace id it was logged under. Pages keep the
/// app's error page.
/// </summary>
public sealed class ApiExceptionHandler(IProblemDetailsService problems, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public static bool IsApi(PathString path) => path.StartsWithSegments("/api") || path.StartsWithSegments("/hubs");

    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        // Outside Development the app-wide handler (UseExceptionHandler("/error")) runs first and has already rewritten the
        // request path to /error; the path the request came in on is in the handler's feature.
        var path = http.Features.Get<IExceptionHandlerPathFeature>()?.Path is { } original ? new PathString(original) : http.Request.Path;
        if (!IsApi(path)) return false;
        var problem = exception switch
        {
            InputException e => new ValidationProblemDetails(e.ToErrors())
            {
                Status = e.IsConflict ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest,
                Title = e.IsConflict ? "Conflict" : "One or more validation errors occurred.",
                Detail = e.Message,
            },
            NotFoundException e => new ProblemDetails { Status = StatusCodes.Status404NotFound, Title = "Not found", Detail = e.Message },
            NotAllowedException e => new ProblemDetails { Status = StatusCodes.Status403Forbidden, Title = "Not allowed", Detail = e.Message },
            ImportTooLargeException e => new ProblemDetails
            {
                Status = StatusCodes.Status413PayloadTooLarge, Title = "Too large", Detail = e.Message,
                Extensions = { ["errors"] = new[] { new ImportError(0, e.Message) } },
            },
            Services.Runs.UploadTooLargeException e => new ProblemDetails { Status = StatusCodes.Status413PayloadTooLarge, Title = "Too large", Detail = e.Message },
            BadHttpRequestException e => new ProblemDetails
            {
                Status = e.StatusCode, Title = "Bad request",
                Detail = e.InnerException is { } inner ? $"{e.Message} {inner.Message}" : e.Message,
            },
            _ => null,
        };
        if (problem is null)
        {
            logger.LogError(exception, "Unhandled error on {Method} {Path}", http.Request.Method, http.Request.Path);
            problem = new ProblemDetails
            {
                Status = StatusCodes.Status500InternalServerError,
                Title = "Unexpected error",
                Detail = $"The server failed on this request; it is logged under trace id {http.TraceIdentifier}.",
            };
        }
        http.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem, Exception = exception });
    }
}
