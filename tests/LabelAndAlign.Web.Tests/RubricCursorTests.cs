using LabelAndAlign.Web.Components.Pages.Label;

namespace LabelAndAlign.Web.Tests;

public class RubricCursorTests
{
    [Fact]
    public void Next_WalksARowsThenBRows_AndWraps()
    {
        var cursor = new RubricCursor(2);
        Assert.Null(cursor.Cell(7));
        var seen = new List<(string, int)?>();
        for (int i = 0; i < 5; i++)
        {
            cursor.Next(7);
            seen.Add(cursor.Cell(7));
        }
        Assert.Equal([("left", 0), ("left", 1), ("right", 0), ("right", 1), ("left", 0)], seen);
    }

    [Fact]
    public void Previous_FromNowhere_StartsAtBsLastRow()
    {
        var cursor = new RubricCursor(3);
        cursor.Previous(1);
        Assert.Equal(("right", 2), cursor.Cell(1));
        Assert.Equal(2, cursor.RowOn(1, "right"));
        Assert.Null(cursor.RowOn(1, "left"));
    }

    [Fact]
    public void ANewItem_HasNoCursor_AndStartsAgainAtTheTop()
    {
        var cursor = new RubricCursor(2);
        cursor.Next(1);
        cursor.Next(1);
        Assert.Null(cursor.Cell(2));
        Assert.Null(cursor.RowOn(2, "left"));
        cursor.Next(2);
        Assert.Equal(("left", 0), cursor.Cell(2));
    }

    [Fact]
    public void NoRubric_NeverHasACursor()
    {
        var cursor = new RubricCursor(0);
        cursor.Next(1);
        cursor.Previous(1);
        Assert.Null(cursor.Cell(1));
    }
}
