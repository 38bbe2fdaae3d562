using System.Reflection;

namespace LabelAndAlign.Tests;

/// <summary>The built executables of the repository's projects, in the configuration the tests were built in.</summary>
internal static class BuiltExecutable
{
    /// <summary>The built executable <paramref name="name"/> of the repository's project <c>src/&lt;project&gt;</c>.</summary>
    public static string Find(string project, string name)
    {
        string configuration = typeof(BuiltExecutable).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "Configuration").Value!;
        // --artifacts-path: <artifacts>/bin/<test project>/<config>_<rid>/ beside <artifacts>/bin/<project>/<config>_<rid>/
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(System.IO.Path.DirectorySeparatorChar));
        if (here.Parent?.Parent is { } binRoot)
        {
            string sibling = System.IO.Path.Combine(binRoot.FullName, project, here.Name, name);
            if (File.Exists(sibling)) return sibling;
        }
        string bin = System.IO.Path.Combine(RepoRoot.Path, "src", project, "bin", configuration);
        return (Directory.Exists(bin) ? Directory.GetFiles(bin, name, SearchOption.AllDirectories).FirstOrDefault() : null)
            ?? throw new FileNotFoundException($"{project} is not built for {configuration}; run 'dotnet build' first.");
    }
}
