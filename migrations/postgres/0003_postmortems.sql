-- Postmortem drafts, every version kept, and where the latest was published in Slack
-- (a channel canvas, or a Markdown file where canvases are unavailable).
CREATE TABLE postmortems (
    id          BIGSERIAL PRIMARY KEY,
    incident_id BIGINT  NOT NULL REFERENCES incidents (id),
    version     BIGINT  NOT NULL,
    markdown    TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    UNIQUE (incident_id, version)
);

CREATE TABLE postmortem_publications (
    incident_id BIGINT  PRIMARY KEY REFERENCES incidents (id),
    kind        TEXT    NOT NULL,
    reference   TEXT    NOT NULL,
    link        TEXT,
    version     BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);
