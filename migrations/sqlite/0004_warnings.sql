-- Proactive warnings: one row per finding key (a certificate, a disk, a budget), with
-- what was last seen, what was last told and when, and who acknowledged, snoozed or
-- declared an incident from it.
CREATE TABLE warnings (
    key            TEXT    PRIMARY KEY,
    watcher        TEXT    NOT NULL,
    level          TEXT    NOT NULL,
    step           INTEGER NOT NULL DEFAULT 0,
    fingerprint    TEXT,
    finding        TEXT    NOT NULL,
    first_seen     INTEGER NOT NULL,
    last_seen      INTEGER NOT NULL,
    notified_level TEXT,
    notified_step  INTEGER NOT NULL DEFAULT 0,
    notified_at    INTEGER,
    channel        TEXT,
    message_ts     TEXT,
    snoozed_until  INTEGER,
    snoozed_by     TEXT,
    acked_by       TEXT,
    acked_at       INTEGER,
    incident_id    INTEGER
);
CREATE INDEX warnings_watcher ON warnings (watcher, level);
