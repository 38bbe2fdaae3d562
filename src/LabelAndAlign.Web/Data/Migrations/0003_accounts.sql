-- 0003: account lockout, invites and the audit log.
ALTER TABLE users ADD COLUMN FailedSignInCount INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN LockoutEndsAt TEXT NULL;

CREATE TABLE invites (
    Id         INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    UserId     INTEGER NOT NULL REFERENCES users (Id) ON DELETE CASCADE,
    TokenHash  TEXT    NOT NULL,
    CreatedAt  TEXT    NOT NULL,
    ExpiresAt  TEXT    NOT NULL,
    UsedAt     TEXT    NULL
);
CREATE UNIQUE INDEX IX_invites_TokenHash ON invites (TokenHash);
CREATE INDEX IX_invites_UserId ON invites (UserId);

CREATE TABLE audit_events (
    Id      INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    At      TEXT    NOT NULL,
    UserId  INTEGER NULL,
    Action  TEXT    NOT NULL,
    Detail  TEXT    NOT NULL,
    Ip      TEXT    NULL
);
CREATE INDEX IX_audit_events_At ON audit_events (At);
