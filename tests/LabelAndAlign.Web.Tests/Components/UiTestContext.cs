using Bunit;
using Bunit.TestDoubles;
using LabelAndAlign.Web.Components.Layout;
using LabelAndAlign.Web.Components.Shared;
using LabelAndAlign.Web.Security;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace LabelAndAlign.Web.Tests.Components;

/// <summary>
/// A bUnit context with what the app's components need: MudBlazor's services (its JS calls
/// answered loosely, as no browser runs), the page feedback service and the theme cookie.
/// </summary>
public abstract class UiTestContext : BunitContext, IAsyncLifetime
{
    /// <summary>What the charts asked plotly to do.</summary>
    protected BunitJSModuleInterop Plotly { get; }

    /// <summary>What the metric boards asked the browser to append (chart-board.js: every chart's new points of a pass in one call).</summary>
    protected BunitJSModuleInterop Charts { get; }

    /// <summary>Per extendCharts call, the new x values of each chart's first trace (charts in order), as the browser receives them.</summary>
    protected IReadOnlyList<List<double>> ExtendedX() =>
        Charts.Invocations["extendCharts"].Select(i => System.Text.Json.JsonSerializer.SerializeToElement(i.Arguments[0], System.Text.Json.JsonSerializerOptions.Web)
            .EnumerateArray().SelectMany(c => c.GetProperty("x")[0].EnumerateArray()).Select(v => v.GetDouble()).ToList()).ToList();

    /// <summary>The JSON of each call's argument <paramref name="index"/> (data, layout, x, y…), as plotly would receive it.</summary>
    protected IReadOnlyList<System.Text.Json.JsonElement> PlotlyCalls(string identifier, int index) =>
        Plotly.Invocations[identifier].Select(i => System.Text.Json.JsonSerializer.SerializeToElement(i.Arguments[index])).ToList();

    /// <summary>
    /// Argument <paramref name="index"/> of every draw, in order: a chart's first plot (newPlot, which carries its
    /// first traces) and each react after it.
    /// </summary>
    protected IReadOnlyList<System.Text.Json.JsonElement> DrawCalls(int index) =>
        Plotly.Invocations.Where(i => i.Identifier is "newPlot" or "react").Select(i => System.Text.Json.JsonSerializer.SerializeToElement(i.Arguments[index])).ToList();

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    // MudBlazor's services are async-disposable only; xunit runs this before Dispose, which then finds nothing left.
    async Task IAsyncLifetime.DisposeAsync() => await base.DisposeAsync();

    /// <summary>Plotly.Blazor's interop module (every chart's calls: newPlot, react, extendTraces, …).</summary>
    public const string PlotlyModule = "./_content/Plotly.Blazor/plotly-interop-7.2.0.js";

    protected UiTestContext()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Plotly = JSInterop.SetupModule(PlotlyModule);
        Plotly.Mode = JSRuntimeMode.Loose;
        Charts = JSInterop.SetupModule(LabelAndAlign.Web.Components.Charts.MetricBoard.ChartsModule);
        Charts.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddScoped<Feedback>();
        Services.AddScoped<ThemeCookie>();
        Services.AddLogging();
        // The chart board's reads of a finished run (over whatever IMetricReader the test gives).
        Services.AddSingleton(TimeProvider.System);
        Services.AddSingleton<LabelAndAlign.Web.Services.Runs.MetricPrefetch>();
    }

    /// <summary>Renders as the interactive server circuit does (by default), or as prerendering does.</summary>
    protected void Interactive(bool interactive) => SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", interactive));

    /// <summary>Signs in a person with a role; the policies the role passes (see AppPolicies) are granted.</summary>
    protected BunitAuthorizationContext SignIn(string email, string role)
    {
        var auth = AddAuthorization();
        auth.SetAuthorized(email);
        auth.SetRoles(role);
        auth.SetClaims(new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.Role, role));
        auth.SetPolicies(AppPolicies.Roles.Where(p => p.Value.Any(r => r.ToString() == role)).Select(p => p.Key).ToArray());
        return auth;
    }
}
