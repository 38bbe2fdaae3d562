-- 0010: checkpoints a lead brings (POST /api/checkpoints, or a folder on the server) beside the ones runs write:
-- such a checkpoint has no run (RunId NULL, Step 0), a Name, and who uploaded it (UploadedById; CreatedAt is when).
-- SQLite cannot drop a NOT NULL constraint in place, so the table is rebuilt with its rows, ids and index.
CREATE TABLE run_checkpoints_new (
    Id            INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    RunId         INTEGER NULL REFERENCES runs (Id) ON DELETE CASCADE,
    Step          INTEGER NOT NULL,
    Path          TEXT    NOT NULL,
    CreatedAt     TEXT    NOT NULL,
    Name          TEXT    NULL,
    UploadedById  INTEGER NULL
);
INSERT INTO run_checkpoints_new (Id, RunId, Step, Path, CreatedAt) SELECT Id, RunId, Step, Path, CreatedAt FROM run_checkpoints;
DROP TABLE run_checkpoints;
ALTER TABLE run_checkpoints_new RENAME TO run_checkpoints;
CREATE UNIQUE INDEX IX_run_checkpoints_RunId_Step ON run_checkpoints (RunId, Step);
