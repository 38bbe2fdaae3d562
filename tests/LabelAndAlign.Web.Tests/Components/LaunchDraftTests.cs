using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Web.Components.Pages.Runs;
using LabelAndAlign.Web.Services;
using LabelAndAlign.Web.Services.Datasets;
using LabelAndAlign.Web.Services.Runs;

namespace LabelAndAlign.Web.Tests.Components;

public class LaunchDraftTests
{
    private static DatasetSummary Dataset(int id, string kind, int rows, string name = "d") => new(id, name, kind, rows, false, DateTime.UtcNow, "[]");

    private static readonly IReadOnlyList<DatasetSummary> Datasets =
        [Dataset(1, DatasetKind.LanguageModeling, 500, "corpus"), Dataset(2, DatasetKind.Preference, 20, "pairs"), Dataset(3, DatasetKind.PromptOnly, 40, "prompts")];

    [Fact]
    public void Select_TakesTheAlgorithmsKeyTable_QuickPreset_AndFirstDatasetItCanTrainOn()
    {
        var draft = new LaunchDraft();
        draft.Select(Algorithm.Dpo, Datasets);
        Assert.Equal(2, draft.SourceId);
        Assert.Equal(LaunchPresets.Quick, draft.Preset);
        Assert.Equal(RunKeys.Describe(Algorithm.Dpo).Select(o => o.Key), draft.Options.Select(o => o.Key));
        Assert.Equal(LaunchPresets.For(Algorithm.Dpo)[LaunchPresets.Quick]["max_steps"], draft.Values["max_steps"]);
        // Every option the form shows has its line of help from the key table.
        Assert.All(draft.Options, o => Assert.False(string.IsNullOrWhiteSpace(o.Help), $"{o.Key} has no help"));
    }

    [Fact]
    public void Select_AnAlgorithmThatCannotTrainOnTheChosenSource_MovesToOneItCan_AndDropsTheRewardModel()
    {
        var draft = new LaunchDraft();
        draft.Select(Algorithm.Ppo, Datasets);
        draft.RewardCheckpointId = 7;
        Assert.Equal(2, draft.SourceId); // PPO takes the prompts of preference pairs too
        draft.Select(Algorithm.Sft, Datasets);
        Assert.Equal(1, draft.SourceId);
        Assert.Equal(0, draft.RewardCheckpointId);
    }

    [Fact]
    public void Config_SendsOnlyChangedOptions_Typed()
    {
        var draft = new LaunchDraft();
        draft.Select(Algorithm.Sft, Datasets);
        draft.ApplyPreset("no such preset");
        draft.Values["max_steps"] = "300";
        draft.Values["learning_rate"] = "2e-4";
        draft.Values["packing"] = "true";
        draft.Values["seed"] = "abc";
        var config = draft.Config();
        Assert.Equal(["max_steps", "learning_rate", "seed", "packing"], config.Select(p => p.Key).OrderBy(k => draft.Options.ToList().FindIndex(o => o.Key == k)));
        Assert.Equal(300L, config["max_steps"]!.GetValue<long>());
        Assert.Equal(2e-4, config["learning_rate"]!.GetValue<double>());
        Assert.True(config["packing"]!.GetValue<bool>());
        Assert.Equal("abc", config["seed"]!.GetValue<string>()); // the launcher names it with every other problem
    }

    [Fact]
    public void ABaseCheckpoint_HidesTheModelSize_AndNeverSendsIt()
    {
        var draft = new LaunchDraft();
        draft.Select(Algorithm.Sft, Datasets);
        draft.Values["model"] = "small";
        draft.Values["n_layer"] = "4";
        Assert.Contains(draft.Shown, o => o.Key == "model");
        Assert.Equal("small", draft.Config()["model"]!.GetValue<string>());

        draft.BaseCheckpointId = 5;
        Assert.DoesNotContain(draft.Shown, o => o.Group == "model");
        Assert.False(draft.Config().ContainsKey("model"));
        Assert.False(draft.Config().ContainsKey("n_layer"));
        Assert.Equal(5, draft.Request(DateTime.UtcNow).BaseCheckpointId);
    }

    [Fact]
    public void Request_AProjectSource_IsSentAsTheProject_AndAnEmptyNameGetsOne()
    {
        var draft = new LaunchDraft();
        draft.Select(Algorithm.Reward, Datasets);
        draft.SourceId = -4;
        var request = draft.Request(new DateTime(2026, 12, 7, 6, 5, 9, DateTimeKind.Utc));
        Assert.Null(request.DatasetId);
        Assert.Equal(4, request.ProjectId);
        Assert.Equal("reward-1207-060509", request.Name);
        Assert.Null(request.RewardCheckpointId);
    }

    [Fact]
    public void Report_PutsEachProblemAtItsField_ProjectsAtTheSource_OthersInTheSummary()
    {
        var draft = new LaunchDraft();
        draft.Select(Algorithm.Sft, Datasets);
        draft.Report(new InputException([
            new(RunLauncher.OptionField("max_steps"), "max_steps must be at least 1, found 0."),
            new(RunLauncher.OptionField("beta"), "beta is not an SFT option."),
            new(RunLauncher.ProjectField, "There is no labeling project 9; choose one from the list."),
            new(RunLauncher.AlgorithmField, "Choose an algorithm."),
            new(RunLauncher.NameField, "Give the run a name."),
        ]));
        Assert.Equal("max_steps must be at least 1, found 0.", draft.ErrorAt("config.max_steps"));
        Assert.Equal("There is no labeling project 9; choose one from the list.", draft.ErrorAt(LaunchDraft.SourceField));
        Assert.Equal("Give the run a name.", draft.ErrorAt(LaunchDraft.NameField));
        // An option the form does not show, and the algorithm, are said in the summary: nothing is lost.
        Assert.Equal("beta is not an SFT option. Choose an algorithm.", draft.ErrorAt(LaunchDraft.GeneralField));
        Assert.False(draft.HasOptionErrors); // max_steps is above the fold
    }

    [Fact]
    public void EpochWarning_ManyPassesOverASmallDataset_SaysHowMany_ElseNothing()
    {
        var draft = new LaunchDraft();
        draft.Select(Algorithm.Dpo, Datasets);
        draft.Values["max_steps"] = "100";
        draft.Values["per_device_train_batch_size"] = "16";
        draft.Values["gradient_accumulation_steps"] = "2";
        var pairs = Datasets[1];
        string warning = draft.EpochWarning(pairs)!;
        Assert.Contains("100 steps × 32 examples a step is 160 passes (epochs) over the 20 rows of “pairs”", warning);

        draft.Values["max_steps"] = "6"; // 192 examples: 9.6 epochs, under the line
        Assert.Null(draft.EpochWarning(pairs));
        draft.Values["max_steps"] = "";
        Assert.Null(draft.EpochWarning(pairs));
        Assert.Null(draft.EpochWarning(null)); // a project is counted when frozen
    }

    [Fact]
    public void EpochWarning_Grpo_CountsPromptsOnceForAllItsIterations()
    {
        var draft = new LaunchDraft();
        draft.Select(Algorithm.Grpo, Datasets);
        draft.Values["max_steps"] = "100";
        draft.Values["per_device_train_batch_size"] = "8";
        draft.Values["gradient_accumulation_steps"] = "1";
        draft.Values["num_iterations"] = "4";
        // 100 steps × 8 / 4 = 200 prompts over 40: 5 passes, no warning; one iteration makes it 20.
        Assert.Null(draft.EpochWarning(Datasets[2]));
        draft.Values["num_iterations"] = "1";
        Assert.Contains("20 passes (epochs) over the 40 prompts of “prompts”", draft.EpochWarning(Datasets[2]));
    }
}
