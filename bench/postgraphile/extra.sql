-- Extra SQL for the PostGraphile side of the benchmark. Apply it to the BENCH database
-- only (never to a database Agora serves in earnest):
--   psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f bench/postgraphile/extra.sql
-- It adds no table, column, index or trigger and changes no row by itself: only
-- functions. Five read-only "computed column" functions, which PostGraphile exposes as
-- fields (Dialogue.title, Dialogue.summary, Workshop.title, Organisation.name, Report.title), each with an
-- optional `lang` argument (default 'en'); two read-only functions for the search
-- scenario (Query.searchTexts, Query.dialogueFacets); and one volatile function, the bulk
-- upsert of the write scenario (Mutation.benchUpsertDialogues).
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

-- (i) The front-end page also shows each dialogue's summary (null when it has none).
CREATE OR REPLACE FUNCTION dialogue_summary(d dialogue, lang text DEFAULT 'en')
RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT (SELECT t.value FROM translation t
          WHERE t.owner_type = 'dialogue' AND t.owner_id = d.id AND t.field = 'summary'
          ORDER BY t.lang = $2 DESC, t.lang = 'en' DESC, t.lang = d.original_lang DESC, t.lang
          LIMIT 1)
$$;

-- (f) Search: the texts that match a tsquery on Agora's own search index (the `tsv` of
-- `search_entry`, GIN-indexed, one entry per text), best first by `ts_rank_cd`, as a
-- PostGraphile schema ranks full-text matches.
CREATE OR REPLACE FUNCTION search_texts(query text)
RETURNS SETOF translation LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT t.* FROM search_entry e JOIN translation t ON t.id = e.text_id
  WHERE e.tsv @@ to_tsquery('simple', $1)
  ORDER BY ts_rank_cd(e.tsv, to_tsquery('simple', $1)) DESC, t.id
$$;

-- (f) Facets of the dialogues by year, country and theme, as Agora counts them (most
-- frequent first, then by value).
CREATE OR REPLACE FUNCTION dialogue_facets()
RETURNS json LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT json_build_object(
    'year', (SELECT json_agg(json_build_object('value', v, 'count', n) ORDER BY n DESC, v)
             FROM (SELECT year::text AS v, count(*) AS n FROM dialogue
                   WHERE deleted_at IS NULL AND year IS NOT NULL GROUP BY year) f),
    'country', (SELECT json_agg(json_build_object('value', v, 'count', n) ORDER BY n DESC, v)
                FROM (SELECT country AS v, count(*) AS n FROM dialogue
                      WHERE deleted_at IS NULL AND country IS NOT NULL GROUP BY country) f),
    'theme', (SELECT json_agg(json_build_object('value', v, 'count', n) ORDER BY n DESC, v)
              FROM (SELECT th.code AS v, count(*) AS n
                    FROM theme_tag tt
                    JOIN dialogue d ON d.id = tt.node_id AND d.deleted_at IS NULL
                    JOIN theme th ON th.id = tt.theme_id
                    WHERE tt.node_type = 'dialogue' GROUP BY th.code) f))
$$;

-- (g) A bulk upsert of dialogues by (partner, external id), with their English titles:
-- `records` is a JSON array of {partner_id, external_id, slug, title, year}. Returns how
-- many records it wrote.
CREATE OR REPLACE FUNCTION bench_upsert_dialogues(records json)
RETURNS integer LANGUAGE sql VOLATILE AS $$
  WITH r AS (
    SELECT * FROM json_to_recordset($1)
      AS x(partner_id bigint, external_id text, slug text, title text, year int)
  ), d AS (
    INSERT INTO dialogue (slug, original_lang, partner_id, external_id, year, version,
                          created_at, updated_at)
    SELECT slug, 'en', partner_id, external_id, year, 1, now(), now() FROM r
    ON CONFLICT (partner_id, external_id) WHERE deleted_at IS NULL
    DO UPDATE SET year = EXCLUDED.year, version = dialogue.version + 1, updated_at = now()
    RETURNING id, external_id
  ), t AS (
    INSERT INTO translation (owner_type, owner_id, field, lang, value, folded)
    SELECT 'dialogue', d.id, 'title', 'en', r.title, lower(r.title)
    FROM d JOIN r USING (external_id)
    ON CONFLICT (owner_type, owner_id, field, lang)
    DO UPDATE SET value = EXCLUDED.value, folded = EXCLUDED.folded
    RETURNING 1
  )
  SELECT count(*)::integer FROM t
$$;
