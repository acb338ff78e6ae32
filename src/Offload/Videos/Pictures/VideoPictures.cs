namespace Offload.Videos.Pictures;

/// <summary>
/// The pictures of an encode, recorded on the job with its output (<see cref="VideoOutput.Pictures"/>): blobs in the
/// outputs container under the run's own names (<see cref="Storage.StorageNames.PictureBlobName"/>), like its MP4.
/// </summary>
public sealed record VideoPictures(Picture Poster, IReadOnlyList<Picture> Thumbnails, Storyboard Storyboard)
{
    public const string PosterName = "poster.jpg";
    public const string StoryboardImageName = "storyboard.jpg";
    public const string StoryboardVttName = "storyboard.vtt";

    /// <summary>The name of the <paramref name="number"/>-th thumbnail, from 1.</summary>
    public static string ThumbnailName(int number) => $"thumbnail-{number}.jpg";

    /// <summary>Every picture's name, as the API serves it, with its blob.</summary>
    public IEnumerable<(string Name, string BlobName)> Files =>
    [
        (PosterName, Poster.BlobName),
        .. Thumbnails.Select((t, i) => (ThumbnailName(i + 1), t.BlobName)),
        (StoryboardImageName, Storyboard.BlobName),
    ];
}

/// <summary>A JPEG of the video: its blob, its size, and for a thumbnail the time in the video it shows.</summary>
public sealed record Picture(string BlobName, int Width, int Height, double? AtSeconds = null);

/// <summary>A picture made on the worker, not yet uploaded.</summary>
public sealed record LocalPicture(string Path, int Width, int Height, double? AtSeconds);

/// <summary>What <see cref="VideoEncoder.MakePicturesAsync"/> made: the files, and the storyboard's layout.</summary>
public sealed record MadePictures(
    LocalPicture Poster, IReadOnlyList<LocalPicture> Thumbnails, LocalPicture Sprite,
    int Tiles, int Columns, int TileWidth, int TileHeight, double IntervalSeconds);
