using LabelAndAlign.Web.Services.Imports;

namespace LabelAndAlign.Web.Api;

/// <summary>
/// Answers endpoints give themselves, as RFC 9457 problem details like every other API error
/// (exceptions go through <see cref="ApiExceptionHandler"/>).
/// </summary>
public static class ApiResults
{
    /// <summary>400 naming the field at fault.</summary>
    public static IResult BadRequest(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, detail: message);

    /// <summary>404 saying what is missing.</summary>
    public static IResult NotFound(string message) => Results.Problem(message, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    /// <summary>An import that added nothing: 400 with every line at fault (<c>errors: [{line, message}]</c>), or 413 when the file was too large.</summary>
    public static IResult ImportRefused(IReadOnlyList<ImportError> errors, bool tooLarge) => Results.Problem(
        tooLarge ? errors[0].Message : $"Nothing was imported: {errors.Count} problem{(errors.Count == 1 ? "" : "s")}; the first is on line {errors[0].Line}: {errors[0].Message}",
        statusCode: tooLarge ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest,
        title: tooLarge ? "Too large" : "Import refused",
        extensions: new Dictionary<string, object?> { ["errors"] = errors });
}
