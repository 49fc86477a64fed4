-- When the update reminder cadence last fired (its slot, or the time it fired after a
-- downtime). A change of role or status reschedules from here rather than from the last
-- update, so it does not fire an unanswered reminder again at once.
ALTER TABLE incidents ADD COLUMN last_reminder_at BIGINT;
