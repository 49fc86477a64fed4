-- Tickets in the team's tracker (Jira, GitHub), one per subject: the incident itself
-- or one of its action items. The row is written before the first create is tried
-- (ticket_key NULL until the tracker answers), so a create that may have gone
-- through unanswered is looked for before it is tried again. `closed`, `assignee`
-- and `due` are the ticket as warroom last knew it: a webhook or a poll that finds
-- them changed is a change made in the tracker, and the action item follows it.
CREATE TABLE tickets (
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    subject     TEXT    NOT NULL,
    tracker     TEXT    NOT NULL,
    project     TEXT    NOT NULL,
    ticket_key  TEXT,
    url         TEXT,
    state       TEXT    NOT NULL DEFAULT '',
    closed      INTEGER NOT NULL DEFAULT 0,
    assignee    TEXT,
    due         TEXT,
    fingerprint TEXT    NOT NULL DEFAULT '',
    comments    TEXT    NOT NULL DEFAULT '',
    started_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (incident_id, subject)
);
CREATE UNIQUE INDEX tickets_remote ON tickets (tracker, project, ticket_key);
