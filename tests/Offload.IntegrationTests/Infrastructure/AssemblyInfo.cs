using System.Runtime.Versioning;

// These tests drive ffmpeg, Azurite and child processes the way the Linux hosts do.
[assembly: SupportedOSPlatform("linux")]
