-- The floor of the bulk upsert on PostgreSQL: what one batch's writes cost the database
-- alone, with no client, no server and no parameters, so that no server can be faster.
--
-- Run it on a scratch database filled by `agora generate --scale 1` (it adds 500
-- dialogues, then changes them: their versions, titles and feed):
--   psql "$URL" -f bench/floor/upsert.sql
--
-- A batch here is what Agora's `sync` writes for 500 changed dialogues (the bench's
-- `upsert` scenario), with statements of the same kind (the same upserts on the same
-- conflicts, one statement per table), their values read from tables rather than sent,
-- in one transaction, committed:
--   rows:             the 500 rows, upserted by id (their version and update time change);
--   rows+texts:       and their English titles, upserted (the search index's trigger
--                     rewrites the titles' search entries);
--   rows+texts+feed:  and 500 changes in the feed, each with what changed.
-- One PL/pgSQL loop runs 20 batches of each, in two rounds, after a VACUUM ANALYZE of
-- the four tables. Each batch leaves 500 dead rows in each, which autovacuum (waking once
-- a minute) does not remove while the loop runs: the second round pays for them. The
-- statements are planned once. It prints milliseconds per batch: the floor of a writer
-- that holds the write lock for the whole batch, as Agora's writes do (serialised, for
-- the order of the feed).
\set ON_ERROR_STOP on
-- The bench's records: 500 dialogues of one partner, by external id, with a slug, a
-- year, a language and an English title (made once; a second run reuses them).
INSERT INTO dialogue (slug, year, original_lang, partner_id, external_id, version,
    created_at, updated_at)
  SELECT format('floor-%s', i), 2020, 'en', o.id, format('floor-%s', i), 1, now(), now()
  FROM generate_series(0, 499) i, (SELECT min(id) AS id FROM organisation) o
ON CONFLICT DO NOTHING;
CREATE TEMP TABLE floor_rows AS
  SELECT id FROM dialogue WHERE external_id LIKE 'floor-%' ORDER BY id;
INSERT INTO translation (owner_type, owner_id, field, lang, value, folded, stems)
  SELECT 'dialogue', id, 'title', 'en', format('Floor dialogue %s', id),
    format('floor dialogue %s', id), format('floor dialogu %s', id)
  FROM floor_rows
ON CONFLICT DO NOTHING;
VACUUM ANALYZE dialogue, translation, search_entry, change;
ANALYZE floor_rows;

DO $$
DECLARE
  batches constant int := 20;
  variant text;
  round_no int;
  t0 timestamptz;
  n bigint := 0;
BEGIN
  FOR round_no IN 1..2 LOOP
    FOREACH variant IN ARRAY ARRAY['rows', 'rows+texts', 'rows+texts+feed'] LOOP
      t0 := clock_timestamp();
      FOR i IN 1..batches LOOP
        n := n + 1;
        INSERT INTO dialogue (id, slug, series_id, start_date, end_date, year, month, city,
            country, website, webcast_url, original_lang, source_url, source_document,
            partner_id, external_id, version, created_at, updated_at, deleted_at)
          SELECT d.id, d.slug, d.series_id, d.start_date, d.end_date, d.year, d.month,
            d.city, d.country, d.website, d.webcast_url, d.original_lang, d.source_url,
            d.source_document, d.partner_id, d.external_id, d.version + 1, d.created_at,
            now(), d.deleted_at
          FROM dialogue d JOIN floor_rows f USING (id)
        ON CONFLICT (id) DO UPDATE
          SET version = excluded.version, updated_at = excluded.updated_at;
        IF variant <> 'rows' THEN
          INSERT INTO translation (owner_type, owner_id, field, lang, value, folded, stems,
              source_url)
            SELECT 'dialogue', f.id, 'title', 'en',
              format('Floor dialogue %s (%s)', f.id, n),
              format('floor dialogue %s (%s)', f.id, n),
              format('floor dialogu %s %s', f.id, n), NULL
            FROM floor_rows f
          ON CONFLICT (owner_type, owner_id, field, lang) DO UPDATE
            SET value = excluded.value, folded = excluded.folded, stems = excluded.stems,
              source_url = excluded.source_url;
        END IF;
        IF variant = 'rows+texts+feed' THEN
          INSERT INTO change (occurred_at, op, node_type, node_id, external_id, partner_id,
              version, before, after)
            SELECT now(), 'update', 'dialogue', d.id, d.external_id, d.partner_id, d.version,
              json_build_object('columns', '{}'::json, 'texts', json_build_object('title',
                json_build_object('en', format('Floor dialogue %s (%s)', d.id, n - 1))))::text,
              json_build_object('columns', '{}'::json, 'texts', json_build_object('title',
                json_build_object('en', format('Floor dialogue %s (%s)', d.id, n))))::text
            FROM dialogue d JOIN floor_rows f USING (id);
        END IF;
        COMMIT;
      END LOOP;
      RAISE NOTICE 'round %, %: % ms per batch of 500', round_no, variant,
        round((extract(epoch FROM clock_timestamp() - t0) * 1000 / batches)::numeric, 1);
    END LOOP;
  END LOOP;
END $$;
