using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LabelAndAlign.Web.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class RunAttempts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "Attempts",
                table: "runs",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Attempts",
                table: "runs");
        }
    }
}
