using LabelAndAlign.Web.Services;

namespace LabelAndAlign.Web.Api;

/// <summary>How every API endpoint reports bad input: RFC 7807 problem details naming the field.</summary>
public static class ApiResults
{
    public static IResult BadRequest(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, detail: message);

    /// <summary>Runs the action; an <see cref="InputException"/> becomes 400 (or 409 for conflicts).</summary>
    public static async Task<IResult> GuardAsync(Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (InputException e)
        {
            return e.IsConflict
                ? Results.Problem(e.Message, statusCode: StatusCodes.Status409Conflict, extensions: new Dictionary<string, object?> { ["errors"] = e.ToErrors() })
                : Results.ValidationProblem(e.ToErrors(), detail: e.Message);
        }
        catch (NotAllowedException e)
        {
            return Results.Problem(e.Message, statusCode: StatusCodes.Status403Forbidden);
        }
    }
}
