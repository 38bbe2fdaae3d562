using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using LabelAndAlign.Protocol;

namespace LabelAndAlign.Cli.Worker;

/// <summary>The server says the job is no longer this worker's (another worker took it, or it ended): stop it, send nothing more.</summary>
public sealed class LeaseLostException : Exception;

/// <summary>The server refused a call about the job (not a lost lease): its status and its answer (ProblemDetails JSON).</summary>
public sealed class JobRefusedException(string what, int status, string body) : InvalidOperationException($"{what} answered {status}: {body}")
{
    public int Status => status;
    public string Body => body;
}

/// <summary>
/// The HTTP calls about one held job (<see cref="EngineRoutes"/>), each naming the worker session and the lease epoch;
/// a 409 means the lease is gone (<see cref="LeaseLostException"/>). A server that is briefly away (a restart) is
/// waited for, up to a minute.
/// </summary>
public sealed class JobTransfer(EngineConnection engine, string sessionId, HeldJob job, CancellationToken stop)
{
    /// <summary>A request about the job, with its session and epoch headers.</summary>
    public HttpRequestMessage Request(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add(EngineRoutes.SessionHeader, sessionId);
        request.Headers.Add(EngineRoutes.EpochHeader, job.Epoch.ToString(CultureInfo.InvariantCulture));
        return request;
    }

    /// <summary>Sends requests made by <paramref name="make"/> until the server answers; a success, or an exception that says what went wrong.</summary>
    public async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> make, string what)
    {
        HttpResponseMessage response;
        for (int attempt = 1; ; attempt++)
        {
            using var request = make();
            try
            {
                response = await engine.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stop);
                break;
            }
            catch (HttpRequestException) when (attempt < 30)
            {
                await Task.Delay(TimeSpan.FromSeconds(2), stop);
            }
        }
        if (response.IsSuccessStatusCode) return response;
        string body = await response.Content.ReadAsStringAsync(stop);
        response.Dispose();
        if (response.StatusCode == System.Net.HttpStatusCode.Conflict) throw new LeaseLostException();
        throw new JobRefusedException(what, (int)response.StatusCode, body);
    }

    public Task<HttpResponseMessage> GetAsync(string path) => SendAsync(() => Request(HttpMethod.Get, path), $"GET {path}");

    /// <summary>Downloads a checkpoint the job names into <paramref name="folder"/>, checking it against the SHA-256 the server sent.</summary>
    public async Task<string> DownloadCheckpointAsync(int checkpointId, string folder)
    {
        using var response = await GetAsync(EngineRoutes.Checkpoint(checkpointId, job.Kind, job.Id));
        string? expected = response.Headers.TryGetValues(EngineRoutes.Sha256Header, out var values) ? values.FirstOrDefault() : null;
        string archive = folder + ".zip";
        Directory.CreateDirectory(Path.GetDirectoryName(folder)!);
        try
        {
            string actual;
            await using (var file = File.Create(archive))
            {
                await response.Content.CopyToAsync(file, stop);
                file.Position = 0;
                actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, stop));
            }
            if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
                throw new InvalidDataException($"Checkpoint {checkpointId} arrived damaged (SHA-256 {actual}, the server sent {expected ?? "none"}).");
            ZipFile.ExtractToDirectory(archive, folder, overwriteFiles: true);
            return folder;
        }
        finally
        {
            File.Delete(archive);
        }
    }
}
