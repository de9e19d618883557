/*
 * bench/integrity.sql: after bench/data.sql loaded runners, links and jobs
 * with triggers off, every foreign key of the extension's tables must hold
 * (the triggers that check them did not fire).  Prints one line per foreign
 * key that does not, "fk|table|constraint|rows"; none when sound.  bench/run
 * also requires check_invariants() to be empty.
 */
\set ON_ERROR_STOP 1
SELECT format('SELECT %L, %L, %L, count(*) FROM %s c WHERE %s AND NOT EXISTS (SELECT FROM %s p WHERE %s) HAVING count(*) > 0',
			  'fk', con.conrelid::regclass, con.conname, con.conrelid::regclass,
			  string_agg(format('c.%I IS NOT NULL', a.attname), ' AND '),
			  con.confrelid::regclass,
			  string_agg(format('p.%I = c.%I', fa.attname, a.attname), ' AND '))
  FROM pg_constraint con
 CROSS JOIN LATERAL unnest(con.conkey, con.confkey) AS k (attnum, fattnum)
  JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
  JOIN pg_attribute fa ON fa.attrelid = con.confrelid AND fa.attnum = k.fattnum
 WHERE con.contype = 'f'
   AND con.connamespace = 'runner_policy'::regnamespace
 GROUP BY con.oid, con.conrelid, con.conname, con.confrelid
 ORDER BY 1
\gexec
