using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LabelAndAlign.Web.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class UploadedCheckpoints : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<int>(
                name: "RunId",
                table: "run_checkpoints",
                type: "INTEGER",
                nullable: true,
                oldClrType: typeof(int),
                oldType: "INTEGER");

            migrationBuilder.AddColumn<string>(
                name: "Name",
                table: "run_checkpoints",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "UploadedById",
                table: "run_checkpoints",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Name",
                table: "run_checkpoints");

            migrationBuilder.DropColumn(
                name: "UploadedById",
                table: "run_checkpoints");

            migrationBuilder.AlterColumn<int>(
                name: "RunId",
                table: "run_checkpoints",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0,
                oldClrType: typeof(int),
                oldType: "INTEGER",
                oldNullable: true);
        }
    }
}
