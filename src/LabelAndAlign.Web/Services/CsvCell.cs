namespace LabelAndAlign.Web.Services;

/// <summary>
/// A text cell of a CSV export, safe to open in a spreadsheet: quoted when it holds a comma, quote
/// or line break (RFC 4180), and, when it starts with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, a tab or a
/// carriage return, prefixed with <c>'</c> so the spreadsheet shows it as text instead of running
/// it as a formula (OWASP's advice for CSV injection). Numbers are written as they are, not through this.
/// </summary>
public static class CsvCell
{
    public static string Text(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r') value = "'" + value;
        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;
    }
}
