using System.Globalization;
using System.Net;
using System.Text;
using LabelAndAlign.Engine.Evaluation;
using LabelAndAlign.Engine.Recipe;

namespace LabelAndAlign.Cli.Training;

/// <summary>
/// The sweep's figure as a standalone SVG, laid out like the DPO paper's Fig. 2: mean reward over mean KL to the SFT
/// model, one marker per checkpoint, each setting's checkpoints joined in step order (DPO in blues, PPO in oranges,
/// darker for a stronger tie to the reference), each method's upper frontier as a step line, the SFT start at KL 0.
/// Written by hand: the CLI has no plotting library, and the figure is a few dozen shapes.
/// </summary>
public static class FrontierSvg
{
    private const int Width = 800, Height = 520, Left = 70, Right = 200, Top = 40, Bottom = 60;

    private static readonly string[] Blues = ["#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b"];
    private static readonly string[] Oranges = ["#fdae6b", "#fd8d3c", "#f16913", "#d94801", "#a63603", "#7f2704"];

    public static string Render(string title, IReadOnlyList<FrontierCheckpoint> checkpoints, (double Mean, double StdErr) start, FrontierComparison comparison)
    {
        var points = checkpoints.Select(c => (c.Judgement.Kl, c.Judgement.Reward)).Append((0.0, start.Mean)).ToList();
        double x0 = Math.Min(0, points.Min(p => p.Item1)), x1 = points.Max(p => p.Item1);
        double y0 = points.Min(p => p.Item2), y1 = points.Max(p => p.Item2);
        if (x1 <= x0) x1 = x0 + 1;
        if (y1 <= y0) (y0, y1) = (y0 - 0.5, y1 + 0.5);
        double padY = (y1 - y0) * 0.05;
        (y0, y1) = (y0 - padY, y1 + padY);
        double plotW = Width - Left - Right, plotH = Height - Top - Bottom;
        double X(double kl) => Left + (kl - x0) / (x1 - x0) * plotW;
        double Y(double r) => Top + plotH - (r - y0) / (y1 - y0) * plotH;

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"22\" font-size=\"15\">{Esc(title)}</text>\n");
        Axes(svg, x0, x1, y0, y1, X, Y);

        var settings = checkpoints.GroupBy(c => (c.Algorithm, c.Setting)).ToList();
        int legendY = Top + 10, dpoIndex = 0, ppoIndex = 0;
        foreach (var g in settings)
        {
            bool dpo = g.Key.Algorithm == Algorithm.Dpo;
            string colour = dpo ? Blues[dpoIndex++ % Blues.Length] : Oranges[ppoIndex++ % Oranges.Length];
            var ordered = g.OrderBy(c => c.Step).ToList();
            string path = string.Join(" ", new[] { (0.0, start.Mean) }.Concat(ordered.Select(c => (c.Judgement.Kl, c.Judgement.Reward)))
                .Select((p, i) => $"{(i == 0 ? 'M' : 'L')}{N(X(p.Item1))},{N(Y(p.Item2))}"));
            svg.Append(CultureInfo.InvariantCulture, $"<path d=\"{path}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1\" opacity=\"0.6\"/>\n");
            foreach (var c in ordered)
            {
                string mark = dpo
                    ? $"<circle cx=\"{N(X(c.Judgement.Kl))}\" cy=\"{N(Y(c.Judgement.Reward))}\" r=\"4\" fill=\"{colour}\">"
                    : $"<rect x=\"{N(X(c.Judgement.Kl) - 4)}\" y=\"{N(Y(c.Judgement.Reward) - 4)}\" width=\"8\" height=\"8\" fill=\"{colour}\">";
                svg.Append(mark).Append(CultureInfo.InvariantCulture,
                    $"<title>{Esc($"{g.Key.Algorithm.Label()} {Pretty(g.Key.Setting)} step {c.Step}: KL {N(c.Judgement.Kl)}, reward {N(c.Judgement.Reward)}")}</title>")
                    .Append(dpo ? "</circle>\n" : "</rect>\n");
            }
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Width - Right + 20}\" y=\"{legendY - 9}\" width=\"10\" height=\"10\" fill=\"{colour}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right + 36}\" y=\"{legendY}\">{Esc($"{g.Key.Algorithm.Label()} {Pretty(g.Key.Setting)}")}</text>\n");
            legendY += 18;
        }
        Frontier(svg, FrontierSweep.Points(checkpoints, Algorithm.Dpo), "#08306b", "", x1, X, Y);
        Frontier(svg, FrontierSweep.Points(checkpoints, Algorithm.Ppo), "#7f2704", "6,4", x1, X, Y);
        svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{N(X(0))}\" cy=\"{N(Y(start.Mean))}\" r=\"5\" fill=\"black\"><title>SFT start: reward {N(start.Mean)}</title></circle>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right + 20}\" y=\"{legendY + 10}\">● SFT start</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right + 20}\" y=\"{legendY + 30}\">— DPO frontier</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right + 20}\" y=\"{legendY + 48}\">- - PPO frontier</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right + 20}\" y=\"{legendY + 74}\">{Esc($"dominates: {comparison.Dominant ?? "neither"}")}</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right + 20}\" y=\"{legendY + 92}\">{Esc($"area DPO {N(comparison.AreaFirst)}")}</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right + 20}\" y=\"{legendY + 110}\">{Esc($"area PPO {N(comparison.AreaSecond)}")}</text>\n");
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static void Axes(StringBuilder svg, double x0, double x1, double y0, double y1, Func<double, double> X, Func<double, double> Y)
    {
        double plotBottom = Y(y0), plotLeft = X(x0);
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(plotLeft)}\" y1=\"{N(plotBottom)}\" x2=\"{N(X(x1))}\" y2=\"{N(plotBottom)}\" stroke=\"#333\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(plotLeft)}\" y1=\"{N(plotBottom)}\" x2=\"{N(plotLeft)}\" y2=\"{N(Y(y1))}\" stroke=\"#333\"/>\n");
        foreach (double t in Ticks(x0, x1))
        {
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(X(t))}\" y1=\"{N(plotBottom)}\" x2=\"{N(X(t))}\" y2=\"{N(plotBottom + 5)}\" stroke=\"#333\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(X(t))}\" y=\"{N(plotBottom + 18)}\" text-anchor=\"middle\">{N(t)}</text>\n");
        }
        foreach (double t in Ticks(y0, y1))
        {
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{N(plotLeft - 5)}\" y1=\"{N(Y(t))}\" x2=\"{N(X(x1))}\" y2=\"{N(Y(t))}\" stroke=\"#ddd\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(plotLeft - 8)}\" y=\"{N(Y(t) + 4)}\" text-anchor=\"end\">{N(t)}</text>\n");
        }
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{N((plotLeft + X(x1)) / 2)}\" y=\"{N(plotBottom + 42)}\" text-anchor=\"middle\">mean KL(π ‖ π_SFT) per completion (nats)</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text transform=\"translate(18,{N((plotBottom + Y(y1)) / 2)}) rotate(-90)\" text-anchor=\"middle\">mean oracle reward</text>\n");
    }

    private static void Frontier(StringBuilder svg, IEnumerable<FrontierPoint> points, string colour, string dash, double xEnd, Func<double, double> X, Func<double, double> Y)
    {
        var f = RewardKlFrontier.Upper(points);
        if (f.Count == 0) return;
        var d = new StringBuilder($"M{N(X(f[0].Kl))},{N(Y(f[0].Reward))}");
        for (int i = 1; i < f.Count; i++) d.Append(CultureInfo.InvariantCulture, $" H{N(X(f[i].Kl))} V{N(Y(f[i].Reward))}");
        d.Append(CultureInfo.InvariantCulture, $" H{N(X(xEnd))}");
        svg.Append(CultureInfo.InvariantCulture, $"<path d=\"{d}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2.5\"{(dash.Length > 0 ? $" stroke-dasharray=\"{dash}\"" : "")}/>\n");
    }

    /// <summary>About five round ticks over [lo, hi].</summary>
    private static IEnumerable<double> Ticks(double lo, double hi)
    {
        double raw = (hi - lo) / 5, magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1, 2, 5, 10 }.Select(m => m * magnitude).First(s => s >= raw);
        for (double t = Math.Ceiling(lo / step) * step; t <= hi + step * 1e-9; t += step) yield return Math.Round(t / step) * step;
    }

    private static string N(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>"beta:0.5" as "β 0.5", "kl_coef:0.05" as "KL coef 0.05", as Compare labels runs.</summary>
    private static string Pretty(string setting) => setting.Replace("beta:", "β ").Replace("kl_coef:", "KL coef ");

    private static string Esc(string s) => WebUtility.HtmlEncode(s);
}
