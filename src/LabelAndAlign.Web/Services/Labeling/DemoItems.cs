namespace LabelAndAlign.Web.Services.Labeling;

/// <summary>
/// A small built-in task pack for the demo project: arithmetic word problems (one response
/// right, one subtly wrong — these double as gold items) and short reviews where both answers
/// are plausible and taste decides.
/// </summary>
public static class DemoItems
{
    public sealed record DemoItem(string Prompt, string ResponseA, string ResponseB, string? Gold);

    public const string Guidelines = """
        # How to judge

        You see a **prompt** and two responses, **A** (left) and **B** (right). Pick the response a careful,
        honest assistant should have written.

        1. **Correctness first.** A wrong final answer loses to a right one, however well written.
        2. **Then helpfulness.** Shows the steps that matter, answers what was asked, no padding.
        3. **Tie** when both are equally good; **both bad** when neither should be shown to a user.

        Keys: `1` A better · `2` B better · `3` tie · `4` both bad · `Enter` submit · `S` skip · `U` undo · `G` these guidelines.
        """;

    public static readonly IReadOnlyList<DemoItem> All =
    [
        new("What is 17 × 24?", "17 × 24 = 17 × 20 + 17 × 4 = 340 + 68 = **408**.", "17 × 24 = **418**.", "a"),
        new("A train leaves at 09:40 and arrives at 13:15. How long is the trip?", "From 09:40 to 13:40 is 4 hours; minus 25 minutes gives **3 h 35 min**.", "The trip takes **3 h 25 min**.", "a"),
        new("What is 15% of 260?", "10% is 26 and 5% is 13, so 15% is **39**.", "15% of 260 is **36**.", "a"),
        new("I buy 3 notebooks at $2.75 each and pay with a $10 bill. What change do I get?", "3 × 2.75 = 8.25, so the change is **$1.65**.", "3 × $2.75 = $8.25; $10 − $8.25 = **$1.75**.", "b"),
        new("What is 144 ÷ 12 + 7 × 3?", "144 ÷ 12 = 12 and 7 × 3 = 21, so the answer is **33**.", "Working left to right: 144 ÷ 12 = 12, + 7 = 19, × 3 = **57**.", "a"),
        new("A rectangle is 8 cm by 5 cm. What are its area and perimeter?", "Area 8 × 5 = **40 cm²**; perimeter 2 × (8 + 5) = **26 cm**.", "Area **40 cm²**, perimeter **13 cm**.", "a"),
        new("Round 3.14159 to two decimal places.", "**3.14**", "**3.15** — the third decimal is 1, so round up.", "a"),
        new("What is 2 to the power of 10?", "2¹⁰ = **1024**.", "2¹⁰ = **1000** (a kilo).", "a"),
        new("If 4 workers build a wall in 6 days, how long do 8 workers take at the same rate?", "Twice the workers, half the time: **12 days**.", "The work is 4 × 6 = 24 worker-days; 24 ÷ 8 = **3 days**.", "b"),
        new("What is the average of 4, 8, 15, 16, 23 and 42?", "The sum is 108 and there are 6 numbers, so the mean is **18**.", "The sum is 108; 108 ÷ 6 = **18**.", "tie"),
        new("Convert 3/8 to a decimal.", "3 ÷ 8 = **0.375**.", "3/8 = **0.38**.", "a"),
        new("What is 1,000 − 357?", "1,000 − 357 = **643**.", "1,000 − 357 = **743**.", "a"),
        new("A shirt costs $40 and is discounted by 25%, then by another 10%. What is the final price?", "40 × 0.75 = 30, then 30 × 0.9 = **$27**.", "25% + 10% = 35% off, so **$26**.", "a"),
        new("How many minutes are in 2.5 hours?", "2.5 × 60 = **150 minutes**.", "2.5 hours is **250 minutes**.", "a"),
        new("What is the next prime number after 89?", "**97** (90–96 are all composite).", "**91**.", "a"),
        new("Solve for x: 3x + 7 = 25.", "3x = 18, so **x = 6**.", "3x = 32, so **x ≈ 10.67**.", "a"),
        new("What is 0.2 × 0.3?", "0.2 × 0.3 = **0.6**.", "0.2 × 0.3 = **0.06**.", "b"),
        new("A car uses 6 litres per 100 km. How much fuel for 350 km?", "350 ÷ 100 × 6 = **21 litres**.", "6 × 350 = **2100 litres**.", "a"),
        new("What is the sum of the angles of a triangle?", "**180°**.", "**360°**.", "a"),
        new("What is 7! (seven factorial)?", "7! = 7 × 6 × 5 × 4 × 3 × 2 × 1 = **5040**.", "7! = **720**.", "a"),
        new("Write a one-sentence review of a quiet café with great coffee but slow service.",
            "A calm little café whose excellent coffee makes the slow service easy to forgive.",
            "Great coffee, quiet room — bring patience, because the service takes its time.", null),
        new("Summarise in one line: a phone with a superb camera, average battery life and a high price.",
            "Superb camera, so-so battery, premium price: buy it for the photos.",
            "It is a phone. It has a camera and a battery and costs money.", null),
        new("Review this novel in two sentences: a slow start, a brilliant middle, a rushed ending.",
            "The first hundred pages test your patience, but the middle is some of the best writing of the year. The ending arrives so fast it feels borrowed from a different book.",
            "Slow start, brilliant middle, rushed ending.\n\n- Pacing: 2/5\n- Middle: 5/5\n- Ending: 2/5", null),
        new("Give a short, honest review of a budget hotel: clean, tiny rooms, noisy street.",
            "Spotless and cheap, but the rooms are tiny and the street is loud — pack earplugs.",
            "**Pros:** clean, cheap.\n**Cons:** tiny rooms, street noise.\n\nFine for a night, not for a week.", null),
        new("Write a one-line review of a hiking boot that is comfortable but not waterproof.",
            "Comfortable from the first mile — just don't take them anywhere wet.",
            "Best boot ever made, 10/10, waterproof and comfortable!", null),
        new("In one sentence, review a podcast with fascinating guests and poor audio.",
            "Fascinating guests you will strain to hear: the conversations deserve a better microphone.",
            "The guests are interesting.", null),
        new("Summarise this product review in one line: \"Setup took an hour, but it has worked perfectly for a year.\"",
            "Fiddly setup, flawless for a year since.",
            "The reviewer hated the product because setup took an hour.", null),
        new("Write a short review of a museum with wonderful exhibits and a confusing layout.",
            "Wonderful exhibits in a maze of a building: grab a map at the entrance.",
            "Wonderful exhibits. Confusing layout. Go anyway.", null),
        new("Describe in one sentence a restaurant with great food and rude staff.",
            "The food is excellent; the welcome is not.",
            "Rude staff ruined a meal that would otherwise have been excellent.", null),
        new("Give a two-line review of a laptop: fast, light, but the keyboard is shallow.",
            "Fast and light enough to forget it is in your bag.\nThe shallow keyboard is the one thing you won't forget.",
            "```\nSpeed:    ★★★★★\nWeight:   ★★★★★\nKeyboard: ★★☆☆☆\n```", null),
    ];
}
