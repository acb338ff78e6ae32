namespace Offload.Videos;

/// <summary>Thrown by <see cref="SizeLimitedStream"/> once more than its limit has been read.</summary>
public sealed class UploadTooLargeException(long maxBytes) : IOException($"The upload is larger than {maxBytes} bytes.");

/// <summary>
/// A read-only, forward-only view of a request body that counts what passes and stops at a limit,
/// for bodies whose length is not known in advance (chunked, multipart).
/// </summary>
public sealed class SizeLimitedStream(Stream inner, long maxBytes) : Stream
{
    public long BytesRead { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Count(int read)
    {
        BytesRead += read;
        if (BytesRead > maxBytes)
            throw new UploadTooLargeException(maxBytes);
        return read;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
