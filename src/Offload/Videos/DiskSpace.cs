namespace Offload.Videos;

/// <summary>An encode needs the source and the output on local disk at once; say so before starting, not halfway.</summary>
public static class DiskSpace
{
    /// <summary>Room kept free for ffmpeg's own files and everything else on the machine.</summary>
    public const long Reserve = 256L * 1024 * 1024;

    /// <summary>
    /// The disk an encode of a <paramref name="sourceBytes"/> source needs: the source, an output that can be as large
    /// as the source (a web-playable H.264 is rarely larger), and the reserve.
    /// </summary>
    public static long Needed(long sourceBytes) => sourceBytes * 2 + Reserve;

    /// <summary>A readable reason when <paramref name="freeBytes"/> is not enough, otherwise <c>null</c>.</summary>
    public static string? Shortfall(long sourceBytes, long freeBytes) =>
        freeBytes >= Needed(sourceBytes)
            ? null
            : $"Not enough temporary disk space for this video: the encode needs about {Needed(sourceBytes) / 1048576} MB " +
              $"(source and output), {freeBytes / 1048576} MB are free. Set Encoding__WorkingDirectory to a larger disk.";
}
