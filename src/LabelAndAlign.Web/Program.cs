using LabelAndAlign.Web.Api;
using LabelAndAlign.Web.Components;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Hosting;
using LabelAndAlign.Web.ScaleOut;
using LabelAndAlign.Web.Security;
using LabelAndAlign.Web.Services;
using LabelAndAlign.Web.Services.Labeling;
using LabelAndAlign.Web.Services.Runs;
using LabelAndAlign.Web.Services.Workers;

var builder = WebApplication.CreateBuilder(args);
// Serve wwwroot and package assets (blazor.web.js) from the build output in every environment.
builder.WebHost.UseStaticWebAssets();
builder.AddPersistence();
builder.AddScaleOut();
builder.AddAccounts();
builder.AddLabeling();
builder.AddRuns();
builder.AddUi();
builder.AddWorkers();
builder.Services.AddRazorComponents().AddInteractiveServerComponents();
builder.Services.AddOpenApi();
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<ApiExceptionHandler>();
builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");

var app = builder.Build();
await app.MigrateDatabaseAsync();
await app.EnsureAdminAsync();

app.UseSecurityHeaders();
app.UseCircuitRefusalWhileStopping();
app.UseCrossSiteRequestGuard();
// API routes and hubs answer every failure as JSON problem details (ApiExceptionHandler, and a
// body for a bare status code), in every environment; pages get the error and not-found pages.
app.UseWhen(ctx => ApiExceptionHandler.IsApi(ctx.Request.Path), api =>
{
    api.UseExceptionHandler();
    api.UseStatusCodePages();
});
if (!app.Environment.IsDevelopment()) app.UseExceptionHandler("/error", createScopeForErrors: true);
app.UseWhen(ctx => !ApiExceptionHandler.IsApi(ctx.Request.Path), branch => branch.UseStatusCodePagesWithReExecute("/not-found"));
// Routing after status-code pages, so a re-executed request is matched to the /not-found page.
app.UseRouting();
app.UseRateLimiter();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();

app.MapStaticAssets().AllowAnonymous();
app.MapHealthChecks("/healthz").AllowAnonymous();
app.MapOpenApi().AllowAnonymous();
app.MapAccountEndpoints();
app.MapUserEndpoints();
app.MapLabelingEndpoints();
app.MapRunsEndpoints();
app.MapUi();
app.MapEngineEndpoints();
// .NET 10 would add its own `frame-ancestors 'self'` CSP to the circuit's WebSocket response; our
// security headers already cover every response (that one included) with `frame-ancestors 'none'`,
// so exactly one policy is sent: ours.
app.MapRazorComponents<App>()
    .AddInteractiveServerRenderMode(o => o.ContentSecurityFrameAncestorsPolicy = null)
    .AllowAnonymousFrameworkEndpoints();

app.Run();

/// <summary>Visible to <c>WebApplicationFactory&lt;Program&gt;</c> in the tests.</summary>
public partial class Program;
