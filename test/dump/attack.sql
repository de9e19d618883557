-- test/dump/attack.sql: the restore path (src/restore.c) lets rows in
-- unchecked only for a superuser's COPY ... FROM STDIN into the table
-- itself.  Every other way in still meets the guards.  Run by test/dump/run
-- as the superuser on its source forge, where regress_dump_app is the
-- forge's application role; output compared with attack.out.
\set VERBOSITY terse
SELECT count(*) AS runners, (SELECT count(*) FROM runner_policy.ci_runner_projects) AS links
  FROM runner_policy.ci_runners;

-- The application role, subject to row-level security, cannot COPY FROM at
-- all (PostgreSQL's own rule).
SET ROLE regress_dump_app;
SELECT runner_policy.act_as(1, false);
COPY runner_policy.ci_runners (id, runner_type, sharding_key_id) FROM STDIN;
2001	3	424242
\.
RESET ROLE;

-- A role that bypasses row-level security, with every table privilege, but
-- no superuser: its COPY FROM STDIN meets every guard.
CREATE ROLE regress_dump_bypass BYPASSRLS;
GRANT USAGE ON SCHEMA runner_policy TO regress_dump_bypass;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA runner_policy TO regress_dump_bypass;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA runner_policy TO regress_dump_bypass;
SET ROLE regress_dump_bypass;
-- a project runner whose owner does not exist
COPY runner_policy.ci_runners (id, runner_type, sharding_key_id) FROM STDIN;
2001	3	424242
\.
-- a runner token digest of its choosing
COPY runner_policy.ci_runners (id, runner_type, sharding_key_id, token_digest) FROM STDIN;
2002	3	100	\\x00
\.
-- a second namespace link for a group runner, a project link for one
COPY runner_policy.ci_runner_namespaces (runner_id, namespace_id) FROM STDIN;
1001	10
\.
COPY runner_policy.ci_runner_projects (runner_id, project_id) FROM STDIN;
1001	100
\.
-- a group whose path it makes up: recomputed from its parent
BEGIN;
COPY runner_policy.namespaces (id, parent_id, name, traversal_ids) FROM STDIN;
2003	12	squat	{1,2,3}
\.
SELECT traversal_ids FROM runner_policy.namespaces WHERE id = 2003;
ROLLBACK;
-- INSERT ... SELECT is no COPY
INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id)
SELECT 2004, 3, 424242;
-- a runner registered by COPY still gets its owner link, made by the trigger
BEGIN;
COPY runner_policy.ci_runners (id, runner_type, sharding_key_id) FROM STDIN;
2005	3	100
\.
SELECT runner_id, project_id FROM runner_policy.ci_runner_projects WHERE runner_id = 2005;
ROLLBACK;
RESET ROLE;

-- The superuser, but not by COPY FROM STDIN: an INSERT, a COPY from a
-- program (or a file), a function it owns.
INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id) VALUES (2006, 3, 424242);
COPY runner_policy.ci_runners (id, runner_type, sharding_key_id) FROM PROGRAM 'echo 2007,3,424242' (FORMAT csv);
CREATE FUNCTION pg_temp.register(bigint) RETURNS void LANGUAGE sql SECURITY DEFINER
	AS $$ INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id) VALUES ($1, 3, 424242) $$;
SELECT pg_temp.register(2008);
-- the COPY is into ci_runners; rows another trigger writes elsewhere during
-- it are checked
CREATE FUNCTION pg_temp.side_link() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (1001, 100);
	RETURN NEW;
END $$;
BEGIN;
CREATE TRIGGER side_link AFTER INSERT ON runner_policy.ci_runners
	FOR EACH ROW EXECUTE FUNCTION pg_temp.side_link();
COPY runner_policy.ci_runners (id, runner_type, sharding_key_id) FROM STDIN;
2009	1	\N
\.
ROLLBACK;

-- The superuser's COPY FROM STDIN loads rows as they are, as a restore
-- needs (and as session_replication_role = replica would); what it loads
-- wrong, check_invariants() reports.
BEGIN;
COPY runner_policy.ci_runners (id, runner_type, sharding_key_id) FROM STDIN;
2010	3	424242
\.
SELECT invariant, object_id FROM runner_policy.check_invariants();
ROLLBACK;

-- nothing above changed the forge
SELECT count(*) AS runners, (SELECT count(*) FROM runner_policy.ci_runner_projects) AS links
  FROM runner_policy.ci_runners;
SELECT count(*) AS broken FROM runner_policy.check_invariants();
SELECT runner_policy.reset_actor();
