-- 0002: labeling projects, members, items, assignments (the queue) and labels.
CREATE TABLE projects (
    Id             INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    Name           TEXT    NOT NULL,
    Guidelines     TEXT    NOT NULL,
    LabelsPerItem  INTEGER NOT NULL,
    RubricJson     TEXT    NOT NULL,
    AskRationale   INTEGER NOT NULL,
    LeaseMinutes   INTEGER NOT NULL,
    GoldRate       REAL    NOT NULL,
    CreatedAt      TEXT    NOT NULL
);

CREATE TABLE project_members (
    Id         INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    ProjectId  INTEGER NOT NULL REFERENCES projects (Id) ON DELETE CASCADE,
    UserId     INTEGER NOT NULL REFERENCES users (Id) ON DELETE CASCADE,
    Role       TEXT    NOT NULL,
    AddedAt    TEXT    NOT NULL
);
CREATE UNIQUE INDEX IX_project_members_ProjectId_UserId ON project_members (ProjectId, UserId);
CREATE INDEX IX_project_members_UserId ON project_members (UserId);

CREATE TABLE items (
    Id                  INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    ProjectId           INTEGER NOT NULL REFERENCES projects (Id) ON DELETE CASCADE,
    ExternalId          TEXT    NULL,
    PromptText          TEXT    NOT NULL,
    PromptMessagesJson  TEXT    NULL,
    ResponseA           TEXT    NOT NULL,
    ResponseB           TEXT    NOT NULL,
    ModelA              TEXT    NULL,
    ModelB              TEXT    NULL,
    Gold                TEXT    NULL,
    IsGold              INTEGER NOT NULL,
    SlotsTaken          INTEGER NOT NULL,
    LabelCount          INTEGER NOT NULL,
    IsOpen              INTEGER NOT NULL,
    Verdict             TEXT    NULL,
    VerdictById         INTEGER NULL,
    VerdictAt           TEXT    NULL,
    CreatedAt           TEXT    NOT NULL
);
-- The queue walks this index in id order: open items of one project, gold or not.
CREATE INDEX IX_items_ProjectId_IsOpen_IsGold_Id ON items (ProjectId, IsOpen, IsGold, Id);
CREATE INDEX IX_items_ProjectId_LabelCount ON items (ProjectId, LabelCount);

CREATE TABLE assignments (
    Id           INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    ProjectId    INTEGER NOT NULL,
    ItemId       INTEGER NOT NULL REFERENCES items (Id) ON DELETE CASCADE,
    LabelerId    INTEGER NOT NULL REFERENCES users (Id) ON DELETE CASCADE,
    ShownLeft    TEXT    NOT NULL,
    Status       TEXT    NOT NULL,
    LeasedAt     TEXT    NOT NULL,
    LeasedUntil  TEXT    NOT NULL,
    FinishedAt   TEXT    NULL
);
-- "Has this labeler had this item?" for the queue's NOT EXISTS probe.
CREATE INDEX IX_assignments_ItemId_LabelerId_Status ON assignments (ItemId, LabelerId, Status);
-- A labeler holds or has finished an item at most once: the database enforces "never twice".
CREATE UNIQUE INDEX UX_assignments_ItemId_LabelerId_Active ON assignments (ItemId, LabelerId) WHERE Status IN ('Leased', 'Done');
CREATE INDEX IX_assignments_LabelerId_ProjectId_Status ON assignments (LabelerId, ProjectId, Status);
CREATE INDEX IX_assignments_ProjectId_Status_LeasedUntil ON assignments (ProjectId, Status, LeasedUntil);

CREATE TABLE labels (
    Id            INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    AssignmentId  INTEGER NOT NULL REFERENCES assignments (Id) ON DELETE CASCADE,
    ProjectId     INTEGER NOT NULL,
    ItemId        INTEGER NOT NULL,
    LabelerId     INTEGER NOT NULL,
    Choice        TEXT    NOT NULL,
    ShownLeft     TEXT    NOT NULL,
    Strength      INTEGER NULL,
    RatingsJson   TEXT    NULL,
    Rationale     TEXT    NULL,
    Seconds       REAL    NOT NULL,
    CreatedAt     TEXT    NOT NULL
);
-- One label per assignment: a repeated submit finds the first one.
CREATE UNIQUE INDEX IX_labels_AssignmentId ON labels (AssignmentId);
CREATE INDEX IX_labels_ProjectId_ItemId ON labels (ProjectId, ItemId);
CREATE INDEX IX_labels_LabelerId_ProjectId_CreatedAt ON labels (LabelerId, ProjectId, CreatedAt);
