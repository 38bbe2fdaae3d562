namespace LabelAndAlign.Web.Components.Pages.Label;

/// <summary>
/// The keyboard's place in the rubric of one item: every rating row of response A, then every
/// row of B (J moves on, K back, both wrapping); H/L then rate the row it is on. Nowhere until J
/// or K is pressed on an item, so each new item starts without one.
/// </summary>
public sealed class RubricCursor(int rows)
{
    private long? _item;
    private int _index;

    /// <summary>The side ("left"/"right") and rubric row the cursor is on in <paramref name="item"/>, or null.</summary>
    public (string Side, int Row)? Cell(long item) => _item == item ? (_index < rows ? "left" : "right", _index % rows) : null;

    /// <summary>The row the cursor is on when it is on <paramref name="side"/>'s response of <paramref name="item"/>.</summary>
    public int? RowOn(long item, string side) => Cell(item) is var (s, row) && s == side ? row : null;

    public void Next(long item) => Move(item, +1);

    public void Previous(long item) => Move(item, -1);

    private void Move(long item, int step)
    {
        if (rows == 0) return;
        int cells = 2 * rows;
        _index = _item == item ? ((_index + step) % cells + cells) % cells : step > 0 ? 0 : cells - 1;
        _item = item;
    }
}
