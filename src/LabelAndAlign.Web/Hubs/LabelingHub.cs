using LabelAndAlign.Web.Security;
using LabelAndAlign.Web.Services.Labeling;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace LabelAndAlign.Web.Hubs;

/// <summary>
/// <c>/hubs/labeling</c>: leads and admins call <c>Watch(projectId)</c> and then receive
/// <c>progress(projectId)</c> whenever someone in that project takes, labels, skips or undoes an
/// item, so a team dashboard can refresh (<c>GET /api/projects/{id}/team</c>).
/// </summary>
[Authorize(Policy = AppPolicies.Manage)]
public sealed class LabelingHub(ProjectService projects) : Hub
{
    public const string Path = "/hubs/labeling";

    public static string Group(int projectId) => $"project-{projectId}";

    public async Task Watch(int projectId)
    {
        var access = await projects.AccessAsync(projectId, Context.User!);
        if (!access.CanManage) throw new HubException($"No project with id {projectId} that you manage.");
        await Groups.AddToGroupAsync(Context.ConnectionId, Group(projectId));
    }

    public Task Unwatch(int projectId) => Groups.RemoveFromGroupAsync(Context.ConnectionId, Group(projectId));
}
