-- 0006: sign-ins the server can end (sign-out, a password change, an admin's action), and
-- sign-in throttling per email address whether or not an account has it, so a lockout says
-- nothing about which addresses exist. The old per-user lockout columns go.
CREATE TABLE user_sessions (
    Id         TEXT    NOT NULL PRIMARY KEY,
    UserId     INTEGER NOT NULL REFERENCES users (Id) ON DELETE CASCADE,
    CreatedAt  TEXT    NOT NULL,
    EndedAt    TEXT    NULL
);
CREATE INDEX IX_user_sessions_UserId ON user_sessions (UserId);

CREATE TABLE sign_in_throttle (
    EmailHash    TEXT    NOT NULL PRIMARY KEY,
    Attempts     INTEGER NOT NULL,
    LockedUntil  TEXT    NULL,
    UpdatedAt    TEXT    NOT NULL
);

ALTER TABLE users DROP COLUMN FailedSignInCount;
ALTER TABLE users DROP COLUMN LockoutEndsAt;
