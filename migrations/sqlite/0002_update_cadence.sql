-- The update cadence: when the last formal update was posted, how many reminders
-- went unanswered since, whether a newly assigned commander has yet to acknowledge,
-- and how many postmortem reminders were sent.
ALTER TABLE incidents ADD COLUMN last_update_at INTEGER;
ALTER TABLE incidents ADD COLUMN unanswered_reminders INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN ic_ack_pending_since INTEGER;
ALTER TABLE incidents ADD COLUMN postmortem_reminders INTEGER NOT NULL DEFAULT 0;
