-- What people wait for (answers, headlines, announcements, reminders, warnings) goes
-- before normal work, and cosmetic calls (topics) last, when the queue is long.
-- 0: people wait for it, 1: normal, 2: cosmetic.
ALTER TABLE jobs ADD COLUMN priority INTEGER NOT NULL DEFAULT 1;
CREATE INDEX jobs_claim ON jobs (state, priority, run_at, id);
