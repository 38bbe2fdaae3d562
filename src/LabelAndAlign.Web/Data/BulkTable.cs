using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace LabelAndAlign.Web.Data;

/// <summary>
/// An entity's table as the bulk inserts write it, taken from the EF model: the table name and,
/// per column, its name, store type and how to read the provider value (converters applied) off
/// an entity. Keys the database generates are left out.
/// </summary>
public sealed class BulkTable
{
    public sealed record Column(string Name, string StoreType, Func<object, object?> Read);

    private static readonly ConcurrentDictionary<(Type Context, Type Entity), BulkTable> Cache = new();

    private BulkTable(string name, IReadOnlyList<Column> columns) => (Name, Columns) = (name, columns);

    public string Name { get; }
    public IReadOnlyList<Column> Columns { get; }

    public static BulkTable Of<T>(AppDbContext db) => Cache.GetOrAdd((db.GetType(), typeof(T)), _ =>
    {
        var entity = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not an entity of the model.");
        string table = entity.GetTableName()!;
        var store = StoreObjectIdentifier.Table(table, entity.GetSchema());
        var columns = entity.GetProperties()
            .Where(p => p.ValueGenerated != ValueGenerated.OnAdd && p.PropertyInfo is not null)
            .Select(p =>
            {
                var info = p.PropertyInfo!;
                var converter = p.GetTypeMapping().Converter;
                Func<object, object?> read = converter is null
                    ? info.GetValue
                    : row => info.GetValue(row) is { } v ? converter.ConvertToProvider(v) : null;
                return new Column(p.GetColumnName(store)!, p.GetColumnType(), read);
            })
            .ToList();
        return new BulkTable(table, columns);
    });
}
