using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LabelAndAlign.Web.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class JudgeScores : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<int>(
                name: "ProjectId",
                table: "generation_jobs",
                type: "INTEGER",
                nullable: true,
                oldClrType: typeof(int),
                oldType: "INTEGER");

            migrationBuilder.AddColumn<int>(
                name: "JudgeCheckpointId",
                table: "generation_jobs",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "RunId",
                table: "generation_jobs",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SampleIdsJson",
                table: "generation_jobs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "sample_scores",
                columns: table => new
                {
                    SampleId = table.Column<long>(type: "INTEGER", nullable: false),
                    JudgeCheckpointId = table.Column<int>(type: "INTEGER", nullable: false),
                    Score = table.Column<double>(type: "REAL", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_sample_scores", x => new { x.SampleId, x.JudgeCheckpointId });
                    table.ForeignKey(
                        name: "FK_sample_scores_run_checkpoints_JudgeCheckpointId",
                        column: x => x.JudgeCheckpointId,
                        principalTable: "run_checkpoints",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_sample_scores_run_samples_SampleId",
                        column: x => x.SampleId,
                        principalTable: "run_samples",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_generation_jobs_JudgeCheckpointId_RunId",
                table: "generation_jobs",
                columns: new[] { "JudgeCheckpointId", "RunId" });

            migrationBuilder.CreateIndex(
                name: "IX_generation_jobs_RunId",
                table: "generation_jobs",
                column: "RunId");

            migrationBuilder.CreateIndex(
                name: "IX_sample_scores_JudgeCheckpointId",
                table: "sample_scores",
                column: "JudgeCheckpointId");

            migrationBuilder.AddForeignKey(
                name: "FK_generation_jobs_run_checkpoints_JudgeCheckpointId",
                table: "generation_jobs",
                column: "JudgeCheckpointId",
                principalTable: "run_checkpoints",
                principalColumn: "Id",
                onDelete: ReferentialAction.Cascade);

            migrationBuilder.AddForeignKey(
                name: "FK_generation_jobs_runs_RunId",
                table: "generation_jobs",
                column: "RunId",
                principalTable: "runs",
                principalColumn: "Id",
                onDelete: ReferentialAction.Cascade);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_generation_jobs_run_checkpoints_JudgeCheckpointId",
                table: "generation_jobs");

            migrationBuilder.DropForeignKey(
                name: "FK_generation_jobs_runs_RunId",
                table: "generation_jobs");

            migrationBuilder.DropTable(
                name: "sample_scores");

            migrationBuilder.DropIndex(
                name: "IX_generation_jobs_JudgeCheckpointId_RunId",
                table: "generation_jobs");

            migrationBuilder.DropIndex(
                name: "IX_generation_jobs_RunId",
                table: "generation_jobs");

            migrationBuilder.DropColumn(
                name: "JudgeCheckpointId",
                table: "generation_jobs");

            migrationBuilder.DropColumn(
                name: "RunId",
                table: "generation_jobs");

            migrationBuilder.DropColumn(
                name: "SampleIdsJson",
                table: "generation_jobs");

            migrationBuilder.AlterColumn<int>(
                name: "ProjectId",
                table: "generation_jobs",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0,
                oldClrType: typeof(int),
                oldType: "INTEGER",
                oldNullable: true);
        }
    }
}
