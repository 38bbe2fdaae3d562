using System.Net.Http.Json;
using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Engine.Training;
using LabelAndAlign.Protocol;

namespace LabelAndAlign.Cli.Worker;

/// <summary>
/// An online DPO run's way to the people labeling its rounds: the web app's <see cref="EngineRoutes.LabelRound"/>, under
/// the run's lease. Called from the run's own training thread, which has nothing else to do while it waits.
/// </summary>
public sealed class LabelRounds(JobTransfer transfer, int runId) : ILabelChannel
{
    public RoundLabels Send(int round, int step, IReadOnlyList<RoundPair> pairs, CancellationToken cancel)
    {
        var body = new LabelRoundRequest(step, pairs.Select(p => new LabelRoundPair(p.Prompt, p.PromptText, p.First, p.Second)).ToList());
        return Read(round, () =>
        {
            var request = transfer.Request(HttpMethod.Put, EngineRoutes.LabelRound(runId, round));
            request.Content = JsonContent.Create(body);
            return request;
        }, $"PUT {EngineRoutes.LabelRound(runId, round)}", cancel);
    }

    public RoundLabels Labels(int round, CancellationToken cancel) =>
        Read(round, () => transfer.Request(HttpMethod.Get, EngineRoutes.LabelRound(runId, round)), $"GET {EngineRoutes.LabelRound(runId, round)}", cancel);

    private RoundLabels Read(int round, Func<HttpRequestMessage> make, string what, CancellationToken cancel)
    {
        HttpResponseMessage response;
        try
        {
            response = transfer.SendAsync(make, what).GetAwaiter().GetResult();
        }
        catch (JobRefusedException e) when (e.Status == 400 && Problem(e.Body) is { } reason)
        {
            // The app cannot take the round (its project was archived or deleted): the run's page says why and what to do.
            throw new RunSpecException("label_project", reason);
        }
        using var _ = response;
        var state = response.Content.ReadFromJsonAsync<LabelRoundState>(cancel).GetAwaiter().GetResult()
            ?? throw new InvalidDataException($"{what} answered no round state.");
        if (state.Round != round) throw new InvalidDataException($"{what} answered round {state.Round}.");
        return new RoundLabels(state.Round, state.Labeled, state.Total, state.Pairs.Select(p => new LabeledPair(p.Prompt, p.Chosen, p.Rejected)).ToList());
    }

    /// <summary>The messages of a ProblemDetails answer (its field errors, else its detail); null when it is not one.</summary>
    private static string? Problem(string body)
    {
        try
        {
            var root = System.Text.Json.JsonDocument.Parse(body).RootElement;
            if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == System.Text.Json.JsonValueKind.Object)
                return string.Join(" ", errors.EnumerateObject().SelectMany(f => f.Value.EnumerateArray()).Select(m => m.GetString()));
            return root.TryGetProperty("detail", out var detail) ? detail.GetString() : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
