using LabelAndAlign.Engine.Recipe;

namespace LabelAndAlign.Web.Components.Pages.Compare;

/// <summary>The evaluation views colour runs by algorithm (as the DPO paper's Fig. 2 does), not one colour per run.</summary>
public static class EvaluationColors
{
    public static string Of(string algorithm) => Algorithms.TryParse(algorithm) switch
    {
        Algorithm.Dpo => "#1c7ed6",
        Algorithm.Ppo => "#e8590c",
        Algorithm.Grpo => "#0ca678",
        _ => "#868e96",
    };
}
