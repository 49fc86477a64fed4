-- The incident core: incidents, roles, timeline, action items, the durable jobs
-- queue, processed Slack event IDs and a small key-value cache.
-- Times are milliseconds since the Unix epoch, UTC.

CREATE TABLE incidents (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    title              TEXT    NOT NULL,
    description        TEXT,
    severity           INTEGER NOT NULL,
    status             TEXT    NOT NULL,
    private            INTEGER NOT NULL DEFAULT 0,
    team_id            TEXT,
    origin_channel_id  TEXT,
    channel_id         TEXT UNIQUE,
    channel_name       TEXT,
    headline_ts        TEXT,
    declared_by        TEXT    NOT NULL,
    declared_at        INTEGER NOT NULL,
    acknowledged_at    INTEGER,
    identified_at      INTEGER,
    mitigated_at       INTEGER,
    resolved_at        INTEGER,
    impact_started_at  INTEGER,
    impact             TEXT,
    impact_ppm         INTEGER,
    summary            TEXT,
    services           TEXT    NOT NULL DEFAULT '',
    source             TEXT,
    postmortem_done_at INTEGER,
    version            INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX incidents_status ON incidents (status);

CREATE TABLE incident_roles (
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    role        TEXT    NOT NULL,
    user_id     TEXT    NOT NULL,
    assigned_at INTEGER NOT NULL,
    PRIMARY KEY (incident_id, role, user_id)
);

CREATE TABLE timeline (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    at          INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    text        TEXT    NOT NULL,
    source_key  TEXT,
    recorded_at INTEGER NOT NULL
);
CREATE INDEX timeline_incident ON timeline (incident_id, at, id);
-- One entry per source message (pinned and reacted to counts once; redeliveries too).
CREATE UNIQUE INDEX timeline_source ON timeline (incident_id, source_key);

CREATE TABLE action_items (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    seq         INTEGER NOT NULL,
    text        TEXT    NOT NULL,
    owner       TEXT,
    priority    TEXT,
    due         TEXT,
    status      TEXT    NOT NULL DEFAULT 'open',
    created_by  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    done_at     INTEGER,
    UNIQUE (incident_id, seq)
);

CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT    NOT NULL,
    queue        TEXT,
    payload      TEXT    NOT NULL,
    state        TEXT    NOT NULL DEFAULT 'pending',
    run_at       INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER,
    locked_by    TEXT,
    last_error   TEXT,
    dedupe_key   TEXT,
    created_at   INTEGER NOT NULL,
    finished_at  INTEGER
);
CREATE INDEX jobs_due ON jobs (state, run_at);
CREATE INDEX jobs_queue ON jobs (queue, state, id);
CREATE UNIQUE INDEX jobs_dedupe ON jobs (dedupe_key) WHERE state = 'pending';

CREATE TABLE processed_events (
    event_id    TEXT    PRIMARY KEY,
    received_at INTEGER NOT NULL
);

CREATE TABLE kv (
    key        TEXT    PRIMARY KEY,
    value      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);
