using System.Net.Http.Json;
using LabelAndAlign.Engine.Evaluation;
using LabelAndAlign.Engine.Inference;
using LabelAndAlign.Engine.Kernels;
using LabelAndAlign.Engine.Training;
using LabelAndAlign.Protocol;
using Microsoft.AspNetCore.SignalR;

namespace LabelAndAlign.Cli.Worker;

/// <summary>
/// One claimed item generation on this worker: downloads its checkpoint(s), samples one response per prompt from A and
/// one from B (or from A again with the next seed) through <see cref="PromptSampling"/>, reports progress after each
/// batch, and uploads the responses. A re-score job (<see cref="GenerationAssignment.IsScoring"/>) scores stored
/// completions with the reward model at A (<see cref="RewardModelScoring"/>) instead. A failure the request can fix (a prompt too long, a checkpoint that cannot be
/// read) is reported with the field at fault.
/// </summary>
public sealed class GenerationJob(GenerationAssignment assignment, EngineConnection engine, string sessionId, string workDirectory, WorkerLog log)
{
    private readonly CancellationTokenSource _stop = new();

    public int Id => assignment.Id;
    public HeldJob Held => new(JobKind.Generation, assignment.Id, assignment.Epoch);

    private string Folder => Path.Combine(workDirectory, "generations", assignment.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Stops it (cancelled, or another worker has it): nothing more is sent.</summary>
    public void Stop()
    {
        try { _stop.Cancel(); }
        catch (ObjectDisposedException) { }
    }

    /// <summary>Generates and uploads; never throws.</summary>
    public async Task RunAsync()
    {
        var transfer = new JobTransfer(engine, sessionId, Held, _stop.Token);
        try
        {
            int prompts = assignment.Prompts.Count;
            log.Write(assignment.IsScoring
                ? $"generation {Id}: scoring {prompts} stored completion(s) with reward model checkpoint {assignment.CheckpointA}"
                : $"generation {Id}: sampling {prompts * 2} responses for {prompts} prompt(s)");
            string a = await transfer.DownloadCheckpointAsync(assignment.CheckpointA, Path.Combine(Folder, "a"));
            if (assignment.IsScoring)
            {
                await UploadAsync(transfer, await Task.Factory.StartNew(() => Score(a), _stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default));
                return;
            }
            string b = assignment.CheckpointB is int cb ? await transfer.DownloadCheckpointAsync(cb, Path.Combine(Folder, "b")) : a;
            var inputs = assignment.Prompts.Select(p => new PromptToAnswer(p.Text, p.Messages?.Select(m => new ChatMessage(m.Role, m.Content)).ToList())).ToList();
            var options = new SamplingOptions { MaxNewTokens = assignment.MaxNewTokens, Temperature = assignment.Temperature, TopP = assignment.TopP };
            var result = await Task.Factory.StartNew(() =>
            {
                Thread.CurrentThread.Name = $"lna-generate-{Id}";
                KernelThreads.ThreadStart?.Invoke();
                var fromA = Sample(a, "checkpointA", inputs, options with { Seed = assignment.Seed }, 0);
                var fromB = Sample(b, assignment.CheckpointB is null ? "checkpointA" : "checkpointB", inputs, options with { Seed = unchecked(assignment.Seed + 1) }, prompts);
                return new GeneratedResponses(fromA, fromB);
            }, _stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            await UploadAsync(transfer, result);
        }
        catch (Exception e) when (e is LeaseLostException || _stop.IsCancellationRequested)
        {
            log.Write($"generation {Id}: stopped (cancelled, or no longer this worker's)");
        }
        catch (GenerationFailure e)
        {
            await FailAsync(e.Field, e.Message);
        }
        catch (Exception e)
        {
            log.Write($"generation {Id} failed: {e}");
            await FailAsync("generation", e is InvalidDataException or InvalidOperationException or IOException ? e.Message : $"{e.GetType().Name}: {e.Message}");
        }
        finally
        {
            _stop.Dispose();
            try { Directory.Delete(Folder, recursive: true); }
            catch (IOException) { } // DirectoryNotFoundException too: nothing was downloaded
        }
    }

    private async Task UploadAsync(JobTransfer transfer, GeneratedResponses result)
    {
        using var response = await transfer.SendAsync(() =>
        {
            var request = transfer.Request(HttpMethod.Put, EngineRoutes.GenerationResult(Id));
            request.Content = JsonContent.Create(result);
            return request;
        }, $"PUT {EngineRoutes.GenerationResult(Id)}");
        log.Write($"generation {Id}: done");
    }

    /// <summary>A re-score: the reward model's score of each stored completion, reporting progress after each batch.</summary>
    private GeneratedResponses Score(string folder)
    {
        Thread.CurrentThread.Name = $"lna-score-{Id}";
        KernelThreads.ThreadStart?.Invoke();
        try
        {
            var scores = RewardModelScoring.Score(folder, assignment.Prompts.Select(p => p.Text).ToList(), assignment.Completions!,
                done => _ = ReportAsync(done), _stop.Token);
            return new GeneratedResponses([], [], scores);
        }
        catch (RewardModelScoringException e)
        {
            throw new GenerationFailure("judge", e.Message);
        }
    }

    /// <summary>One response per prompt from one checkpoint, reporting progress (out of two per prompt) after each batch.</summary>
    private string[] Sample(string folder, string field, IReadOnlyList<PromptToAnswer> prompts, SamplingOptions options, int doneBefore)
    {
        try
        {
            return PromptSampling.Sample(folder, field == "checkpointA" ? "checkpoint A" : "checkpoint B", prompts, options,
                done => _ = ReportAsync(doneBefore + done), _stop.Token);
        }
        catch (PromptSamplingException e)
        {
            throw new GenerationFailure(e.PromptIndex is null ? field : "prompts", e.Message);
        }
    }

    /// <summary>What the request got wrong, and in which field.</summary>
    private sealed class GenerationFailure(string field, string message) : Exception(message)
    {
        public string Field { get; } = field;
    }

    private async Task ReportAsync(int done)
    {
        try
        {
            var ack = await engine.InvokeAsync<ReportAck>(nameof(IEngineHub.GenerationProgress), new GenerationReport(Id, assignment.Epoch, done), _stop.Token);
            if (!ack.Held) Stop();
        }
        catch (Exception e) when (e is HubException or ObjectDisposedException or OperationCanceledException || EngineConnection.IsConnectionLoss(e, CancellationToken.None))
        {
            // Progress is a courtesy: the result says the rest.
        }
    }

    private async Task FailAsync(string field, string message)
    {
        log.Write($"generation {Id} failed: {message}");
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            await engine.InvokeAsync<ReportAck>(nameof(IEngineHub.GenerationProgress), new GenerationReport(Id, assignment.Epoch, 0, field, message), timeout.Token);
        }
        catch (Exception e) when (e is HubException or OperationCanceledException || EngineConnection.IsConnectionLoss(e, CancellationToken.None))
        {
            // The server is away: the job's lease runs out and it starts over on another worker.
        }
    }
}
