-- test/readme/roles.cleanup.sql: the roles the "Roles" snippet made are
-- the cluster's; gone again, whatever the check found.
SET client_min_messages = warning;
DROP OWNED BY forge_app, dashboard, job_service, backup, dba;
DROP ROLE forge_app, dashboard, job_service, backup, dba;
