-- Warning storms: when a channel's queue of warning posts backs up, new warnings are
-- listed in one rollup message per channel (edited as more arrive) instead of each
-- waiting for its own post; once the storm has passed, each gets its own message.
-- At most one open rollup per channel, so concurrent alerts join the same one.
CREATE TABLE warning_rollups (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    channel        TEXT    NOT NULL,
    state          TEXT    NOT NULL DEFAULT 'open',
    message_ts     TEXT,
    opened_at      INTEGER  NOT NULL,
    last_joined_at INTEGER  NOT NULL
);
CREATE UNIQUE INDEX warning_rollups_open ON warning_rollups (channel) WHERE state = 'open';
-- A warning listed in a rollup and still owed its own message: which rollup, the
-- notice its message will carry, and when it joined (the rollup's order).
ALTER TABLE warnings ADD COLUMN rollup_id INTEGER;
ALTER TABLE warnings ADD COLUMN rollup_notice TEXT;
ALTER TABLE warnings ADD COLUMN rolled_at INTEGER;
CREATE INDEX warnings_rollup ON warnings (rollup_id, rolled_at);
