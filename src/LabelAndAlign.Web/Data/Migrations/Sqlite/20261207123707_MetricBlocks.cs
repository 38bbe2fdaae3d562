using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LabelAndAlign.Web.Data.Migrations.Sqlite
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
                    RunId = table.Column<int>(type: "INTEGER", nullable: false),
                    Name = table.Column<string>(type: "TEXT", nullable: false),
                    Block = table.Column<int>(type: "INTEGER", nullable: false),
                    MinStep = table.Column<int>(type: "INTEGER", nullable: false),
                    MinValue = table.Column<double>(type: "REAL", nullable: false),
                    MinTime = table.Column<double>(type: "REAL", nullable: false),
                    MaxStep = table.Column<int>(type: "INTEGER", nullable: false),
                    MaxValue = table.Column<double>(type: "REAL", nullable: false),
                    MaxTime = table.Column<double>(type: "REAL", nullable: false),
                    LastStep = table.Column<int>(type: "INTEGER", nullable: false),
                    LastValue = table.Column<double>(type: "REAL", nullable: false),
                    LastTime = table.Column<double>(type: "REAL", nullable: false),
                    Stale = table.Column<bool>(type: "INTEGER", nullable: false)
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

            // Every writer of metric_points (any process, any code path) keeps the blocks: an insert folds its point
            // into its block (the first lowest, the first highest and the last point, as MetricDownsampler.Add keeps
            // them); a delete or change marks the block stale, and readers then take it from the points.
            migrationBuilder.Sql($"""
                CREATE TRIGGER metric_blocks_insert AFTER INSERT ON metric_points BEGIN
                  INSERT INTO metric_blocks ({Columns})
                  VALUES (NEW.RunId, NEW.Name, NEW.Step >> 7, NEW.Step, NEW.Value, NEW.Time, NEW.Step, NEW.Value, NEW.Time, NEW.Step, NEW.Value, NEW.Time, 0)
                  {Fold};
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER metric_blocks_delete AFTER DELETE ON metric_points BEGIN
                  UPDATE metric_blocks SET Stale = 1 WHERE RunId = OLD.RunId AND Name = OLD.Name AND Block = OLD.Step >> 7 AND Stale = 0;
                END;
                """);
            migrationBuilder.Sql($"""
                CREATE TRIGGER metric_blocks_update AFTER UPDATE ON metric_points BEGIN
                  UPDATE metric_blocks SET Stale = 1 WHERE RunId = OLD.RunId AND Name = OLD.Name AND Block = OLD.Step >> 7 AND Stale = 0;
                  INSERT INTO metric_blocks ({Columns})
                  VALUES (NEW.RunId, NEW.Name, NEW.Step >> 7, NEW.Step, NEW.Value, NEW.Time, NEW.Step, NEW.Value, NEW.Time, NEW.Step, NEW.Value, NEW.Time, 1)
                  ON CONFLICT (RunId, Name, Block) DO UPDATE SET Stale = 1;
                END;
                """);
            // The points already stored, folded in step order the same way.
            migrationBuilder.Sql($"""
                INSERT INTO metric_blocks ({Columns})
                SELECT RunId, Name, Step >> 7, Step, Value, Time, Step, Value, Time, Step, Value, Time, 0
                FROM metric_points WHERE true ORDER BY RunId, Name, Step
                {Fold};
                """);
        }

        private const string Columns = "RunId, Name, Block, MinStep, MinValue, MinTime, MaxStep, MaxValue, MaxTime, LastStep, LastValue, LastTime, Stale";

        // In an upsert's SET, bare names are the stored block and excluded.* the new point; every SET reads the stored values.
        private const string Fold = """
            ON CONFLICT (RunId, Name, Block) DO UPDATE SET
              MinStep = CASE WHEN excluded.MinValue < MinValue OR (excluded.MinValue = MinValue AND excluded.MinStep < MinStep) THEN excluded.MinStep ELSE MinStep END,
              MinValue = CASE WHEN excluded.MinValue < MinValue OR (excluded.MinValue = MinValue AND excluded.MinStep < MinStep) THEN excluded.MinValue ELSE MinValue END,
              MinTime = CASE WHEN excluded.MinValue < MinValue OR (excluded.MinValue = MinValue AND excluded.MinStep < MinStep) THEN excluded.MinTime ELSE MinTime END,
              MaxStep = CASE WHEN excluded.MaxValue > MaxValue OR (excluded.MaxValue = MaxValue AND excluded.MaxStep < MaxStep) THEN excluded.MaxStep ELSE MaxStep END,
              MaxValue = CASE WHEN excluded.MaxValue > MaxValue OR (excluded.MaxValue = MaxValue AND excluded.MaxStep < MaxStep) THEN excluded.MaxValue ELSE MaxValue END,
              MaxTime = CASE WHEN excluded.MaxValue > MaxValue OR (excluded.MaxValue = MaxValue AND excluded.MaxStep < MaxStep) THEN excluded.MaxTime ELSE MaxTime END,
              LastStep = CASE WHEN excluded.LastStep >= LastStep THEN excluded.LastStep ELSE LastStep END,
              LastValue = CASE WHEN excluded.LastStep >= LastStep THEN excluded.LastValue ELSE LastValue END,
              LastTime = CASE WHEN excluded.LastStep >= LastStep THEN excluded.LastTime ELSE LastTime END
            """;

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER metric_blocks_insert;");
            migrationBuilder.Sql("DROP TRIGGER metric_blocks_delete;");
            migrationBuilder.Sql("DROP TRIGGER metric_blocks_update;");
            migrationBuilder.DropTable(
                name: "metric_blocks");
        }
    }
}
