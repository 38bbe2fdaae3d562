namespace LabelAndAlign.Web.Data;

/// <summary>
/// Text a model wrote, made storable everywhere: PostgreSQL's text type cannot hold U+0000 (SQLite
/// can), and a small model decodes arbitrary bytes, NUL among them. NUL never means anything on
/// a page, so it becomes U+FFFD (the replacement character), the same on both providers.
/// </summary>
public static class StoredText
{
    public static string Of(string text) => text.Contains('\0') ? text.Replace('\0', '\uFFFD') : text;
}
