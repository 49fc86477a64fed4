-- Postmortem drafts, every version kept, and where the latest was published in Slack
-- (a channel canvas, or a Markdown file where canvases are unavailable).
CREATE TABLE postmortems (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    version     INTEGER NOT NULL,
    markdown    TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (incident_id, version)
);

CREATE TABLE postmortem_publications (
    incident_id INTEGER PRIMARY KEY REFERENCES incidents (id),
    kind        TEXT    NOT NULL,
    reference   TEXT    NOT NULL,
    link        TEXT,
    version     INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
