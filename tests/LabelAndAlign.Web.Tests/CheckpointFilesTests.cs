using LabelAndAlign.Web.Services.Runs;

namespace LabelAndAlign.Web.Tests;

public sealed class CheckpointFilesTests
{
    [Fact]
    public void Resolve_RelativePathInsideTheDataFolder_ReturnsItsFullPath()
    {
        string root = Path.Combine(Path.GetTempPath(), "lna-data");
        Assert.Equal(Path.Combine(root, "runs", "3", "checkpoints", "checkpoint-10"), CheckpointFiles.Resolve(root, "runs/3/checkpoints/checkpoint-10"));
    }

    [Theory]
    [InlineData("../secrets")]
    [InlineData("runs/../../etc")]
    [InlineData("/etc/passwd")]
    public void Resolve_PathLeavingTheDataFolder_Throws(string path)
    {
        string root = Path.Combine(Path.GetTempPath(), "lna-data");
        Assert.Throws<InvalidOperationException>(() => CheckpointFiles.Resolve(root, path));
    }
}
