using System.Text;
using LabelAndAlign.Cli;

Console.OutputEncoding = new UTF8Encoding(false);
Console.InputEncoding = new UTF8Encoding(false);
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // First Ctrl+C asks the command to stop cleanly; a second one kills the process.
    if (cancel.IsCancellationRequested) return;
    e.Cancel = true;
    cancel.Cancel();
};

if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
{
    CommandRegistry.PrintHelp(Console.Out);
    return args.Length == 0 ? 2 : 0;
}

var (command, rest) = CommandRegistry.Match(args);
if (command is null)
{
    Console.Error.WriteLine($"Unknown command '{string.Join(' ', args.TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal)))}'.");
    CommandRegistry.PrintHelp(Console.Error);
    return 2;
}

try
{
    if (rest.Contains("--help"))
    {
        Console.WriteLine($"lna {command.Name}: {command.Summary}");
        return 0;
    }
    return await command.RunAsync(new CliArgs(rest), Console.In, Console.Out, Console.Error, cancel.Token);
}
catch (CliUsageException e)
{
    Console.Error.WriteLine($"lna {command.Name}: {e.Message}");
    return 2;
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    Console.Error.WriteLine("Stopped.");
    return 130;
}
catch (LabelAndAlign.Engine.Recipe.RunSpecException e)
{
    foreach (var error in e.Errors) Console.Error.WriteLine($"lna {command.Name}: {error.Message}");
    return 1;
}
catch (Exception e) when (e is ArgumentException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException or DllNotFoundException
                               or LabelAndAlign.Torch.TorchUnavailableException)
{
    Console.Error.WriteLine($"lna {command.Name}: {e.Message}");
    return 1;
}
