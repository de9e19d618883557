#!/usr/bin/env bash
# test/citus/reads.sh: prints the SQL of the read matrix: twelve actors,
# each in its own transaction block (the README's pattern), reading every
# table and view of the forge.  One line per actor and relation:
#   actor|relation|rows|md5 of the sorted rows
# The tokens come in as psql variables (instance_token, job_token,
# xjob_token, prunner_token, irunner_token), different in each database.
set -euo pipefail

actors=(
	"admin|SELECT runner_policy.act_as(1)"
	"auditor|SELECT runner_policy.act_as(2)"
	"maintainer|SELECT runner_policy.act_as(3)"
	"developer|SELECT runner_policy.act_as(4)"
	"group_owner|SELECT runner_policy.act_as(5)"
	"no_memberships|SELECT runner_policy.act_as(6)"
	"many_projects|SELECT runner_policy.act_as(7)"
	"instance_token|SELECT runner_policy.authenticate(:'instance_token')"
	"job_token|SELECT runner_policy.authenticate(:'job_token')"
	"extended_job_token|SELECT runner_policy.authenticate(:'xjob_token')"
	"project_runner|SELECT runner_policy.authenticate(:'prunner_token')"
	"instance_runner|SELECT runner_policy.authenticate(:'irunner_token')"
)
relations=(
	"ci_runners|SELECT id, runner_type, sharding_key_id, description, locked, linked_project_ids FROM runner_policy.ci_runners"
	"ci_runner_projects|SELECT runner_id, project_id, owner_project_id FROM runner_policy.ci_runner_projects"
	"ci_runner_namespaces|SELECT runner_id, namespace_id FROM runner_policy.ci_runner_namespaces"
	"ci_builds|SELECT id, project_id, runner_id, user_id, status FROM runner_policy.ci_builds"
	"runner_queue_status|SELECT runner_id, runner_type, description, online, running_jobs, pending_jobs FROM runner_policy.runner_queue_status"
	"runner_ownership|SELECT runner_id, owner_type, owner_id, owner_name, linked_projects, created_by FROM runner_policy.runner_ownership"
	"projects|SELECT id, namespace_id, name, visibility, shared_runners_enabled FROM runner_policy.projects"
	"namespaces|SELECT id, parent_id, name, visibility, traversal_ids FROM runner_policy.namespaces"
	"users|SELECT id, username, admin, auditor, state FROM runner_policy.users"
	"project_members|SELECT project_id, user_id, access_level FROM runner_policy.project_members"
	"group_members|SELECT namespace_id, user_id, access_level FROM runner_policy.group_members"
	"ci_job_token_scope_links|SELECT source_project_id, target_project_id FROM runner_policy.ci_job_token_scope_links"
	"tokens|SELECT id, kind, user_id, job_id, scopes FROM runner_policy.tokens"
	"audit_log|SELECT object_type, action, CASE WHEN object_type IN ('runner_project_link', 'runner_namespace_link') THEN NULL ELSE object_id END, actor_kind, actor_user_id, db_role, object_deleted FROM runner_policy.cluster_audit_log('-infinity')"
	"authorize|SELECT p.id, s.scope, runner_policy.authorize(p.id, s.scope) FROM (VALUES (100), (101), (102), (103), (104), (1000)) p (id), (VALUES ('read_api'), ('api'), ('write_registry')) s (scope)"
)

echo '\set ON_ERROR_STOP 0'
echo 'SET client_min_messages = error;'
for a in "${actors[@]}"; do
	label=${a%%|*}
	echo "BEGIN;"
	echo "${a#*|} \\g /dev/null"
	for r in "${relations[@]}"; do
		rel=${r%%|*}
		echo "SELECT '$label|$rel|' || count(*) || '|' || md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) FROM (${r#*|}) x;"
	done
	echo "COMMIT;"
done
