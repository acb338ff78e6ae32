using System.Reflection;

namespace Offload.Testing;

/// <summary>Where things are in the checkout the tests run from.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release: the other projects were built with the same configuration as this one.</summary>
    public static string Configuration { get; } =
        typeof(Repo).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    public static string ProjectOutput(string project) =>
        Path.Combine(Root, "src", project, "bin", Configuration, "net10.0");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Functions.sln")))
                return dir.FullName;
        }

        throw new InvalidOperationException("Run the tests from inside the Offload checkout (no Functions.sln found above the test output).");
    }
}
