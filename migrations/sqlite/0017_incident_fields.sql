-- Custom field values (`[[fields]]`) as a JSON object, field key → value.
ALTER TABLE incidents ADD COLUMN fields TEXT NOT NULL DEFAULT '{}';
