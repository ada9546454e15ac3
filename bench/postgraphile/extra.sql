-- Extra SQL for the PostGraphile side of the benchmark. Apply it to the BENCH database
-- only (never to a database Agora serves in earnest):
--   psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f bench/postgraphile/extra.sql
-- It adds no table, column, index or trigger and changes no row: only four read-only
-- "computed column" functions, which PostGraphile exposes as fields
-- (Dialogue.title, Workshop.title, Organisation.name, Report.title), each with an
-- optional `lang` argument (default 'en').
--
-- Why: texts live in the polymorphic `translation` table, keyed by
-- (owner_type, owner_id, field, lang) without a foreign key (owner_id points at a
-- different table for each owner_type), so PostGraphile sees no relation to it.
--
-- Each function follows Agora's fallback chain (src/graphql/i18n.rs): the language asked
-- for, else English, else the record's original language, else the first language by
-- code. They are LANGUAGE sql STABLE: PostgreSQL does not inline a scalar function whose
-- body has a subquery, so each runs once per row, with its plan cached for the statement
-- (an index lookup on uq_translation_owner_type_owner_id_field_lang). This is the
-- ordinary PostGraphile way to reach such data ("computed columns").
-- ($2 rather than the parameter's name: a column named `lang` would shadow it.)

CREATE OR REPLACE FUNCTION dialogue_title(d dialogue, lang text DEFAULT 'en')
RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT (SELECT t.value FROM translation t
          WHERE t.owner_type = 'dialogue' AND t.owner_id = d.id AND t.field = 'title'
          ORDER BY t.lang = $2 DESC, t.lang = 'en' DESC, t.lang = d.original_lang DESC, t.lang
          LIMIT 1)
$$;

CREATE OR REPLACE FUNCTION workshop_title(w workshop, lang text DEFAULT 'en')
RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT (SELECT t.value FROM translation t
          WHERE t.owner_type = 'workshop' AND t.owner_id = w.id AND t.field = 'title'
          ORDER BY t.lang = $2 DESC, t.lang = 'en' DESC, t.lang = w.original_lang DESC, t.lang
          LIMIT 1)
$$;

CREATE OR REPLACE FUNCTION organisation_name(o organisation, lang text DEFAULT 'en')
RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT (SELECT t.value FROM translation t
          WHERE t.owner_type = 'organisation' AND t.owner_id = o.id AND t.field = 'name'
          ORDER BY t.lang = $2 DESC, t.lang = 'en' DESC, t.lang = o.original_lang DESC, t.lang
          LIMIT 1)
$$;

CREATE OR REPLACE FUNCTION report_title(r report, lang text DEFAULT 'en')
RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT (SELECT t.value FROM translation t
          WHERE t.owner_type = 'report' AND t.owner_id = r.id AND t.field = 'title'
          ORDER BY t.lang = $2 DESC, t.lang = 'en' DESC, t.lang = r.original_lang DESC, t.lang
          LIMIT 1)
$$;
