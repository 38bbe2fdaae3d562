using System.Text;

namespace LabelAndAlign.Web.Tests;

/// <summary>
/// A body of any size without holding it: <paramref name="prefix"/>, then <paramref name="fillBytes"/>
/// copies of <paramref name="fill"/>, then <paramref name="suffix"/>, produced as it is read.
/// </summary>
public sealed class GeneratedStream(string prefix, byte fill, long fillBytes, string suffix) : Stream
{
    private readonly byte[] _prefix = Encoding.UTF8.GetBytes(prefix), _suffix = Encoding.UTF8.GetBytes(suffix);
    private long _position;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => _prefix.Length + fillBytes + _suffix.Length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = 0;
        long fillEnd = _prefix.Length + fillBytes;
        while (n < buffer.Length && _position < Length)
        {
            int take;
            if (_position < _prefix.Length)
            {
                take = (int)Math.Min(buffer.Length - n, _prefix.Length - _position);
                _prefix.AsSpan((int)_position, take).CopyTo(buffer[n..]);
            }
            else if (_position < fillEnd)
            {
                take = (int)Math.Min(buffer.Length - n, fillEnd - _position);
                buffer.Slice(n, take).Fill(fill);
            }
            else
            {
                take = (int)Math.Min(buffer.Length - n, Length - _position);
                _suffix.AsSpan((int)(_position - fillEnd), take).CopyTo(buffer[n..]);
            }
            n += take;
            _position += take;
        }
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer, offset, count));
}
