-- test/readme/roles.cleanup.sql: the roles the "Roles" snippet made are
-- the cluster's; gone again, whatever the check found.  One role at a
-- time, so that a role the snippet never made stops no other's removal.
SET client_min_messages = warning;
DROP OWNED BY forge_app;
DROP ROLE forge_app;
DROP OWNED BY dashboard;
DROP ROLE dashboard;
DROP OWNED BY job_service;
DROP ROLE job_service;
DROP OWNED BY backup;
DROP ROLE backup;
DROP OWNED BY dba;
DROP ROLE dba;
