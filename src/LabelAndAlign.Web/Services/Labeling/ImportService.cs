using System.Runtime.CompilerServices;
using System.Text;
using LabelAndAlign.Web.Data;
using Microsoft.Extensions.Options;

namespace LabelAndAlign.Web.Services.Labeling;

/// <summary>What an import did: how many items it added, or every reason it added none.</summary>
public sealed record ImportResult(int Imported, IReadOnlyList<ImportError> Errors, bool TooLarge = false)
{
    public bool Ok => Errors.Count == 0;
}

/// <summary>
/// Imports items all-or-nothing. The body is read as a stream with a byte limit and a per-line
/// limit, so an oversized upload is refused after reading at most the limit; lines are parsed
/// as they arrive and inserted in one transaction only when every line is valid.
/// </summary>
public sealed class ImportService(AppDbContext db, ItemParser parser, TimeProvider clock, IOptions<LabelingOptions> options)
{
    public enum Format { JsonLines, Csv }

    public async Task<ImportResult> ImportAsync(int projectId, Stream body, Format format, CancellationToken cancel = default)
    {
        var o = options.Value;
        var limited = new LimitedStream(body, o.MaxImportBytes);
        using var reader = new StreamReader(limited, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 65536, leaveOpen: true);
        var items = new List<ParsedItem>();
        var errors = new List<ImportError>();
        try
        {
            if (format == Format.JsonLines) await ParseJsonLinesAsync(reader, items, errors, cancel);
            else await ParseCsvAsync(reader, items, errors);
        }
        catch (LimitExceededException)
        {
            return new ImportResult(0, [new ImportError(0, $"The file is larger than the import limit of {o.MaxImportBytes / (1024 * 1024)} MB; split it into smaller files.")], TooLarge: true);
        }
        catch (FormatException e) when (format == Format.Csv)
        {
            errors.Add(new ImportError(0, e.Message));
        }
        if (errors.Count == 0 && items.Count == 0) errors.Add(new ImportError(0, "The file holds no items."));
        if (errors.Count > 0) return new ImportResult(0, errors);
        await InsertAsync(projectId, items, cancel);
        return new ImportResult(items.Count, []);
    }

    private async Task ParseJsonLinesAsync(TextReader reader, List<ParsedItem> items, List<ImportError> errors, CancellationToken cancel)
    {
        int lineNumber = 0;
        await foreach (var line in ReadLinesAsync(reader, options.Value.MaxLineChars, cancel))
        {
            lineNumber++;
            if (line is null)
            {
                errors.Add(new ImportError(lineNumber, $"Line is longer than {options.Value.MaxLineChars} characters."));
            }
            else if (line.Trim().Length > 0)
            {
                try { items.Add(parser.ParseJsonLine(line)); }
                catch (FormatException e) { errors.Add(new ImportError(lineNumber, e.Message)); }
            }
            if (errors.Count >= options.Value.MaxReportedErrors) return;
        }
    }

    private async Task ParseCsvAsync(TextReader reader, List<ParsedItem> items, List<ImportError> errors)
    {
        List<string>? header = null;
        await foreach (var (line, fields) in CsvReader.ReadAsync(reader, options.Value.MaxLineChars))
        {
            if (header is null)
            {
                header = fields.Select(h => h.Trim().ToLowerInvariant()).ToList();
                bool ours = header.Contains("prompt") && header.Contains("response_a") && header.Contains("response_b");
                bool trl = header.Contains("chosen") && header.Contains("rejected");
                if (!ours && !trl)
                {
                    errors.Add(new ImportError(line, $"The header must name prompt, response_a, response_b (or prompt, chosen, rejected); found: {string.Join(", ", header)}."));
                    return;
                }
                continue;
            }
            if (fields.Count != header.Count)
            {
                errors.Add(new ImportError(line, $"Expected {header.Count} fields as in the header; found {fields.Count}."));
            }
            else
            {
                var row = header.Zip(fields).ToDictionary(p => p.First, p => p.Second);
                try { items.Add(parser.ParseCsvRow(row)); }
                catch (FormatException e) { errors.Add(new ImportError(line, e.Message)); }
            }
            if (errors.Count >= options.Value.MaxReportedErrors) return;
        }
    }

    /// <summary>Lines without their terminators; a line over the limit comes back as null (and is skipped).</summary>
    private static async IAsyncEnumerable<string?> ReadLinesAsync(TextReader reader, int maxChars, [EnumeratorCancellation] CancellationToken cancel)
    {
        var buffer = new char[65536];
        var line = new StringBuilder();
        bool tooLong = false, any = false;
        int n;
        while ((n = await reader.ReadAsync(buffer.AsMemory(), cancel)) > 0)
        {
            int start = 0;
            for (int i = 0; i < n; i++)
            {
                if (buffer[i] != '\n') continue;
                if (!tooLong) line.Append(buffer, start, i - start);
                yield return tooLong ? null : line.ToString().TrimEnd('\r');
                line.Clear();
                tooLong = false;
                any = false;
                start = i + 1;
            }
            if (!tooLong && start < n)
            {
                line.Append(buffer, start, n - start);
                any = true;
                if (line.Length > maxChars) { tooLong = true; line.Clear(); }
            }
            else if (start < n) any = true;
        }
        if (tooLong) yield return null;
        else if (any && line.Length > 0) yield return line.ToString().TrimEnd('\r');
    }

    private async Task InsertAsync(int projectId, List<ParsedItem> items, CancellationToken cancel)
    {
        await using var sql = await Sql.BeginAsync(db, cancel);
        await using var cmd = sql.Command("""
            INSERT INTO items (ProjectId, ExternalId, PromptText, PromptMessagesJson, ResponseA, ResponseB, ModelA, ModelB, Gold, IsGold,
                               SlotsTaken, LabelCount, IsOpen, CreatedAt)
            VALUES ($p, $ext, $prompt, $messages, $a, $b, $ma, $mb, $gold, $isGold, 0, 0, 1, $now);
            """);
        var now = clock.GetUtcNow().UtcDateTime;
        cmd.Parameters.AddWithValue("$p", projectId);
        cmd.Parameters.AddWithValue("$now", now);
        var ext = cmd.Parameters.Add("$ext", Microsoft.Data.Sqlite.SqliteType.Text);
        var prompt = cmd.Parameters.Add("$prompt", Microsoft.Data.Sqlite.SqliteType.Text);
        var messages = cmd.Parameters.Add("$messages", Microsoft.Data.Sqlite.SqliteType.Text);
        var a = cmd.Parameters.Add("$a", Microsoft.Data.Sqlite.SqliteType.Text);
        var b = cmd.Parameters.Add("$b", Microsoft.Data.Sqlite.SqliteType.Text);
        var ma = cmd.Parameters.Add("$ma", Microsoft.Data.Sqlite.SqliteType.Text);
        var mb = cmd.Parameters.Add("$mb", Microsoft.Data.Sqlite.SqliteType.Text);
        var gold = cmd.Parameters.Add("$gold", Microsoft.Data.Sqlite.SqliteType.Text);
        var isGold = cmd.Parameters.Add("$isGold", Microsoft.Data.Sqlite.SqliteType.Integer);
        foreach (var item in items)
        {
            ext.Value = (object?)item.ExternalId ?? DBNull.Value;
            prompt.Value = item.PromptText;
            messages.Value = (object?)item.PromptMessagesJson ?? DBNull.Value;
            a.Value = item.ResponseA;
            b.Value = item.ResponseB;
            ma.Value = (object?)item.ModelA ?? DBNull.Value;
            mb.Value = (object?)item.ModelB ?? DBNull.Value;
            gold.Value = (object?)item.Gold ?? DBNull.Value;
            isGold.Value = item.Gold is null ? 0 : 1;
            await cmd.ExecuteNonQueryAsync(cancel);
        }
        await sql.CommitAsync(cancel);
    }

    private sealed class LimitExceededException : Exception;

    /// <summary>Reads through to the inner stream and throws once more than the limit has come through.</summary>
    private sealed class LimitedStream(Stream inner, long limit) : Stream
    {
        private long _read;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int n)
        {
            _read += n;
            if (_read > limit) throw new LimitExceededException();
            return n;
        }
    }
}
