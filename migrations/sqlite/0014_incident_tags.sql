-- Tags a team puts on an incident (`db,eu`), comma-joined; each is lowercase letters,
-- digits and - _ . : only, so no tag holds a comma.
ALTER TABLE incidents ADD COLUMN tags TEXT NOT NULL DEFAULT '';
