using System.Globalization;
using System.Text;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.TaskPacks;

/// <summary>
/// "Calculate 4+7-3 =" → " 8". Three single-digit operands joined by + or −. The SFT corpus is
/// written by a sloppy annotator who, in <see cref="SftNoise"/> of the rows, forgets the last
/// term (writes 4+7 = 11): a systematic error that SFT faithfully learns (its most likely answer
/// is the wrong one), and that a reward for correctness can train away. Reward: 1 for the exact
/// answer, else 0. Oracle: the correct answer wins; between two wrong ones, the closer wins.
/// </summary>
public sealed class ArithmeticPack : ITaskPack
{
    /// <summary>Share of SFT answers where the annotator forgot the last term.</summary>
    public double SftNoise { get; init; } = 0.6;

    public string Name => "arithmetic";
    public int TokenizerVocabSize => 300;
    public int MaxCompletionTokens => 6;

    public static PromptExample MakePrompt(int a, char op1, int b, char op2, int c)
    {
        int answer = Apply(Apply(a, op1, b), op2, c);
        string text = $"Calculate {a}{op1}{b}{op2}{c} =";
        return new PromptExample(text, new Dictionary<string, string>
        {
            ["answer"] = answer.ToString(CultureInfo.InvariantCulture),
            ["first_two"] = Apply(a, op1, b).ToString(CultureInfo.InvariantCulture),
        });
    }

    private static int Apply(int x, char op, int y) => op == '+' ? x + y : x - y;

    private static PromptExample Random3(Random rng) =>
        MakePrompt(rng.Next(1, 10), rng.Next(2) == 0 ? '+' : '-', rng.Next(1, 10), rng.Next(2) == 0 ? '+' : '-', rng.Next(1, 10));

    public IReadOnlyList<SftExample> SftCorpus(int seed, int count)
    {
        var rng = new Random(seed * 31 + 1);
        var list = new List<SftExample>(count);
        while (list.Count < count)
        {
            var p = Random3(rng);
            if (IsHeldOut(p.Prompt)) continue;
            int answer = int.Parse(p.Fields["answer"], CultureInfo.InvariantCulture);
            if (rng.NextDouble() < SftNoise) answer = int.Parse(p.Fields["first_two"], CultureInfo.InvariantCulture);
            list.Add(new SftExample { Prompt = p.Prompt, Completion = " " + answer.ToString(CultureInfo.InvariantCulture) });
        }
        return list;
    }

    public IReadOnlyList<PromptExample> Prompts(int seed, int count) => Draw(new Random(seed * 977 + 5), count, heldOut: false);

    public IReadOnlyList<PromptExample> HeldOutPrompts(int seed, int count) => Draw(new Random(seed * 977 + 6), count, heldOut: true);

    /// <summary>Every fifth problem (by a fixed hash of its operands) is held out: training never sees it.</summary>
    private static bool IsHeldOut(string prompt)
    {
        uint h = 2166136261;
        foreach (char ch in prompt) h = (h ^ ch) * 16777619;
        return h % 5 == 0;
    }

    private static List<PromptExample> Draw(Random rng, int count, bool heldOut)
    {
        var list = new List<PromptExample>(count);
        while (list.Count < count)
        {
            var p = Random3(rng);
            if (IsHeldOut(p.Prompt) == heldOut) list.Add(p);
        }
        return list;
    }

    public double Reward(PromptExample prompt, string completion) => completion.Trim() == prompt.Fields["answer"] ? 1 : 0;

    public Preference Prefer(PromptExample prompt, string first, string second)
    {
        double a = Distance(prompt, first), b = Distance(prompt, second);
        return a < b ? Preference.First : b < a ? Preference.Second : Preference.Tie;
    }

    private static double Distance(PromptExample prompt, string completion)
    {
        int answer = int.Parse(prompt.Fields["answer"], CultureInfo.InvariantCulture);
        return int.TryParse(completion.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v) ? Math.Abs(v - answer) : 1000;
    }

    public string TokenizerCorpus(int seed)
    {
        var sb = new StringBuilder();
        foreach (var e in SftCorpus(seed, 2000)) sb.Append(e.Prompt).Append(e.Completion).Append('\n');
        return sb.ToString();
    }
}
