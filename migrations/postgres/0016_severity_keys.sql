-- Severities are configured (`[[severities]]`), so an incident keeps its level's key
-- (`sev2`), not a number: adding SEV0 above SEV1 must not move existing incidents.
-- Rows written before hold 1..4, the seed's SEV1..SEV4.
ALTER TABLE incidents ALTER COLUMN severity TYPE TEXT USING 'sev' || severity::text;
