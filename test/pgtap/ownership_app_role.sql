-- The ownership invariants hold for the forge's application role, which has
-- ordinary table privileges and nothing else.
\set actor_role regress_forge_app
\ir ownership.psql
