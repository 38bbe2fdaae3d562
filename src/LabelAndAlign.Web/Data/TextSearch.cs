using System.Data;
using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query.SqlExpressions;
using Microsoft.EntityFrameworkCore.Storage;

namespace LabelAndAlign.Web.Data;

/// <summary>
/// The lists' search, in queries: whether a text matches a LIKE pattern regardless of case, with the same answer on
/// both providers. SQLite's LIKE already ignores case; PostgreSQL's does not, so there it is ILIKE. Each provider's
/// context maps <see cref="Matches"/> onto its own SQL (<see cref="MapOn"/>).
/// </summary>
public static class TextSearch
{
    /// <summary>The escape character of the patterns <see cref="Matches"/> takes (PostgreSQL's default for LIKE and ILIKE).</summary>
    public const string Escape = "\\";

    private static readonly MethodInfo MatchesMethod = typeof(TextSearch).GetMethod(nameof(Matches))!;

    /// <summary>Whether <paramref name="text"/> matches <paramref name="pattern"/> (a LIKE pattern escaped with <see cref="Escape"/>), case ignored. Only in queries.</summary>
    public static bool Matches(string? text, string pattern) =>
        throw new InvalidOperationException($"{nameof(TextSearch)}.{nameof(Matches)} runs in the database: use it inside a LINQ query of an {nameof(AppDbContext)}.");

    /// <summary>
    /// Maps <see cref="Matches"/> onto SQL function <paramref name="function"/>(<paramref name="arguments"/>), given the text
    /// and the pattern; <paramref name="boolType"/> is the provider's name of the result's type.
    /// </summary>
    public static void MapOn(ModelBuilder model, string function, string boolType, Func<SqlExpression, SqlExpression, SqlExpression[]> arguments) =>
        model.HasDbFunction(MatchesMethod).HasTranslation(args =>
        {
            var call = arguments(args[0], args[1]);
            return new SqlFunctionExpression(function, call, nullable: true, argumentsPropagateNullability: call.Select(_ => true),
                typeof(bool), new BoolTypeMapping(boolType, DbType.Boolean));
        });
}
