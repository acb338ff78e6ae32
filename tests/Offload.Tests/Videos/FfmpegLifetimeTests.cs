using Offload.Videos;

namespace Offload.Tests.Videos;

/// <summary>The wrapper that puts setpriv in front of ffmpeg, written to a temp folder (nothing is run).</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class FfmpegLifetimeTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("offload-lifetime").FullName;

    [Fact]
    public void Prepare_WritesAnExecWrapper_ThatRunsTheFoldersFfmpegUnderTheParentDeathSignal()
    {
        var ffmpegFolder = Directory.CreateDirectory(Path.Combine(_root, "it's bundled")).FullName;
        File.WriteAllText(Path.Combine(ffmpegFolder, "ffmpeg"), "");

        var wrapper = FfmpegLifetime.Prepare(ffmpegFolder, "/usr/bin/setpriv", _root)?.Folder;

        var script = File.ReadAllText(Path.Combine(wrapper!, "ffmpeg"));
        Assert.StartsWith("#!/bin/sh\n", script, StringComparison.Ordinal);
        // exec all the way: FFMpegCore's process is ffmpeg itself, so its kill on cancellation stops ffmpeg.
        Assert.Contains($"exec '/usr/bin/setpriv' --pdeathsig KILL -- '{ffmpegFolder.Replace("'", "'\\''", StringComparison.Ordinal)}/ffmpeg' \"$@\"", script, StringComparison.Ordinal);
        Assert.True(File.GetUnixFileMode(Path.Combine(wrapper!, "ffmpeg")).HasFlag(UnixFileMode.UserExecute));
        Assert.Equal(wrapper, FfmpegLifetime.Prepare(ffmpegFolder, "/usr/bin/setpriv", _root)?.Folder); // one wrapper per ffmpeg, shared
    }

    [Fact]
    public void Prepare_LowersFfmpegsPriority_WhenANicenessIsGiven()
    {
        var ffmpegFolder = Directory.CreateDirectory(Path.Combine(_root, "bundled")).FullName;
        File.WriteAllText(Path.Combine(ffmpegFolder, "ffmpeg"), "");

        var wrapper = FfmpegLifetime.Prepare(ffmpegFolder, "/usr/bin/setpriv", _root, niceness: 10);

        var script = File.ReadAllText(Path.Combine(wrapper!.Value.Folder, "ffmpeg"));
        Assert.Matches(@"exec '[^']*/nice' -n 10 '/usr/bin/setpriv' --pdeathsig KILL -- '[^']*/bundled/ffmpeg' ""\$@""", script);
        Assert.Equal("at nice 10", wrapper.Value.Priority);
        Assert.NotEqual(wrapper, FfmpegLifetime.Prepare(ffmpegFolder, "/usr/bin/setpriv", _root)); // another wrapper, another name
    }

    [Fact]
    public void Prepare_PutsFfmpegInTheIdleSchedulingClass_WhenAsked_WhateverTheNiceness()
    {
        var ffmpegFolder = Directory.CreateDirectory(Path.Combine(_root, "bundled")).FullName;
        File.WriteAllText(Path.Combine(ffmpegFolder, "ffmpeg"), "");

        var wrapper = FfmpegLifetime.Prepare(ffmpegFolder, "/usr/bin/setpriv", _root, niceness: 10, idle: true);

        var script = File.ReadAllText(Path.Combine(wrapper!.Value.Folder, "ffmpeg"));
        Assert.Matches(@"exec '[^']*/chrt' --idle 0 '/usr/bin/setpriv' --pdeathsig KILL -- '[^']*/bundled/ffmpeg' ""\$@""", script);
        Assert.Equal("in the idle scheduling class (SCHED_IDLE)", wrapper.Value.Priority);
    }

    [Fact]
    public void Prepare_WrapsNothing_WhenTheFolderHasNoFfmpeg() =>
        Assert.Null(FfmpegLifetime.Prepare(_root, "/usr/bin/setpriv", _root));

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
