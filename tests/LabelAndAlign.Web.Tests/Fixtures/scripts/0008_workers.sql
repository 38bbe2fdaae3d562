-- 0008: training moves out of the web app onto workers. A run is leased to one worker process (LeaseOwner, its
-- session id) until LeaseExpiresAt, which heartbeats and reports push forward; every claim raises LeaseEpoch, and
-- every report and checkpoint upload names the epoch it was made under and its place in the run's stream
-- (ReportSeq), so a late message from an earlier holder is refused and a resent one is applied once.
ALTER TABLE runs ADD COLUMN LeaseOwner TEXT NULL;
ALTER TABLE runs ADD COLUMN LeaseEpoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN LeaseExpiresAt TEXT NULL;
ALTER TABLE runs ADD COLUMN ReportSeq INTEGER NOT NULL DEFAULT 0;
-- Runs the in-process engine of earlier versions left Running go back to the queue; a worker resumes them from
-- their newest checkpoint (Attempts still counts the interrupted starts).
UPDATE runs SET Status = 'Queued' WHERE Status = 'Running';

-- The workers that have connected, one row per name: what each offers and when it was last heard from.
CREATE TABLE workers (
    Id           INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    Name         TEXT    NOT NULL,
    SessionId    TEXT    NOT NULL,
    UserId       INTEGER NOT NULL REFERENCES users (Id) ON DELETE CASCADE,
    ConnectionId TEXT    NULL,
    Host         TEXT    NOT NULL,
    BootId       TEXT    NULL,
    Version      TEXT    NOT NULL,
    Cores        INTEGER NOT NULL,
    MemoryBytes  INTEGER NOT NULL,
    MaxRuns      INTEGER NOT NULL,
    EnginesJson  TEXT    NOT NULL,
    FirstSeenAt  TEXT    NOT NULL,
    ConnectedAt  TEXT    NOT NULL,
    LastSeenAt   TEXT    NOT NULL
);
CREATE UNIQUE INDEX IX_workers_Name ON workers (Name);
CREATE INDEX IX_workers_UserId ON workers (UserId);
