namespace LabelAndAlign.Engine.Recipe;

public static class RunErrors
{
    /// <summary>The reason a run failed as its page shows it: the message, with the exception's type when that is not self-explanatory.</summary>
    public static string Describe(Exception e) =>
        e is RunSpecException or ArgumentException or InvalidOperationException or InvalidDataException or IOException or UnauthorizedAccessException
            ? e.Message : $"{e.GetType().Name}: {e.Message}";
}
