-- The incident's type (`security`, `drill`) by its configured key; '' for none.
ALTER TABLE incidents ADD COLUMN kind TEXT NOT NULL DEFAULT '';
