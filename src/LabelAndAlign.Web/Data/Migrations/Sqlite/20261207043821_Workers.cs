using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LabelAndAlign.Web.Data.Migrations.Sqlite
{
    /// <summary>Training on workers (schema scripts 8 and 9 of the releases before migrations): run leases, workers, generation jobs.</summary>
    public partial class Workers : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "LeaseEpoch",
                table: "runs",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<DateTime>(
                name: "LeaseExpiresAt",
                table: "runs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "LeaseOwner",
                table: "runs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "ReportSeq",
                table: "runs",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            // Runs the in-process engine of earlier versions left Running go back to the queue; a worker resumes them
            // from their newest checkpoint (Attempts still counts the interrupted starts).
            migrationBuilder.Sql("UPDATE runs SET \"Status\" = 'Queued' WHERE \"Status\" = 'Running';");

            migrationBuilder.CreateTable(
                name: "generation_jobs",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ProjectId = table.Column<int>(type: "INTEGER", nullable: false),
                    SpecJson = table.Column<string>(type: "TEXT", nullable: false),
                    Status = table.Column<string>(type: "TEXT", nullable: false),
                    LeaseOwner = table.Column<string>(type: "TEXT", nullable: true),
                    LeaseEpoch = table.Column<long>(type: "INTEGER", nullable: false),
                    LeaseExpiresAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Done = table.Column<int>(type: "INTEGER", nullable: false),
                    Total = table.Column<int>(type: "INTEGER", nullable: false),
                    ResultJson = table.Column<string>(type: "TEXT", nullable: true),
                    ErrorField = table.Column<string>(type: "TEXT", nullable: true),
                    Error = table.Column<string>(type: "TEXT", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_generation_jobs", x => x.Id);
                    table.ForeignKey(
                        name: "FK_generation_jobs_projects_ProjectId",
                        column: x => x.ProjectId,
                        principalTable: "projects",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "workers",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Name = table.Column<string>(type: "TEXT", nullable: false),
                    SessionId = table.Column<string>(type: "TEXT", nullable: false),
                    UserId = table.Column<int>(type: "INTEGER", nullable: false),
                    ConnectionId = table.Column<string>(type: "TEXT", nullable: true),
                    Host = table.Column<string>(type: "TEXT", nullable: false),
                    BootId = table.Column<string>(type: "TEXT", nullable: true),
                    Version = table.Column<string>(type: "TEXT", nullable: false),
                    Cores = table.Column<int>(type: "INTEGER", nullable: false),
                    MemoryBytes = table.Column<long>(type: "INTEGER", nullable: false),
                    MaxRuns = table.Column<int>(type: "INTEGER", nullable: false),
                    EnginesJson = table.Column<string>(type: "TEXT", nullable: false),
                    FirstSeenAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ConnectedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    LastSeenAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_workers", x => x.Id);
                    table.ForeignKey(
                        name: "FK_workers_users_UserId",
                        column: x => x.UserId,
                        principalTable: "users",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_generation_jobs_ProjectId",
                table: "generation_jobs",
                column: "ProjectId");

            migrationBuilder.CreateIndex(
                name: "IX_generation_jobs_Status_Id",
                table: "generation_jobs",
                columns: new[] { "Status", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_workers_Name",
                table: "workers",
                column: "Name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_workers_UserId",
                table: "workers",
                column: "UserId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "generation_jobs");

            migrationBuilder.DropTable(
                name: "workers");

            migrationBuilder.DropColumn(
                name: "LeaseEpoch",
                table: "runs");

            migrationBuilder.DropColumn(
                name: "LeaseExpiresAt",
                table: "runs");

            migrationBuilder.DropColumn(
                name: "LeaseOwner",
                table: "runs");

            migrationBuilder.DropColumn(
                name: "ReportSeq",
                table: "runs");
        }
    }
}
