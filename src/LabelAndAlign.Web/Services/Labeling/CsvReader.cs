using System.Text;

namespace LabelAndAlign.Web.Services.Labeling;

/// <summary>
/// RFC 4180 CSV: comma-separated, fields optionally in double quotes, <c>""</c> for a quote
/// inside quotes, newlines allowed inside quotes. Each record comes with the line it starts on.
/// </summary>
public static class CsvReader
{
    public static async IAsyncEnumerable<(int Line, List<string> Fields)> ReadAsync(TextReader reader, int maxRecordChars)
    {
        var chars = new CharSource(reader);
        var fields = new List<string>();
        var field = new StringBuilder();
        int line = 1, recordLine = 1, recordChars = 0;
        bool quoted = false, any = false;
        while (await chars.NextAsync() is int ci)
        {
            char c = (char)ci;
            if (++recordChars > maxRecordChars) throw new FormatException($"Line {recordLine}: record longer than {maxRecordChars} characters.");
            if (quoted)
            {
                if (c == '"')
                {
                    if (await chars.PeekAsync() == '"') { await chars.NextAsync(); field.Append('"'); }
                    else quoted = false;
                }
                else
                {
                    if (c == '\n') line++;
                    field.Append(c);
                }
                continue;
            }
            switch (c)
            {
                case '"' when field.Length == 0:
                    quoted = true; any = true; break;
                case ',':
                    fields.Add(field.ToString()); field.Clear(); any = true; break;
                case '\r': break;
                case '\n':
                    if (any) { fields.Add(field.ToString()); yield return (recordLine, fields); }
                    fields = []; field.Clear(); any = false;
                    line++; recordLine = line; recordChars = 0;
                    break;
                default:
                    field.Append(c); any = true; break;
            }
        }
        if (quoted) throw new FormatException($"Line {recordLine}: a quoted field is not closed.");
        if (any) { fields.Add(field.ToString()); yield return (recordLine, fields); }
    }

    private sealed class CharSource(TextReader reader)
    {
        private readonly char[] _buffer = new char[16384];
        private int _pos, _len;

        public async ValueTask<int?> NextAsync()
        {
            if (_pos >= _len && !await FillAsync()) return null;
            return _buffer[_pos++];
        }

        public async ValueTask<int?> PeekAsync()
        {
            if (_pos >= _len && !await FillAsync()) return null;
            return _buffer[_pos];
        }

        private async ValueTask<bool> FillAsync()
        {
            _len = await reader.ReadAsync(_buffer);
            _pos = 0;
            return _len > 0;
        }
    }
}
