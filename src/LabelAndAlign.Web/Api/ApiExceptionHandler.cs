using LabelAndAlign.Web.Data;
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
/// 415), a database that could not take the work now is a 503 with Retry-After (nothing of it
/// ran, wherever a layer wrapped it), and anything unexpected is a 500 with the trace id it was
/// logged under. Pages keep the app's error page.
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
        var problem = (BusyCause(exception) ?? exception) switch
        {
            InputException e => new ValidationProblemDetails(e.ToErrors())
            {
                Status = e.IsConflict ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest,
                Title = e.IsConflict ? "Conflict" : "One or more validation errors occurred.",
                Detail = e.Message,
            },
            NotFoundException e => new ProblemDetails { Status = StatusCodes.Status404NotFound, Title = "Not found", Detail = e.Message },
            NotAllowedException e => new ProblemDetails { Status = StatusCodes.Status403Forbidden, Title = "Not allowed", Detail = e.Message },
            Services.Labeling.ProjectArchivedException e => new ProblemDetails { Status = StatusCodes.Status409Conflict, Title = "Project archived", Detail = e.Message },
            ImportTooLargeException e => new ProblemDetails
            {
                Status = StatusCodes.Status413PayloadTooLarge, Title = "Too large", Detail = e.Message,
                Extensions = { ["errors"] = new[] { new ImportError(0, e.Message) } },
            },
            DatabaseBusyException e => new ProblemDetails { Status = StatusCodes.Status503ServiceUnavailable, Title = "Busy", Detail = e.Message },
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
        if (problem.Status == StatusCodes.Status503ServiceUnavailable)
        {
            // Nothing of the request ran: the client sends it again after the pause (lna loadtest does).
            logger.LogWarning("{Method} {Path}: {Busy}", http.Request.Method, http.Request.Path, problem.Detail);
            http.Response.Headers.RetryAfter = ((int)DatabaseBusyException.RetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        http.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem, Exception = exception });
    }

    private static DatabaseBusyException? BusyCause(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
            if (e is DatabaseBusyException busy) return busy;
        return null;
    }
}
