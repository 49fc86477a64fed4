-- Why Slack refused to create the incident's channel (e.g. `restricted_action`), until
-- a later command sets it up again. Announcements say so instead of "being created".
ALTER TABLE incidents ADD COLUMN channel_error TEXT;
