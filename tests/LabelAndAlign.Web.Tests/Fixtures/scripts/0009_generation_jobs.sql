-- 0009: item generation from checkpoints moves onto workers too (the web app never samples). The request that asked
-- for it waits for its row, imports the result and deletes the row; a worker holds it under a lease like a run's.
CREATE TABLE generation_jobs (
    Id             INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    ProjectId      INTEGER NOT NULL REFERENCES projects (Id) ON DELETE CASCADE,
    SpecJson       TEXT    NOT NULL,
    Status         TEXT    NOT NULL,
    LeaseOwner     TEXT    NULL,
    LeaseEpoch     INTEGER NOT NULL,
    LeaseExpiresAt TEXT    NULL,
    Done           INTEGER NOT NULL,
    Total          INTEGER NOT NULL,
    ResultJson     TEXT    NULL,
    ErrorField     TEXT    NULL,
    Error          TEXT    NULL,
    CreatedAt      TEXT    NOT NULL
);
CREATE INDEX IX_generation_jobs_ProjectId ON generation_jobs (ProjectId);
CREATE INDEX IX_generation_jobs_Status_Id ON generation_jobs (Status, Id);
