--
-- simd: the ruvector.simd setting and ruvector_simd_info()
--
-- What the CPU supports differs between machines (with or without AVX2 or
-- AVX-512), so this test prints only facts that hold on every machine.
--
\set SHOW_CONTEXT never
\set VERBOSITY default

-- one row per level, in order
SELECT level FROM ruvector_simd_info();
-- scalar is always compiled and supported
SELECT level, compiled, supported FROM ruvector_simd_info() WHERE level = 'scalar';
-- exactly one level is in use; supported implies compiled; supported levels
-- are cumulative (every level below a supported one is supported)
SELECT count(*) FILTER (WHERE in_use) AS levels_in_use,
       count(*) FILTER (WHERE supported AND NOT compiled) AS supported_not_compiled,
       count(*) FILTER (WHERE in_use AND NOT supported) AS in_use_not_supported
  FROM ruvector_simd_info();
SELECT bool_and(supported) AS cumulative
  FROM ruvector_simd_info() WITH ORDINALITY AS i
 WHERE ordinality <= (SELECT max(ordinality) FROM ruvector_simd_info() WITH ORDINALITY AS j
                       WHERE j.supported);
-- every compiled level names the instructions of its kernels; the avx512
-- level has its own version of every kernel (none borrowed from avx2)
SELECT level, kernels FROM ruvector_simd_info() WHERE level = 'scalar';
SELECT count(*) FILTER (WHERE compiled AND kernels IS NULL) AS compiled_without_kernels,
       count(*) FILTER (WHERE NOT compiled AND kernels IS NOT NULL) AS kernels_not_compiled,
       coalesce(bool_and(kernels NOT LIKE '%avx2%' AND kernels LIKE '%dot_sq8_batch%'
                         AND kernels LIKE '%dot_sq4_batch%' AND kernels LIKE '%dot_multi%')
                FILTER (WHERE level = 'avx512' AND compiled), true) AS avx512_all_own
  FROM ruvector_simd_info();

-- the default is auto, which uses the best supported level
SHOW ruvector.simd;
CREATE FUNCTION pg_temp.in_use() RETURNS text LANGUAGE sql AS
  $$ SELECT string_agg(level, ',') FROM ruvector_simd_info() WHERE in_use $$;
CREATE FUNCTION pg_temp.best() RETURNS text LANGUAGE sql AS
  $$ SELECT level FROM ruvector_simd_info() WITH ORDINALITY
      WHERE supported ORDER BY ordinality DESC LIMIT 1 $$;
SELECT pg_temp.in_use() = pg_temp.best() AS auto_uses_best;

-- scalar can always be chosen
SET ruvector.simd = scalar;
SHOW ruvector.simd;
SELECT pg_temp.in_use();
SELECT level, in_use FROM ruvector_simd_info() WHERE level = 'scalar';
-- RESET goes back to the best supported level
RESET ruvector.simd;
SHOW ruvector.simd;
SELECT pg_temp.in_use() = pg_temp.best() AS reset_uses_best;
SET ruvector.simd = scalar;
SET ruvector.simd = auto;
SELECT pg_temp.in_use() = pg_temp.best() AS auto_uses_best;
SET ruvector.simd = 'SCALAR';
SELECT pg_temp.in_use();

-- every supported level can be chosen, and is then the one in use
RESET ruvector.simd;
DO $$
DECLARE
	r record;
BEGIN
	FOR r IN SELECT level FROM ruvector_simd_info() WHERE supported LOOP
		PERFORM set_config('ruvector.simd', r.level, false);
		IF current_setting('ruvector.simd') <> r.level OR pg_temp.in_use() <> r.level THEN
			RAISE EXCEPTION 'level % chosen, but % shows and % is in use',
				r.level, current_setting('ruvector.simd'), pg_temp.in_use();
		END IF;
	END LOOP;
	RAISE NOTICE 'every supported level can be chosen';
END
$$;
RESET ruvector.simd;

-- a level the CPU lacks is refused with SQLSTATE 0A000, and changes nothing
SET ruvector.simd = scalar;
DO $$
DECLARE
	r record;
	failed boolean;
BEGIN
	FOR r IN SELECT level FROM ruvector_simd_info() WHERE NOT supported LOOP
		failed := false;
		BEGIN
			PERFORM set_config('ruvector.simd', r.level, false);
		EXCEPTION WHEN OTHERS THEN
			failed := true;
			IF SQLSTATE <> '0A000' THEN
				RAISE EXCEPTION 'level %: SQLSTATE % (%), expected 0A000', r.level, SQLSTATE, SQLERRM;
			END IF;
		END;
		IF NOT failed THEN
			RAISE EXCEPTION 'unsupported level % was accepted', r.level;
		END IF;
		IF current_setting('ruvector.simd') <> 'scalar' OR pg_temp.in_use() <> 'scalar' THEN
			RAISE EXCEPTION 'refusing level % changed the setting to % (in use: %)',
				r.level, current_setting('ruvector.simd'), pg_temp.in_use();
		END IF;
	END LOOP;
	RAISE NOTICE 'every unsupported level is refused';
END
$$;
SHOW ruvector.simd;
RESET ruvector.simd;

-- SET LOCAL is undone at the end of the transaction, also by ROLLBACK
BEGIN;
SET LOCAL ruvector.simd = scalar;
SELECT pg_temp.in_use();
ROLLBACK;
SHOW ruvector.simd;
SELECT pg_temp.in_use() = pg_temp.best() AS back_to_best;
BEGIN;
SET LOCAL ruvector.simd = scalar;
SELECT pg_temp.in_use();
COMMIT;
SELECT pg_temp.in_use() = pg_temp.best() AS back_to_best;
-- a function's SET clause applies while it runs
CREATE FUNCTION pg_temp.in_use_scalar() RETURNS text LANGUAGE sql
  SET ruvector.simd = scalar AS $$ SELECT pg_temp.in_use() $$;
SELECT pg_temp.in_use_scalar();
SELECT pg_temp.in_use() = pg_temp.best() AS back_to_best;

-- an invalid value: SQLSTATE 22023
SET ruvector.simd = foo;
SET ruvector.simd = '';
DO $$
BEGIN
	SET ruvector.simd = foo;
EXCEPTION WHEN OTHERS THEN
	RAISE NOTICE 'SQLSTATE %: %', SQLSTATE, SQLERRM;
END
$$;
SHOW ruvector.simd;
-- an unknown ruvector.* parameter is refused too (the prefix is reserved)
SET ruvector.nonexistent = 1;

-- only superusers may set it: SQLSTATE 42501
SET client_min_messages = warning;
DROP ROLE IF EXISTS regress_ruvector_user;
RESET client_min_messages;
CREATE ROLE regress_ruvector_user;
SET ROLE regress_ruvector_user;
SHOW ruvector.simd;
SELECT count(*) AS levels FROM ruvector_simd_info();
SET ruvector.simd = scalar;
RESET ruvector.simd;
DO $$
BEGIN
	SET ruvector.simd = scalar;
EXCEPTION WHEN OTHERS THEN
	RAISE NOTICE 'SQLSTATE %: %', SQLSTATE, SQLERRM;
END
$$;
SELECT pg_temp.in_use() = pg_temp.best() AS unchanged;
RESET ROLE;
DROP ROLE regress_ruvector_user;
