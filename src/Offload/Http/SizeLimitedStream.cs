using System.Security.Cryptography;

namespace Offload.Http;

/// <summary>Thrown by <see cref="SizeLimitedStream"/> once more than its limit has been read.</summary>
public sealed class BodyTooLargeException(long maxBytes) : IOException($"The body is larger than {maxBytes} bytes.");

/// <summary>
/// A read-only, forward-only view of a request body that counts what passes and stops at a limit,
/// for bodies whose length is not known in advance (chunked, multipart). With <paramref name="hash"/> it also takes
/// the SHA-256 of what passed (an Idempotency-Key's fingerprint), without holding any of it.
/// </summary>
public sealed class SizeLimitedStream(Stream inner, long maxBytes, bool hash = false) : Stream
{
    private readonly IncrementalHash? _hash = hash ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;

    public long BytesRead { get; private set; }

    /// <summary>The SHA-256 of everything read, in hex; call once the body has been read to its end.</summary>
    public string Sha256 => Convert.ToHexStringLower(
        (_hash ?? throw new InvalidOperationException("Created without hash: true.")).GetCurrentHash());

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Count(buffer.AsSpan(offset, inner.Read(buffer, offset, count)));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        return Count(buffer.Span[..read]);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Count(ReadOnlySpan<byte> read)
    {
        BytesRead += read.Length;
        if (BytesRead > maxBytes)
            throw new BodyTooLargeException(maxBytes);
        _hash?.AppendData(read);
        return read.Length;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _hash?.Dispose();
        base.Dispose(disposing);
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
