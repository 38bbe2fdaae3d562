namespace LabelAndAlign.Web.Services.Labeling;

public static class LabelingExtensions
{
    /// <summary>Projects, queue, import/export and review services for the labeling side.</summary>
    public static WebApplicationBuilder AddLabeling(this WebApplicationBuilder builder)
    {
        var s = builder.Services;
        s.Configure<LabelingOptions>(builder.Configuration.GetSection("Labeling"));
        s.AddSingleton(new LabelingRandom());
        s.AddSingleton<ItemParser>();
        s.AddSingleton<LabelingEvents>();
        s.AddSingleton<LabelingPresence>();
        s.AddScoped<ProjectService>();
        s.AddScoped<LabelingQueue>();
        s.AddScoped<ImportService>();
        s.AddScoped<CandidateGenerator>();
        s.AddSingleton<GenerationSlots>();
        s.AddScoped<ExportService>();
        s.AddScoped<ReviewService>();
        s.AddScoped<DemoProjectService>();
        return builder;
    }
}
