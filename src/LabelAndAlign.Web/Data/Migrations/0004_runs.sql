-- 0004: datasets (imported JSON Lines and built-in task packs), training runs, their metric
-- points, samples and checkpoints.
CREATE TABLE datasets (
    Id           INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    Name         TEXT    NOT NULL,
    Kind         TEXT    NOT NULL,
    RowCount     INTEGER NOT NULL,
    PreviewJson  TEXT    NOT NULL,
    Source       TEXT    NOT NULL,
    CreatedById  INTEGER NULL,
    CreatedAt    TEXT    NOT NULL
);
CREATE UNIQUE INDEX IX_datasets_Source ON datasets (Source);

-- One JSON object per row, in file order (Line is the 1-based line it came from).
CREATE TABLE dataset_rows (
    Id         INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    DatasetId  INTEGER NOT NULL REFERENCES datasets (Id) ON DELETE CASCADE,
    Line       INTEGER NOT NULL,
    Json       TEXT    NOT NULL
);
CREATE INDEX IX_dataset_rows_DatasetId_Line ON dataset_rows (DatasetId, Line);

CREATE TABLE runs (
    Id                INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    Name              TEXT    NOT NULL,
    Algorithm         TEXT    NOT NULL,
    ConfigJson        TEXT    NOT NULL,
    DatasetId         INTEGER NULL,
    BaseCheckpointId  INTEGER NULL,
    Status            TEXT    NOT NULL,
    Error             TEXT    NULL,
    Step              INTEGER NOT NULL,
    TotalSteps        INTEGER NOT NULL,
    CancelRequested   INTEGER NOT NULL,
    CreatedById       INTEGER NULL,
    CreatedAt         TEXT    NOT NULL,
    StartedAt         TEXT    NULL,
    FinishedAt        TEXT    NULL
);
-- The engine's queue: oldest queued (or interrupted) run first.
CREATE INDEX IX_runs_Status_Id ON runs (Status, Id);

-- Time is Unix seconds (what the charts plot on a wall-time axis).
CREATE TABLE metric_points (
    Id     INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    RunId  INTEGER NOT NULL REFERENCES runs (Id) ON DELETE CASCADE,
    Name   TEXT    NOT NULL,
    Step   INTEGER NOT NULL,
    Value  REAL    NOT NULL,
    Time   REAL    NOT NULL
);
-- Covering: a chart's range scan reads the index alone (a million-point metric downsamples in one pass).
CREATE INDEX IX_metric_points_RunId_Name_Step ON metric_points (RunId, Name, Step, Value, Time);

CREATE TABLE run_samples (
    Id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    RunId       INTEGER NOT NULL REFERENCES runs (Id) ON DELETE CASCADE,
    Step        INTEGER NOT NULL,
    Prompt      TEXT    NOT NULL,
    Completion  TEXT    NOT NULL,
    Reward      REAL    NULL,
    Kl          REAL    NULL,
    Length      INTEGER NOT NULL,
    Time        REAL    NOT NULL
);
CREATE INDEX IX_run_samples_RunId_Step ON run_samples (RunId, Step);

-- Path is relative to the data folder (never absolute, never with ..).
CREATE TABLE run_checkpoints (
    Id         INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    RunId      INTEGER NOT NULL REFERENCES runs (Id) ON DELETE CASCADE,
    Step       INTEGER NOT NULL,
    Path       TEXT    NOT NULL,
    CreatedAt  TEXT    NOT NULL
);
CREATE UNIQUE INDEX IX_run_checkpoints_RunId_Step ON run_checkpoints (RunId, Step);
