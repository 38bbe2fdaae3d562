using System.Reflection;

namespace LabelAndAlign.Cli;

/// <summary>Finds every <see cref="ICliCommand"/> in this assembly and picks one from the command line.</summary>
public static class CommandRegistry
{
    public static IReadOnlyList<ICliCommand> All { get; } = typeof(CommandRegistry).Assembly.GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(ICliCommand).IsAssignableFrom(t))
        .Select(t => (ICliCommand)Activator.CreateInstance(t)!)
        .OrderBy(c => c.Name, StringComparer.Ordinal)
        .ToArray();

    /// <summary>The command whose name words match the most leading arguments, and the rest of them.</summary>
    public static (ICliCommand? Command, string[] Remaining) Match(string[] args)
    {
        ICliCommand? best = null;
        int bestWords = 0;
        foreach (var c in All)
        {
            var words = c.Name.Split(' ');
            if (words.Length > args.Length || words.Length <= bestWords) continue;
            bool match = true;
            for (int i = 0; i < words.Length && match; i++) match = words[i] == args[i];
            if (match)
            {
                best = c;
                bestWords = words.Length;
            }
        }
        return (best, args[bestWords..]);
    }

    public static void PrintHelp(TextWriter w)
    {
        w.WriteLine("lna — the LabelAndAlign engine from a terminal");
        w.WriteLine();
        w.WriteLine("Commands:");
        foreach (var c in All) w.WriteLine($"  {c.Name,-16} {c.Summary}");
        w.WriteLine();
        w.WriteLine("Run 'lna <command> --help' for a command's options.");
    }
}
