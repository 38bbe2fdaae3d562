-- 0001: accounts, API keys and the one-time setup token.
CREATE TABLE users (
    Id             INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    Email          TEXT    NOT NULL,
    PasswordHash   TEXT    NOT NULL,
    Role           TEXT    NOT NULL,
    IsDisabled     INTEGER NOT NULL DEFAULT 0,
    SecurityStamp  TEXT    NOT NULL,
    CreatedAt      TEXT    NOT NULL,
    LastSignInAt   TEXT    NULL
);
CREATE UNIQUE INDEX IX_users_Email ON users (Email);

CREATE TABLE api_keys (
    Id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    UserId      INTEGER NOT NULL REFERENCES users (Id) ON DELETE CASCADE,
    Name        TEXT    NOT NULL,
    Prefix      TEXT    NOT NULL,
    KeyHash     TEXT    NOT NULL,
    CreatedAt   TEXT    NOT NULL,
    LastUsedAt  TEXT    NULL,
    RevokedAt   TEXT    NULL
);
CREATE UNIQUE INDEX IX_api_keys_KeyHash ON api_keys (KeyHash);
CREATE INDEX IX_api_keys_UserId ON api_keys (UserId);

CREATE TABLE setup_tokens (
    Id         INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    TokenHash  TEXT    NOT NULL,
    CreatedAt  TEXT    NOT NULL,
    ExpiresAt  TEXT    NOT NULL,
    UsedAt     TEXT    NULL
);
CREATE UNIQUE INDEX IX_setup_tokens_TokenHash ON setup_tokens (TokenHash);
