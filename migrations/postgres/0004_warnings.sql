-- Proactive warnings: one row per finding key (a certificate, a disk, a budget), with
-- what was last seen, what was last told and when, and who acknowledged, snoozed or
-- declared an incident from it.
CREATE TABLE warnings (
    key            TEXT    PRIMARY KEY,
    watcher        TEXT    NOT NULL,
    level          TEXT    NOT NULL,
    step           BIGINT  NOT NULL DEFAULT 0,
    fingerprint    TEXT,
    finding        TEXT    NOT NULL,
    first_seen     BIGINT  NOT NULL,
    last_seen      BIGINT  NOT NULL,
    notified_level TEXT,
    notified_step  BIGINT  NOT NULL DEFAULT 0,
    notified_at    BIGINT,
    channel        TEXT,
    message_ts     TEXT,
    snoozed_until  BIGINT,
    snoozed_by     TEXT,
    acked_by       TEXT,
    acked_at       BIGINT,
    incident_id    INTEGER
);
CREATE INDEX warnings_watcher ON warnings (watcher, level);
