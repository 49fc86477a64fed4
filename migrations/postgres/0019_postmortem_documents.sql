-- Where a postmortem is kept outside Slack: a pull request in the team's repository
-- or a Confluence page, one row per incident and place. `version` is the draft version
-- the place holds; `remote_version` the page version warroom last wrote (a page whose
-- version is past it was edited by people, and is never overwritten: warroom's draft
-- goes to the `alternate` page beside it); `reviewed` the blame findings already left
-- as review comments; `merged_at` set when the pull request was merged.
CREATE TABLE postmortem_documents (
    incident_id BIGINT NOT NULL REFERENCES incidents (id),
    target      TEXT    NOT NULL,
    place       TEXT    NOT NULL,
    reference   TEXT,
    link        TEXT,
    version     BIGINT NOT NULL DEFAULT 0,
    reviewed    TEXT    NOT NULL DEFAULT '',
    remote_version BIGINT NOT NULL DEFAULT 0,
    alternate   TEXT,
    alternate_link TEXT,
    merged_at   BIGINT,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (incident_id, target)
);
CREATE INDEX postmortem_documents_remote ON postmortem_documents (target, place, reference);
