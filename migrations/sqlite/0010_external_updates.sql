-- What customers were told: each external update exactly as published (plain text,
-- its public status and component states), and the Statuspage incident each warroom
-- incident became (kept before anything else is sent, so a retry updates it rather
-- than creating a second one).
CREATE TABLE external_updates (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    status      TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    components  TEXT    NOT NULL DEFAULT '',
    posted_by   TEXT    NOT NULL,
    posted_at   INTEGER NOT NULL
);
CREATE INDEX external_updates_incident ON external_updates (incident_id, id);
CREATE INDEX external_updates_posted ON external_updates (posted_at);

CREATE TABLE statuspage_incidents (
    incident_id      INTEGER PRIMARY KEY REFERENCES incidents (id),
    page_incident_id TEXT    NOT NULL,
    created_at       INTEGER NOT NULL
);
