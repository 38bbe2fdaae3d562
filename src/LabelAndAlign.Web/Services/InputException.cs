namespace LabelAndAlign.Web.Services;

/// <summary>
/// Input a user or script got wrong, naming the field — or every field at once, when a form is checked as a whole.
/// API endpoints answer 400 (or 409 for <see cref="IsConflict"/>) with each field and message; pages show each message
/// beside its field.
/// </summary>
public sealed class InputException : Exception
{
    public InputException(string field, string message, bool isConflict = false) : this([new InputError(field, message)], isConflict) { }

    public InputException(IReadOnlyList<InputError> errors, bool isConflict = false)
        : base(string.Join(" ", errors.Select(e => e.Message)))
    {
        if (errors.Count == 0) throw new ArgumentException("An input error needs at least one field.", nameof(errors));
        Errors = errors;
        IsConflict = isConflict;
    }

    public IReadOnlyList<InputError> Errors { get; }

    /// <summary>The first field at fault.</summary>
    public string Field => Errors[0].Field;
    public bool IsConflict { get; }

    public IDictionary<string, string[]> ToErrors() =>
        Errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray());
}

/// <summary>One field's problem.</summary>
public sealed record InputError(string Field, string Message);
