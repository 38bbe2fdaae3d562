using LabelAndAlign.Web.ScaleOut;
using LabelAndAlign.Web.Services.Imports;

namespace LabelAndAlign.Web.Services.Labeling;

public static class LabelingExtensions
{
    /// <summary>Projects, queue, import/export and review services for the labeling side.</summary>
    public static WebApplicationBuilder AddLabeling(this WebApplicationBuilder builder)
    {
        var s = builder.Services;
        s.Configure<LabelingOptions>(builder.Configuration.GetSection("Labeling"));
        // Item and dataset imports share these limits.
        s.Configure<ImportOptions>(builder.Configuration.GetSection("Imports"));
        // The file limit's name before datasets shared it; a setting of that name still applies.
        if (builder.Configuration["Labeling:MaxImportBytes"] is { } older && builder.Configuration["Imports:MaxFileBytes"] is null)
            s.PostConfigure<ImportOptions>(o => o.MaxFileBytes = long.Parse(older, System.Globalization.CultureInfo.InvariantCulture));
        s.AddSingleton(new LabelingRandom());
        s.AddSingleton<ItemParser>();
        s.AddInstanceBusListener<LabelingEvents>();
        s.AddInstanceBusListener<LabelingPresence>();
        s.AddSingleton<LabelingLoad>();
        s.AddScoped<ProjectService>();
        s.AddScoped<LabelingQueue>();
        s.AddScoped<ImportService>();
        s.AddScoped<CandidateGenerator>();
        s.AddSingleton<GenerationSlots>();
        s.AddScoped<ExportService>();
        s.AddScoped<ReviewService>();
        s.AddScoped<ItemBrowser>();
        s.AddScoped<Removals>();
        s.AddScoped<Archiving.Archives>();
        s.AddScoped<DemoProjectService>();
        return builder;
    }
}
