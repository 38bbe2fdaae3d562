using Bunit;
using LabelAndAlign.Web.Components.Pages.Runs;
using LabelAndAlign.Web.Data.Runs;
using LabelAndAlign.Web.Services.Datasets;
using LabelAndAlign.Web.Services.Imports;
using LabelAndAlign.Web.Services.Labeling;
using LabelAndAlign.Web.Services.Runs;
using LabelAndAlign.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LabelAndAlign.Web.Tests.Components;

public class LaunchFormTests : RunPagesTestContext
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    public LaunchFormTests()
    {
        Services.AddSingleton(Options.Create(new ImportOptions()));
        Services.AddScoped<DatasetService>();
        Services.AddScoped<ProjectService>();
        Services.AddScoped<ExportService>();
        Services.AddScoped<RunLauncher>();
        SignIn("lead@example.com", "Lead");
    }

    private int AddDataset(string name, string kind, int rows)
    {
        using var ctx = Db.CreateContext();
        var d = new Dataset { Name = name, Kind = kind, RowCount = rows, Source = "upload", CreatedAt = DateTime.UtcNow };
        ctx.Datasets.Add(d);
        ctx.SaveChanges();
        return d.Id;
    }

    private IRenderedComponent<LaunchForm> RenderForm(int? baseCheckpoint = null)
    {
        Interactive(true);
        return Render<LaunchForm>(p => p.Add(f => f.BaseCheckpoint, baseCheckpoint));
    }

    [Fact]
    public void Opens_OnSft_WithTheQuickPresetExplained_TheModelSize_AndEveryOptionsHelp()
    {
        AddDataset("tiny corpus", DatasetKind.LanguageModeling, 2000);
        var cut = RenderForm();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("#run-name")), Patience);
        Assert.Equal("true", cut.FindAll("[role=tab]").Single(t => t.TextContent.Trim() == "SFT").GetAttribute("aria-selected"));
        Assert.Contains("A tiny model on a built-in task pack", cut.Find("[data-testid=preset-about]").TextContent);
        Assert.Contains("max_steps 60", cut.Find("[data-testid=preset-about]").TextContent);
        // Above the fold: the model's size (explained), how long, how many evaluation prompts.
        Assert.NotEmpty(cut.FindAll("#opt-model"));
        Assert.Contains("tiny (~0.5M parameters", cut.Find(".option[data-key=model] .option-help").TextContent);
        Assert.NotEmpty(cut.FindAll("#opt-max_steps"));
        Assert.NotEmpty(cut.FindAll("#opt-num_eval_prompts"));
        // Every option of the key table, each with its help line.
        foreach (var o in RunLauncher.Options(LabelAndAlign.Engine.Recipe.Algorithm.Sft))
            Assert.Equal(o.Help, cut.Find($".option[data-key={o.Key}] .option-help").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=epoch-warning]")); // 60 × 16 over 2,000 rows: under one epoch
    }

    /// <summary>Hands out contexts at once until <see cref="HoldFrom"/> calls were made, then each waits for <see cref="Release"/>.</summary>
    private sealed class GatedFactory(IDbContextFactory<AppDbContext> inner, int holdFrom) : IDbContextFactory<AppDbContext>
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _calls;

        public int HoldFrom => holdFrom;

        public void Release() => _open.TrySetResult();

        public AppDbContext CreateDbContext() => inner.CreateDbContext();

        public async Task<AppDbContext> CreateDbContextAsync(CancellationToken cancel = default)
        {
            if (Interlocked.Increment(ref _calls) >= holdFrom) await _open.Task.WaitAsync(cancel);
            return await inner.CreateDbContextAsync(cancel);
        }
    }

    [Fact]
    public async Task Clone_ATabClickedWhileTheRunLoads_IsKept_WithTheClonesSettings()
    {
        int source = AddRun("base sft", RunStatus.Completed, config: "{\"learning_rate\":0.003}");
        // The form's second RunService read is the cloned run (the first lists checkpoints): it waits until released.
        var gate = new GatedFactory(Db.Factory, holdFrom: 2);
        Services.AddScoped(sp => new RunService(gate, Notifier, sp.GetRequiredService<Services.Workers.EngineSignals>(), TimeProvider.System, Db.Settings,
            sp.GetRequiredService<Services.AuditLog>()));
        Interactive(true);
        var cut = Render<LaunchForm>(p => p.Add(f => f.CloneOf, source));
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[aria-label='Loading the launch form']")), Patience);

        await cut.InvokeAsync(() => cut.FindAll("[role=tab]").Single(t => t.TextContent.Trim() == "DPO").Click());
        gate.Release();

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("#run-name")), Patience);
        Assert.Equal("true", cut.FindAll("[role=tab]").Single(t => t.TextContent.Trim() == "DPO").GetAttribute("aria-selected"));
        Assert.Equal("base sft (copy)", cut.Find("#run-name").GetAttribute("value"));
        Assert.Equal("0.003", cut.Find("#opt-learning_rate").GetAttribute("value"));
    }

    [Fact]
    public void ABaseCheckpoint_HidesTheModelSize_AndSaysWhy()
    {
        var cut = RenderForm(baseCheckpoint: 3);
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=base-size]")), Patience);
        Assert.Empty(cut.FindAll("#opt-model"));
        Assert.Empty(cut.FindAll("#opt-n_layer"));
        Assert.Contains("The base checkpoint decides it", cut.Find("[data-testid=base-size]").TextContent);
    }

    [Fact]
    public void ManyStepsOverTheDataset_Warn()
    {
        var cut = RenderForm();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("#opt-max_steps")), Patience);
        // Quick's 16 examples a step over a built-in SFT corpus (2,000 rows): 2,000 steps pass over it 16 times.
        Assert.Empty(cut.FindAll("[data-testid=epoch-warning]"));
        cut.Find("#opt-max_steps").Change("2000");
        cut.WaitForAssertion(() => Assert.Contains("16 passes (epochs) over the 2,000 rows of “", cut.Find("[data-testid=epoch-warning]").TextContent), Patience);
        cut.Find("#opt-max_steps").Change("60");
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=epoch-warning]")), Patience);
    }

    [Fact]
    public async Task Launch_ReportsEveryProblemAtOnce_AtItsField_InTheUsersWords()
    {
        var cut = RenderForm();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("#opt-max_steps")), Patience); // loaded: it picks its algorithm then
        await cut.InvokeAsync(() => cut.FindAll("[role=tab]").Single(t => t.TextContent.Trim() == "DPO").Click());
        cut.Find("#opt-max_steps").Change("0");
        await cut.InvokeAsync(() => cut.FindAll("button").Single(b => b.TextContent.Contains("All options")).Click());
        cut.Find("#opt-beta").Change("-1");
        await cut.InvokeAsync(() => cut.FindAll("button").Single(b => b.TextContent.Contains("Launch DPO run")).Click());

        cut.WaitForAssertion(() => Assert.Contains("4 things to fix", cut.Find("[data-testid=launch-errors]").TextContent), Patience);
        Assert.Equal("max_steps must be at least 1, found 0.", cut.Find(".option[data-key=max_steps] .validation-message").TextContent);
        Assert.Equal("beta must be more than 0, found -1.", cut.Find(".option[data-key=beta] .validation-message").TextContent);
        var messages = cut.FindAll(".validation-message").Select(m => m.TextContent).ToList();
        Assert.Contains("Choose a dataset (or a labeling project) to train on.", messages);
        Assert.Contains("DPO fine-tunes a policy: choose a base checkpoint (a checkpoint of an SFT run).", messages);
        Assert.All(messages, m => Assert.DoesNotMatch("datasetId|CheckpointId|config\\.", m));
        using var ctx = Db.CreateContext();
        Assert.Empty(ctx.Runs);
    }

    [Fact]
    public async Task LearnFromLabels_IsOfferedForDpoOnly_AndItsProblemsShowAtItsFields()
    {
        using (var ctx = Db.CreateContext())
        {
            ctx.Projects.Add(new Data.Labeling.Project { Name = "Loop labels", CreatedAt = DateTime.UtcNow });
            ctx.SaveChanges();
        }
        var cut = RenderForm();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("#opt-max_steps")), Patience);
        Assert.Empty(cut.FindAll("[data-testid=label-loop]")); // SFT
        await cut.InvokeAsync(() => cut.FindAll("[role=tab]").Single(t => t.TextContent.Trim() == "PPO").Click());
        Assert.Empty(cut.FindAll("[data-testid=label-loop]"));
        await cut.InvokeAsync(() => cut.FindAll("[role=tab]").Single(t => t.TextContent.Trim() == "DPO").Click());
        cut.Find("[data-testid=label-loop] input[type=checkbox]").Change(true);
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("#label-every")), Patience);
        // Its keys are not repeated among the other options.
        await cut.InvokeAsync(() => cut.FindAll("button").Single(b => b.TextContent.Contains("All options")).Click());
        Assert.Empty(cut.FindAll(".option-groups .option[data-key=label_every]"));

        cut.Find("#label-every").Change("0");
        cut.Find("#label-pairs").Change("300");
        await cut.InvokeAsync(() => cut.FindAll("button").Single(b => b.TextContent.Contains("Launch DPO run")).Click());

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=launch-errors]")), Patience);
        var messages = cut.FindAll("[data-testid=label-loop] .validation-message").Select(m => m.TextContent).ToList();
        Assert.Equal(["label_every must be at least 1, found 0.", "label_pairs must be at most 256, found 300."], messages);
        Assert.DoesNotContain("Online DPO needs a judge", cut.Markup); // people are the judge: no reward model asked for
        using var check = Db.CreateContext();
        Assert.Empty(check.Runs);
    }
}
