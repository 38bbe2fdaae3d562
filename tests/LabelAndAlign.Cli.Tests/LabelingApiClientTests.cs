using System.Net;
using System.Net.Http.Headers;
using System.Text;
using LabelAndAlign.Cli.LoadTest;

namespace LabelAndAlign.Cli.Tests;

/// <summary>
/// A 503 from the app (its database could not take the call; nothing of it ran) is a pause, not
/// an error: the client sends the same call again after Retry-After, so a label is acknowledged
/// once, and gives up with the server's answer only after <see cref="LabelingApiClient.MaxBusyRetries"/>.
/// </summary>
public sealed class LabelingApiClientTests
{
    /// <summary>Answers each request with the next of its answers (the last one again when they run out) and keeps the requests' bodies.</summary>
    private sealed class Scripted(params Func<HttpResponseMessage>[] answers) : HttpMessageHandler
    {
        public List<string> Bodies { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Bodies.Add(request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken));
            return answers[Math.Min(Bodies.Count - 1, answers.Length - 1)]();
        }
    }

    private static HttpResponseMessage Busy(TimeSpan retryAfter) => new(HttpStatusCode.ServiceUnavailable)
    {
        Content = new StringContent("""{"status":503,"title":"Busy","detail":"The database is busy"}""", Encoding.UTF8, "application/problem+json"),
        Headers = { RetryAfter = new RetryConditionHeaderValue(retryAfter) },
    };

    private static HttpResponseMessage Labeled(long id) => new(HttpStatusCode.OK) { Content = new StringContent($$"""{"labelId":{{id}}}""", Encoding.UTF8, "application/json") };

    [Fact]
    public async Task Label_AnsweredBusyTwice_IsSentAgainAfterRetryAfter_AndAcknowledgedOnce()
    {
        var server = new Scripted(() => Busy(TimeSpan.FromSeconds(1)), () => Busy(TimeSpan.FromSeconds(1)), () => Labeled(42));
        using var http = new HttpClient(server) { BaseAddress = new Uri("http://app.test") };
        var pauses = new List<TimeSpan>();
        var client = new LabelingApiClient(http, "key", pauses.Add);

        long id = await client.LabelAsync(7, "left", CancellationToken.None);

        Assert.Equal(42, id);
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)], pauses);
        Assert.Equal(3, server.Bodies.Count);
        Assert.All(server.Bodies, body => Assert.Equal("""{"choice":"left"}""", body));
    }

    [Fact]
    public async Task Next_BusyEveryTime_GivesUpAfterMaxBusyRetries_WithTheServersAnswer()
    {
        var server = new Scripted(() => Busy(TimeSpan.Zero));
        using var http = new HttpClient(server) { BaseAddress = new Uri("http://app.test") };
        var pauses = new List<TimeSpan>();
        var client = new LabelingApiClient(http, "key", pauses.Add);

        var e = await Assert.ThrowsAsync<HttpRequestException>(() => client.NextAsync(3, CancellationToken.None));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, e.StatusCode);
        Assert.Contains("The database is busy", e.Message);
        // Retry-After: 0 still pauses a little, so a crowd of clients does not hammer a busy server.
        Assert.Equal(Enumerable.Repeat(TimeSpan.FromMilliseconds(100), LabelingApiClient.MaxBusyRetries), pauses);
        Assert.Equal(LabelingApiClient.MaxBusyRetries + 1, server.Bodies.Count);
    }
}
