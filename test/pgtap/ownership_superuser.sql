-- The ownership invariants hold for a superuser.
\set actor_role regress_dba
\ir ownership.psql
