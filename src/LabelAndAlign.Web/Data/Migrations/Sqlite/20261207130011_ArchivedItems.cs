using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LabelAndAlign.Web.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ArchivedItems : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "ArchivedById",
                table: "projects",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "ArchivedAt",
                table: "items",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "CheckpointAId",
                table: "generation_jobs",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "CheckpointBId",
                table: "generation_jobs",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_items_ProjectId_ArchivedAt",
                table: "items",
                columns: new[] { "ProjectId", "ArchivedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_items_ProjectId_ArchivedAt",
                table: "items");

            migrationBuilder.DropColumn(
                name: "ArchivedById",
                table: "projects");

            migrationBuilder.DropColumn(
                name: "ArchivedAt",
                table: "items");

            migrationBuilder.DropColumn(
                name: "CheckpointAId",
                table: "generation_jobs");

            migrationBuilder.DropColumn(
                name: "CheckpointBId",
                table: "generation_jobs");
        }
    }
}
