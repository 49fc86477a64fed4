-- Severities are configured (`[[severities]]`), so an incident keeps its level's key
-- (`sev2`), not a number: adding SEV0 above SEV1 must not move existing incidents.
-- Rows written before hold 1..4, the seed's SEV1..SEV4.
ALTER TABLE incidents ADD COLUMN severity_key TEXT NOT NULL DEFAULT '';
UPDATE incidents SET severity_key = 'sev' || severity;
ALTER TABLE incidents DROP COLUMN severity;
ALTER TABLE incidents RENAME COLUMN severity_key TO severity;
