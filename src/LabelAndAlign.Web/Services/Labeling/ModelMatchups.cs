using LabelAndAlign.Engine.Evaluation;
using LabelAndAlign.Web.Data.Labeling;

namespace LabelAndAlign.Web.Services.Labeling;

/// <summary>One vote on an item whose responses came from two named (hidden) models.</summary>
public sealed record ModelVote(string ModelA, string ModelB, string Choice);

/// <summary>
/// How two models fared against each other, judged blind (labelers never see model names).
/// <see cref="First"/> and <see cref="Second"/> are in ordinal order whatever side each item put them on.
/// </summary>
/// <param name="WinRate">The first model's share, ties counting half: (wins + ties/2) / (wins + losses + ties); null without such votes.</param>
/// <param name="Low">Lower end of the 95% Wilson score interval of <paramref name="WinRate"/>.</param>
/// <param name="High">Upper end of that interval.</param>
public sealed record ModelMatchup(string First, string Second, int Votes, int FirstWins, int SecondWins, int Ties, int BothBad,
    double? WinRate, double? Low, double? High);

/// <summary>
/// Head-to-head results per pair of models from every vote (not only resolved items), the way
/// blind arenas report them: win rate with ties as half a win, and a 95% Wilson interval
/// (Wilson 1927) so a stakeholder sees when 12 votes are not yet a verdict.
/// </summary>
public static class ModelMatchups
{
    public static IReadOnlyList<ModelMatchup> Compute(IEnumerable<ModelVote> votes) =>
        votes.Where(v => v.ModelA != v.ModelB)
            .Select(v => string.CompareOrdinal(v.ModelA, v.ModelB) < 0 ? v : new ModelVote(v.ModelB, v.ModelA, Swap(v.Choice)))
            .GroupBy(v => (v.ModelA, v.ModelB))
            .Select(g =>
            {
                int first = g.Count(v => v.Choice == Choices.A), second = g.Count(v => v.Choice == Choices.B);
                int ties = g.Count(v => v.Choice == Choices.Tie), bothBad = g.Count(v => v.Choice == Choices.BothBad);
                int n = first + second + ties;
                if (n == 0) return new ModelMatchup(g.Key.ModelA, g.Key.ModelB, g.Count(), 0, 0, 0, bothBad, null, null, null);
                double p = (first + ties / 2.0) / n;
                var (low, high) = WinRate.Wilson(p, n);
                return new ModelMatchup(g.Key.ModelA, g.Key.ModelB, g.Count(), first, second, ties, bothBad, p, low, high);
            })
            .OrderByDescending(m => m.Votes).ThenBy(m => m.First, StringComparer.Ordinal).ThenBy(m => m.Second, StringComparer.Ordinal)
            .ToList();

    private static string Swap(string choice) => choice switch { Choices.A => Choices.B, Choices.B => Choices.A, _ => choice };
}
