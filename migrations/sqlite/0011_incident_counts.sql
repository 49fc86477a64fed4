-- What the insights count per incident (formal updates, late-update reminders,
-- escalations, reopenings), kept as each timeline entry is written, so a report
-- over thousands of incidents reads one row each instead of their whole timelines.
-- Filled from the timelines there are; escalations are warroom's calls for help,
-- not the pages and on-call lines filed under the same kind.
CREATE TABLE incident_counts (
    incident_id INTEGER PRIMARY KEY REFERENCES incidents (id),
    updates     INTEGER NOT NULL DEFAULT 0,
    reminders   INTEGER NOT NULL DEFAULT 0,
    escalations INTEGER NOT NULL DEFAULT 0,
    reopenings  INTEGER NOT NULL DEFAULT 0
);
INSERT INTO incident_counts (incident_id, updates, reminders, escalations, reopenings)
SELECT incident_id,
    SUM(CASE WHEN kind = 'update' THEN 1 ELSE 0 END),
    SUM(CASE WHEN kind = 'reminder' AND text LIKE 'Update reminder%' THEN 1 ELSE 0 END),
    SUM(CASE WHEN kind = 'escalation' AND text NOT LIKE 'Paged %' AND text NOT LIKE 'On call %'
        AND text NOT LIKE 'Closed the pages%' AND text NOT LIKE 'Page to %'
        AND text NOT LIKE 'PagerDuty %' AND text NOT LIKE 'Opsgenie %' THEN 1 ELSE 0 END),
    SUM(CASE WHEN kind = 'reopened' THEN 1 ELSE 0 END)
FROM timeline
WHERE kind IN ('update', 'reminder', 'escalation', 'reopened')
GROUP BY incident_id;
-- Reports pick incidents by when they were declared.
CREATE INDEX incidents_declared ON incidents (declared_at);
