using System.Reflection;

namespace LabelAndAlign.Tests;

/// <summary>The checkout's root folder (the one holding LabelAndAlign.sln), for fixtures and tools beside the tests.</summary>
internal static class RepoRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "LabelAndAlign.sln"))) return dir.FullName;
        // Built elsewhere (an artifacts path): the build recorded where the sources were.
        string? built = typeof(RepoRoot).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == "RepoRoot")?.Value;
        if (built is not null && File.Exists(System.IO.Path.Combine(built, "LabelAndAlign.sln"))) return built;
        throw new DirectoryNotFoundException($"No LabelAndAlign.sln above {AppContext.BaseDirectory}.");
    }
}
