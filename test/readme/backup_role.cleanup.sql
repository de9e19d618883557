-- test/readme/backup_role.cleanup.sql: the role the "The backup role"
-- snippet made is the cluster's; gone again, whatever the check found.
SET client_min_messages = warning;
DROP ROLE IF EXISTS backup;
