using LabelAndAlign.Engine.Optim;

namespace LabelAndAlign.Engine.Tests;

public class GradClipTests
{
    [Fact]
    public void ClipGlobalNorm_ScalesDownAndReturnsPreClipNorm()
    {
        var g = new float[10000];
        g[0] = 3f;
        g[9999] = 4f;
        float norm = GradClip.ClipGlobalNorm(g, 1f);
        Assert.Equal(5f, norm, 5);
        Assert.Equal(0.6f, g[0], 5);
        Assert.Equal(0.8f, g[9999], 5);
        Assert.Equal(1f, GradClip.GlobalNorm(g), 4);
    }

    [Fact]
    public void ClipGlobalNorm_LeavesSmallGradientsAlone()
    {
        float[] g = [0.3f, -0.4f];
        float norm = GradClip.ClipGlobalNorm(g, 1f);
        Assert.Equal(0.5f, norm, 6);
        Assert.Equal([0.3f, -0.4f], g);
    }

    [Fact]
    public void ClipGlobalNorm_ThrowsOnNonPositiveMaxNorm() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => GradClip.ClipGlobalNorm(new float[3], 0f));
}
