using System.Text;
using System.Text.RegularExpressions;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.TaskPacks;

/// <summary>
/// Short reviews: the prompt is an opening ("The movie was"), the completion one to three
/// clauses of mixed sentiment (" great, but the ending was dull."). The SFT corpus mixes positive
/// and negative clauses evenly. The judge is a lexicon: positive words minus negative words, for
/// reviews in the pack's grammar (ill-formed text scores −10). The oracle prefers the higher score,
/// so aligning to it means writing consistently, emphatically positive reviews.
/// </summary>
public sealed class SentimentPack : ITaskPack
{
    private static readonly string[] Subjects =
    [
        "The movie", "This film", "The food", "The service", "This book", "The hotel", "The show", "The album",
        "This phone", "The game", "The staff", "The concert", "This cafe", "The trip", "The class", "The museum",
    ];
    private static readonly string[] Verbs = ["was", "is", "felt", "seemed"];
    private static readonly string[] Positive = ["great", "wonderful", "amazing", "lovely", "excellent", "fun", "delightful", "good"];
    private static readonly string[] Negative = ["terrible", "boring", "awful", "bad", "dull", "poor", "disappointing", "bland"];
    private static readonly string[] Neutral = ["okay", "fine", "average", "ordinary"];
    private static readonly string[] Nouns = ["ending", "price", "music", "staff", "plot", "view", "start", "design"];
    private static readonly string[] PositiveActs = ["I loved it", "I enjoyed it", "I recommend it"];
    private static readonly string[] NegativeActs = ["I hated it", "I regret it", "I disliked it"];

    private static readonly HashSet<string> PositiveLexicon = [.. Positive, "loved", "enjoyed", "recommend"];
    private static readonly HashSet<string> NegativeLexicon = [.. Negative, "hated", "regret", "disliked"];

    public string Name => "sentiment";
    public int TokenizerVocabSize => 400;
    public int MaxCompletionTokens => 24;

    public IReadOnlyList<SftExample> SftCorpus(int seed, int count)
    {
        var rng = new Random(seed * 53 + 3);
        var list = new List<SftExample>(count);
        for (int i = 0; i < count; i++)
            list.Add(new SftExample { Prompt = Opening(rng), Completion = Review(rng) });
        return list;
    }

    public IReadOnlyList<PromptExample> Prompts(int seed, int count)
    {
        var rng = new Random(seed * 389 + 11);
        var list = new List<PromptExample>(count);
        for (int i = 0; i < count; i++) list.Add(new PromptExample(Opening(rng)));
        return list;
    }

    /// <summary>The openings are few (subjects × verbs), so held-out prompts share them; they differ by draw only.</summary>
    public IReadOnlyList<PromptExample> HeldOutPrompts(int seed, int count) => Prompts(seed + 7919, count);

    private static string Opening(Random rng) => $"{Pick(rng, Subjects)} {Pick(rng, Verbs)}";

    private static string Pick(Random rng, string[] from) => from[rng.Next(from.Length)];

    /// <summary>-1, 0 or +1 with probabilities 0.4, 0.2, 0.4.</summary>
    private static int Mood(Random rng)
    {
        double u = rng.NextDouble();
        return u < 0.4 ? -1 : u < 0.6 ? 0 : 1;
    }

    private static string Adjective(Random rng, int mood) => mood > 0 ? Pick(rng, Positive) : mood < 0 ? Pick(rng, Negative) : Pick(rng, Neutral);

    private static string Review(Random rng)
    {
        var sb = new StringBuilder();
        int first = Mood(rng);
        sb.Append(' ').Append(Adjective(rng, first));
        int clauses = rng.Next(0, 3);
        int prev = first;
        for (int c = 0; c < clauses; c++)
        {
            int mood = Mood(rng);
            string conj = (mood >= 0) == (prev >= 0) ? "and" : "but";
            sb.Append(", ").Append(conj).Append(' ');
            if (mood != 0 && rng.Next(2) == 0) sb.Append(Pick(rng, mood > 0 ? PositiveActs : NegativeActs));
            else sb.Append("the ").Append(Pick(rng, Nouns)).Append(" was ").Append(Adjective(rng, mood));
            prev = mood;
        }
        sb.Append('.');
        return sb.ToString();
    }

    /// <summary>Score of a review that is not a well-formed sentence of the pack's grammar (cut off, word salad).</summary>
    public const double IllFormed = -10;

    private static readonly Regex Sentence = BuildGrammar();

    private static Regex BuildGrammar()
    {
        string adj = string.Join('|', Positive.Concat(Negative).Concat(Neutral));
        string act = string.Join('|', PositiveActs.Concat(NegativeActs).Select(Regex.Escape));
        string noun = string.Join('|', Nouns);
        string clause = $"(?:{act}|the (?:{noun}) was (?:{adj}))";
        return new Regex($"^ (?:{adj})(?:, (?:and|but) {clause})*\\.$", RegexOptions.CultureInvariant);
    }

    /// <summary>
    /// Lexicon positivity: positive words − negative words, for a review written in the pack's
    /// grammar (an adjective, then ", and|but" clauses, then a full stop). Anything else — cut off,
    /// repeated adjectives, word salad — scores <see cref="IllFormed"/>: a labeler does not reward spam.
    /// </summary>
    public static double Positivity(string completion)
    {
        if (!Sentence.IsMatch(completion)) return IllFormed;
        double score = 0;
        foreach (var raw in completion.Split([' ', ',', '.'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (PositiveLexicon.Contains(raw)) score++;
            else if (NegativeLexicon.Contains(raw)) score--;
        }
        return score;
    }

    public double Reward(PromptExample prompt, string completion) => Positivity(completion);

    public Preference Prefer(PromptExample prompt, string first, string second)
    {
        double a = Positivity(first), b = Positivity(second);
        return a > b ? Preference.First : b > a ? Preference.Second : Preference.Tie;
    }

    public string TokenizerCorpus(int seed)
    {
        var sb = new StringBuilder();
        foreach (var e in SftCorpus(seed, 3000)) sb.Append(e.Prompt).Append(e.Completion).Append('\n');
        return sb.ToString();
    }
}
