-- Least-privilege roles for Lockstep's PostgreSQL state store (schema `lockstep`).
--
-- 1. As the role that owns the schema (the database owner, say), once and after every
--    Lockstep upgrade:      lockstep state migrate --state postgres://owner@db/lockstep
-- 2. Create the login roles (CREATE ROLE lockstep_app LOGIN PASSWORD '...'; and the same
--    for lockstep_auditor), then run this file as the owner: psql -f grants.sql
-- 3. Run the controller and `lockstep apply` as lockstep_app; `audit verify` and
--    `evidence` as lockstep_auditor.
--
-- The runtime role can add to the journal but not change or remove a record: it has
-- SELECT and INSERT on the journal table only, and a trigger refuses UPDATE, DELETE and
-- TRUNCATE even to the owner until someone drops it. The checkpoint moves with every
-- append (UPDATE); tampering with the two together is what a signing key
-- (Config spec.signing) makes detectable.

GRANT USAGE ON SCHEMA lockstep TO lockstep_app, lockstep_auditor;
GRANT SELECT ON lockstep.schema_version TO lockstep_app, lockstep_auditor;

GRANT SELECT, INSERT ON lockstep.journal TO lockstep_app;
GRANT SELECT, INSERT, UPDATE ON lockstep.journal_checkpoint TO lockstep_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON lockstep.tasks TO lockstep_app;
GRANT SELECT, INSERT, UPDATE ON lockstep.documents TO lockstep_app;
GRANT SELECT, INSERT, UPDATE ON lockstep.hr_events TO lockstep_app;

GRANT SELECT ON lockstep.journal, lockstep.journal_checkpoint TO lockstep_auditor;
