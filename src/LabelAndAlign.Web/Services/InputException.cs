namespace LabelAndAlign.Web.Services;

/// <summary>
/// Input a user or script got wrong, naming the field. API endpoints answer 400 (or 409 for
/// <see cref="IsConflict"/>) with the field and message; pages show the message beside the field.
/// </summary>
public sealed class InputException(string field, string message, bool isConflict = false) : Exception(message)
{
    public string Field { get; } = field;
    public bool IsConflict { get; } = isConflict;

    public IDictionary<string, string[]> ToErrors() => new Dictionary<string, string[]> { [Field] = [Message] };
}
