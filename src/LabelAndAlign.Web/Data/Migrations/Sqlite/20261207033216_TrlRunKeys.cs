using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LabelAndAlign.Web.Data.Migrations.Sqlite
{
    /// <summary>
    /// Stored run configs under TRL's key names: a data step in code (<see cref="RunConfigUpgrade"/>),
    /// which <see cref="SchemaMigrator"/> applies in one transaction with this migration's history row;
    /// the schema does not change.
    /// </summary>
    public partial class TrlRunKeys : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
        }
    }
}
