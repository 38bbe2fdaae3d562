namespace LabelAndAlign.Protocol;

/// <summary>Which machine (and which boot of it) a process runs on, so the web app can tell a worker that shares its cores.</summary>
public static class HostIdentity
{
    private static readonly Lazy<string?> Boot = new(() =>
    {
        try
        {
            // Linux: a random id per boot, the same inside every container of the host (they share its cores too).
            return File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    });

    /// <summary>The kernel's boot id, or null where there is none to read.</summary>
    public static string? BootId => Boot.Value;
}
