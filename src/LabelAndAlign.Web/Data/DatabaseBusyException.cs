namespace LabelAndAlign.Web.Data;

/// <summary>
/// The database could not take the work now, and none of it ran: no connection could be had
/// (PostgreSQL's pool stayed full, or opening a connection timed out or was refused), or SQLite's
/// write lock stayed taken past its timeout. The caller may send the same request again later;
/// the API answers 503 with <c>Retry-After</c> (see <c>ApiExceptionHandler</c>). The message says
/// what ran out, with its numbers and the setting that raises it.
/// </summary>
public sealed class DatabaseBusyException(string message, Exception? inner = null) : TimeoutException(message, inner)
{
    /// <summary>How long a client should wait before sending the request again.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);
}
