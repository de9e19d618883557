-- test/readme/first_users.sql: after "The first admin user" ran as
-- printed, the admin the superuser made, and the user it made as that
-- admin.
SELECT id, username, admin FROM runner_policy.users ORDER BY id;
