namespace LabelAndAlign.Web.Services.Labeling;

/// <summary>
/// The project was archived: it hands out no more items (labels already sent, and one sent for an item held when it was
/// archived, are kept). The API answers 409 with the message; the labeling page shows it in place of the queue.
/// </summary>
public sealed class ProjectArchivedException(string message) : Exception(message)
{
    /// <summary>"This project was archived by lead@example.com; ask a lead to restore it."</summary>
    public static ProjectArchivedException By(string? email) =>
        new($"This project was archived{(email is null ? "" : $" by {email}")}; ask a lead to restore it. Labels already sent are kept.");
}
