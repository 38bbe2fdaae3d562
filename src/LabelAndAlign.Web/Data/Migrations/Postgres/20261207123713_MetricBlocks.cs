using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LabelAndAlign.Web.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class MetricBlocks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "metric_blocks",
                columns: table => new
                {
                    RunId = table.Column<int>(type: "integer", nullable: false),
                    Name = table.Column<string>(type: "text", nullable: false),
                    Block = table.Column<int>(type: "integer", nullable: false),
                    MinStep = table.Column<int>(type: "integer", nullable: false),
                    MinValue = table.Column<double>(type: "double precision", nullable: false),
                    MinTime = table.Column<double>(type: "double precision", nullable: false),
                    MaxStep = table.Column<int>(type: "integer", nullable: false),
                    MaxValue = table.Column<double>(type: "double precision", nullable: false),
                    MaxTime = table.Column<double>(type: "double precision", nullable: false),
                    LastStep = table.Column<int>(type: "integer", nullable: false),
                    LastValue = table.Column<double>(type: "double precision", nullable: false),
                    LastTime = table.Column<double>(type: "double precision", nullable: false),
                    Stale = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_metric_blocks", x => new { x.RunId, x.Name, x.Block });
                    table.ForeignKey(
                        name: "FK_metric_blocks_runs_RunId",
                        column: x => x.RunId,
                        principalTable: "runs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            // Every writer of metric_points (COPY included) keeps the blocks, once per statement: the points a statement
            // inserted are reduced per block (the first lowest, the first highest and the last point, as
            // MetricDownsampler.Add keeps them; arrays compare element by element, the step negated for the first
            // highest) and folded into the stored blocks; a delete or change marks its blocks stale, and readers then
            // take those from the points.
            migrationBuilder.Sql($"""
                CREATE FUNCTION metric_blocks_insert() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  INSERT INTO metric_blocks AS b ({Columns})
                  {Reduce("added")}
                  ON CONFLICT ("RunId", "Name", "Block") DO UPDATE SET
                    "MinStep" = CASE WHEN {NewMin} THEN EXCLUDED."MinStep" ELSE b."MinStep" END,
                    "MinValue" = CASE WHEN {NewMin} THEN EXCLUDED."MinValue" ELSE b."MinValue" END,
                    "MinTime" = CASE WHEN {NewMin} THEN EXCLUDED."MinTime" ELSE b."MinTime" END,
                    "MaxStep" = CASE WHEN {NewMax} THEN EXCLUDED."MaxStep" ELSE b."MaxStep" END,
                    "MaxValue" = CASE WHEN {NewMax} THEN EXCLUDED."MaxValue" ELSE b."MaxValue" END,
                    "MaxTime" = CASE WHEN {NewMax} THEN EXCLUDED."MaxTime" ELSE b."MaxTime" END,
                    "LastStep" = CASE WHEN EXCLUDED."LastStep" >= b."LastStep" THEN EXCLUDED."LastStep" ELSE b."LastStep" END,
                    "LastValue" = CASE WHEN EXCLUDED."LastStep" >= b."LastStep" THEN EXCLUDED."LastValue" ELSE b."LastValue" END,
                    "LastTime" = CASE WHEN EXCLUDED."LastStep" >= b."LastStep" THEN EXCLUDED."LastTime" ELSE b."LastTime" END;
                  RETURN NULL;
                END $$;
                CREATE TRIGGER metric_blocks_insert AFTER INSERT ON metric_points
                  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION metric_blocks_insert();
                """);
            migrationBuilder.Sql($"""
                CREATE FUNCTION metric_blocks_delete() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  {MarkStale("removed")}
                  RETURN NULL;
                END $$;
                CREATE TRIGGER metric_blocks_delete AFTER DELETE ON metric_points
                  REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION metric_blocks_delete();
                CREATE FUNCTION metric_blocks_update() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  {MarkStale("removed")}
                  INSERT INTO metric_blocks ({Columns})
                  {Reduce("added")}
                  ON CONFLICT ("RunId", "Name", "Block") DO UPDATE SET "Stale" = true;
                  RETURN NULL;
                END $$;
                CREATE TRIGGER metric_blocks_update AFTER UPDATE ON metric_points
                  REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION metric_blocks_update();
                """);
            // The points already stored.
            migrationBuilder.Sql($"""
                INSERT INTO metric_blocks ({Columns})
                {Reduce("metric_points")};
                """);
        }

        /// <summary>One row per block of the points in <paramref name="points"/>: its first lowest, first highest and last point.</summary>
        private static string Reduce(string points) => $"""
            SELECT "RunId", "Name", blk, lo[2]::int, lo[1], lo[3], (-hi[2])::int, hi[1], hi[3], la[1]::int, la[2], la[3], false
            FROM (SELECT "RunId", "Name", "Step" >> 7 AS blk,
                         min(ARRAY["Value", "Step"::float8, "Time"]) AS lo,
                         max(ARRAY["Value", -"Step"::float8, "Time"]) AS hi,
                         max(ARRAY["Step"::float8, "Value", "Time"]) AS la
                  FROM {points} GROUP BY "RunId", "Name", "Step" >> 7) AS g
            """;

        private static string MarkStale(string points) => $"""
            UPDATE metric_blocks SET "Stale" = true
            FROM (SELECT DISTINCT "RunId", "Name", "Step" >> 7 AS blk FROM {points}) AS p
            WHERE metric_blocks."RunId" = p."RunId" AND metric_blocks."Name" = p."Name" AND metric_blocks."Block" = p.blk AND NOT metric_blocks."Stale";
            """;

        private const string Columns = "\"RunId\", \"Name\", \"Block\", \"MinStep\", \"MinValue\", \"MinTime\", \"MaxStep\", \"MaxValue\", \"MaxTime\", \"LastStep\", \"LastValue\", \"LastTime\", \"Stale\"";
        private const string NewMin = "EXCLUDED.\"MinValue\" < b.\"MinValue\" OR (EXCLUDED.\"MinValue\" = b.\"MinValue\" AND EXCLUDED.\"MinStep\" < b.\"MinStep\")";
        private const string NewMax = "EXCLUDED.\"MaxValue\" > b.\"MaxValue\" OR (EXCLUDED.\"MaxValue\" = b.\"MaxValue\" AND EXCLUDED.\"MaxStep\" < b.\"MaxStep\")";

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER metric_blocks_insert ON metric_points; DROP TRIGGER metric_blocks_delete ON metric_points; DROP TRIGGER metric_blocks_update ON metric_points;");
            migrationBuilder.Sql("DROP FUNCTION metric_blocks_insert(); DROP FUNCTION metric_blocks_delete(); DROP FUNCTION metric_blocks_update();");
            migrationBuilder.DropTable(
                name: "metric_blocks");
        }
    }
}
