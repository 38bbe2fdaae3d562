using System.Runtime.CompilerServices;
using System.Text;

namespace LabelAndAlign.Web.Services.Imports;

/// <summary>The upload was larger than <see cref="ImportOptions.MaxFileBytes"/> (the API answers 413).</summary>
public sealed class ImportTooLargeException(long limit)
    : Exception($"The file is larger than the import limit of {limit / (1024 * 1024)} MB (Imports:MaxFileBytes); split it into smaller files.")
{
    public long Limit { get; } = limit;
}

/// <summary>
/// Reads an upload as text within <see cref="ImportOptions"/>' limits: the body counted as it
/// streams (past the file limit, <see cref="ImportTooLargeException"/>), and lines handed out one
/// at a time, a line past the line limit skipped to its end without being kept.
/// </summary>
public static class ImportReader
{
    /// <summary>A UTF-8 reader over the body that throws once more than the file limit has come through.</summary>
    public static StreamReader Open(Stream body, ImportOptions limits) =>
        new(new LimitedStream(body, limits.MaxFileBytes), Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 65536, leaveOpen: true);

    /// <summary>Each line with its 1-based number, without its terminator; null text for a line over the limit.</summary>
    public static async IAsyncEnumerable<(int Line, string? Text)> LinesAsync(TextReader reader, int maxChars, [EnumeratorCancellation] CancellationToken cancel)
    {
        var buffer = new char[65536];
        var line = new StringBuilder();
        bool tooLong = false, any = false;
        int number = 0, n;
        while ((n = await reader.ReadAsync(buffer.AsMemory(), cancel)) > 0)
        {
            int start = 0;
            for (int i = 0; i < n; i++)
            {
                if (buffer[i] != '\n') continue;
                if (!tooLong) line.Append(buffer, start, i - start);
                yield return (++number, tooLong || line.Length > maxChars ? null : line.ToString().TrimEnd('\r'));
                line.Clear();
                tooLong = false;
                any = false;
                start = i + 1;
            }
            if (start < n)
            {
                any = true;
                if (!tooLong)
                {
                    line.Append(buffer, start, n - start);
                    if (line.Length > maxChars) { tooLong = true; line.Clear(); }
                }
            }
        }
        if (any) yield return (++number, tooLong ? null : line.ToString().TrimEnd('\r'));
    }

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
            if (_read > limit) throw new ImportTooLargeException(limit);
            return n;
        }
    }
}
