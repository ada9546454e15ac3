//! Search in SQL: FTS5 on SQLite, `tsvector` on PostgreSQL, behind one set of functions.
//!
//! The index (`search_entry`, see the migration `m20261208_000011_search_entries`) is read
//! in its own order, best entries first: a page of results reads about as many entries as
//! it shows, whatever the number of matches. Records whose name, title or identifier
//! equals the query (or, for UN symbols, begins with it up to a `/`) come first.

use std::collections::BTreeSet;

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, FromQueryResult, Statement, Value,
    sea_query::{
        Alias, Condition, Expr, ExprTrait, JoinType, Order, PostgresQueryBuilder, Query,
        SelectStatement,
        extension::postgres::{PostgresSelectStatementExt, SampleMethod},
    },
};
use serde_json::{Map, Value as Json};

use crate::{
    error::{Error, Result},
    graphql::i18n::fold,
    repo::{
        col,
        node::{NodeType, column as node_column},
        page::in_ids,
        text::column::{ID, LANG, STEMS, VALUE},
    },
    search::{
        analysis::{STEMMED, SearchQuery, Term, stem, stems, variants},
        keys::{self, Key, WEIGHT_SHIFT},
    },
};

/// The index's table.
const ENTRY: &str = table!(search_entry);
/// Its columns.
const ENTRY_ID: &str = column_name!(search_entry.id);
const OWNER_TYPE: &str = column_name!(search_entry.owner_type);
const OWNER_ID: &str = column_name!(search_entry.owner_id);
const ENTRY_LANG: &str = column_name!(search_entry.lang);
const TEXT_ID: &str = column_name!(search_entry.text_id);
const EXACT: &str = column_name!(search_entry.exact);
/// PostgreSQL's search vector of an entry (not a field of the entity).
const TSV: &str = "tsv";
/// What begins each folded word in PostgreSQL's search vector, apart from the stems.
const FOLDED: &str = "0";
/// An entry's band in PostgreSQL's search vector: its id's weight in steps of 32, as
/// the lexeme `~<band>`.
const BAND_SHIFT: u32 = WEIGHT_SHIFT + 5;
/// How many bits of an entry's id (its last) choose its bucket within its band: the
/// lexeme `~<band>.<bucket>` of PostgreSQL's search vector (see the migration
/// `m20261212_000015_search_vector_buckets`).
const BUCKET_BITS: u32 = 6;
/// Where PostgreSQL's rank of an entry holds its band (see [`rank`]).
const RANK_BAND_SHIFT: u32 = BAND_SHIFT + BUCKET_BITS;
/// SQLite's full-text index of the entries: a contentless FTS5 table whose rowid is the
/// entry's id.
const FTS: &str = "search_fts";
/// SQLite's view of how many entries hold each word of the FTS5 index.
const VOCAB: &str = "search_vocab";

/// What an exact match adds to a record's score, so that it ranks before any other.
const EXACT_MATCH: i64 = 1 << 60;

/// Up to this many matching entries of the index, `count` is exact; above, it estimates.
pub const EXACT_COUNT_UP_TO: usize = 1000;

/// A word PostgreSQL's planner expects in more entries than this is common: a count of
/// it is estimated from a sample, and a page of it is read band by band.
const COMMON: i64 = 2 * EXACT_COUNT_UP_TO as i64;

/// The first entries an estimate reads when PostgreSQL's planner expects a common word.
const ESTIMATE_SAMPLE: u64 = 200;

/// From this many matching entries up, an estimate checks its sampled records' entries
/// one at a time, not against the set of every match (see [`count`]).
const CHECKED_ONE_BY_ONE: i64 = 50_000;

/// About how many entries of a very common word an estimate samples on PostgreSQL (see
/// [`sample`]).
const SAMPLE_MATCHES: f64 = 400.0;

/// One record that matches, with its score.
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult)]
pub struct Hit {
    /// The record's table.
    pub owner_type: String,
    /// The record's id.
    pub owner_id: i64,
    /// The id of its best entry, plus `EXACT_MATCH` when it matched exactly: unique to
    /// the record, higher first.
    pub score: i64,
}

impl Hit {
    /// How well the record matches, for people: its best entry's band in units of a tier
    /// (names and titles 3.x, places 2.x, other texts 1.x, the more the shorter, in steps
    /// of 32 characters), plus 8 for an exact match. The same on both databases, though
    /// within a band each orders its results its own way (see [`rank`]).
    pub fn relevance(&self, backend: DbBackend) -> f64 {
        let exact = if self.score >= EXACT_MATCH { 8.0 } else { 0.0 };
        let band = band_of(backend, self.score & (EXACT_MATCH - 1));
        exact + band as f64 / 32.0
    }
}

/// What to search.
pub struct Search<'a> {
    /// The parsed query.
    pub query: &'a SearchQuery,
    /// The query as typed, for exact matches of a whole name, title or identifier.
    pub text: &'a str,
    /// Only texts in this language (and stemmed as such), and names of any language.
    pub lang: Option<&'a str>,
    /// Which records may match: a condition on `search_entry`'s owner (types, live rows,
    /// filters).
    pub owners: Condition,
}

/// How many records a search finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Count {
    /// The number.
    pub total: i64,
    /// Whether it is an estimate (above `EXACT_COUNT_UP_TO`).
    pub estimated: bool,
}

/// What a term may match in the index: stems (any of some alternatives, or a phrase of
/// stems), or the start of a folded word.
enum Forms {
    /// Any of these stems.
    Stems(BTreeSet<String>),
    /// Any of these phrases, each a list of stems.
    Phrases(BTreeSet<Vec<String>>),
    /// A folded word that starts so.
    Prefix(String),
}

/// The forms of a term, read in `lang` (or in every language).
fn forms(t: &Term, lang: Option<&str>) -> Forms {
    match t {
        Term::Word(w) => Forms::Stems(variants(lang, w)),
        Term::Prefix(p) => Forms::Prefix(fold(p)),
        Term::Phrase(ws) => {
            let langs: Vec<Option<&str>> = match lang {
                Some(l) => vec![Some(l)],
                None => STEMMED.iter().map(|l| Some(*l)).chain([None]).collect(),
            };
            // Each language's stems of the words as typed, and of the words unaccented.
            let mut phrases = BTreeSet::new();
            for l in langs {
                for unaccented in [false, true] {
                    let stemmed = ws
                        .iter()
                        .map(|w| {
                            let w = if unaccented { fold(w) } else { w.clone() };
                            l.map_or_else(|| fold(&w), |l| stem(l, &w))
                        })
                        .collect();
                    phrases.insert(stemmed);
                }
            }
            Forms::Phrases(phrases)
        }
    }
}

/// The syntax of a full-text query language.
struct Syntax {
    or: &'static str,
    and: &'static str,
    render: fn(&Forms) -> String,
}

impl Syntax {
    /// A query in this syntax; words hold letters and digits only (see
    /// `analysis::words`), so quoting them leaves nothing for the engine to read as syntax.
    fn query(&self, s: &Search<'_>) -> String {
        let term = |t: &Term| (self.render)(&forms(t, s.lang));
        let groups: Vec<String> = s
            .query
            .all
            .iter()
            .map(|g| format!("({})", g.iter().map(term).collect::<Vec<_>>().join(self.or)))
            .collect();
        groups.join(self.and)
    }
}

/// FTS5 (SQLite): columns `stems` and `folded`.
const FTS5: Syntax = Syntax {
    or: " OR ",
    and: " AND ",
    render: |f| match f {
        Forms::Stems(v) => format!(
            "stems : ({})",
            v.iter()
                .map(|w| format!("\"{w}\""))
                .collect::<Vec<_>>()
                .join(" OR ")
        ),
        Forms::Phrases(v) => {
            format!(
                "stems : ({})",
                v.iter()
                    .map(|p| format!("\"{}\"", p.join(" ")))
                    .collect::<Vec<_>>()
                    .join(" OR ")
            )
        }
        Forms::Prefix(p) => format!("folded : \"{p}\"*"),
    },
};

/// `tsquery` (PostgreSQL): stems are plain lexemes of the vector, folded words the lexeme
/// [`FOLDED`] + word (see the migration `m20261211_000014_search_vector_bands`).
const TSQUERY: Syntax = Syntax {
    or: " | ",
    and: " & ",
    render: |f| match f {
        Forms::Stems(v) => format!(
            "({})",
            v.iter()
                .map(|w| format!("'{w}'"))
                .collect::<Vec<_>>()
                .join(" | ")
        ),
        Forms::Phrases(v) => {
            let phrase = |p: &Vec<String>| {
                format!(
                    "({})",
                    p.iter()
                        .map(|w| format!("'{w}'"))
                        .collect::<Vec<_>>()
                        .join(" <-> ")
                )
            };
            format!("({})", v.iter().map(phrase).collect::<Vec<_>>().join(" | "))
        }
        Forms::Prefix(p) => format!("'{FOLDED}{p}':*"),
    },
};

/// The full-text query of a search, in the syntax of the backend.
fn text_query(backend: DbBackend, s: &Search<'_>) -> String {
    match backend {
        DbBackend::Postgres => TSQUERY.query(s),
        _ => FTS5.query(s),
    }
}

/// A column of the index under the name `t` (the table, or an alias of it).
fn at(t: &str, column: &'static str) -> Expr {
    Expr::col((Alias::new(t), Alias::new(column)))
}

/// The entry `t` belongs to the same record as the entry of the outer query.
fn same_owner(t: &str) -> Condition {
    Condition::all()
        .add(at(t, OWNER_TYPE).equals((ENTRY, OWNER_TYPE)))
        .add(at(t, OWNER_ID).equals((ENTRY, OWNER_ID)))
}

/// Entries in the language searched, or in none (names).
fn in_lang(t: &str, lang: Option<&str>) -> Condition {
    match lang {
        Some(l) => Condition::all().add(at(t, ENTRY_LANG).is_in([l, ""])),
        None => Condition::all(),
    }
}

/// The exact form of a search's query, when it can equal a name, title or identifier.
fn exact_form(s: &Search<'_>) -> Option<String> {
    Some(keys::exact_form(s.text)).filter(|q| !q.is_empty() && q.chars().count() <= 200)
}

/// Entries whose exact form is `q`, or begins with `q` followed by a `/` (`A/72` finds
/// `A/72/643`; `/` is followed by `0` in every collation the index uses).
fn exact_match(t: &str, q: &str) -> Condition {
    Condition::any().add(at(t, EXACT).eq(q)).add(
        Condition::all()
            .add(at(t, EXACT).gte(format!("{q}/")))
            .add(at(t, EXACT).lt(format!("{q}0"))),
    )
}

/// Entries `t` whose words match the full-text query `tq` (one entry at a time). On
/// PostgreSQL the query is parsed once per statement, in a sub-query: once a prepared
/// statement's plan is generic, a `to_tsquery` of a parameter in the condition is parsed
/// again for each row it checks (34,526 times for "migration" at scale 10: 98 ms, against
/// 29 ms).
fn text_match(backend: DbBackend, t: &str, tq: &str) -> Expr {
    match backend {
        DbBackend::Postgres => Expr::cust_with_values(
            format!("\"{t}\".\"{TSV}\" @@ (SELECT to_tsquery('simple', $1))"),
            [tq],
        ),
        _ => Expr::cust_with_values(
            format!(
                "\"{t}\".\"{ENTRY_ID}\" IN (SELECT rowid FROM {FTS} WHERE {FTS} MATCH ? \
                 AND rowid = \"{t}\".\"{ENTRY_ID}\")"
            ),
            [tq],
        ),
    }
}

/// Whether a search has a prefix (`migr*`) among its terms.
fn has_prefix(s: &Search<'_>) -> bool {
    s.query
        .all
        .iter()
        .flatten()
        .any(|t| matches!(t, Term::Prefix(_)))
}

/// Entries of the index whose words match `tq`, for a statement that checks many: on
/// SQLite, against the set of every match, found once (a query of the full-text index per
/// entry costs 0.1 ms with a prefix, which FTS5 expands each time).
fn all_matches(backend: DbBackend, tq: &str) -> Expr {
    match backend {
        DbBackend::Postgres => text_match(backend, ENTRY, tq),
        _ => Expr::col((ENTRY, ENTRY_ID)).in_subquery(
            Query::select()
                .expr(Expr::cust("rowid"))
                .from(FTS)
                .and_where(Expr::cust_with_values(format!("{FTS} MATCH ?"), [tq]))
                .to_owned(),
        ),
    }
}

/// No other entry `t` of the same record meets `cond`. A scalar sub-query rather than
/// `NOT EXISTS`, so that each database looks up the record's few entries for each entry
/// checked: PostgreSQL would make an anti-join of `NOT EXISTS`, reading every entry that
/// matches.
fn no_other(t: &str, cond: Condition) -> Expr {
    let q = Query::select()
        .expr(Expr::val(1))
        .from_as(ENTRY, Alias::new(t))
        .cond_where(same_owner(t))
        .cond_where(cond)
        .limit(1)
        .to_owned();
    Expr::SubQuery(None, Box::new(q.into())).is_null()
}

/// The record has no entry that an excluded term (`-word`) matches.
fn wanted(backend: DbBackend, s: &Search<'_>) -> Condition {
    if s.query.none.is_empty() {
        return Condition::all();
    }
    let excluded = SearchQuery {
        all: vec![s.query.none.clone()],
        none: Vec::new(),
    };
    let tq = text_query(
        backend,
        &Search {
            query: &excluded,
            text: s.text,
            lang: s.lang,
            owners: Condition::all(),
        },
    );
    Condition::all().add(no_other(
        "unwanted",
        in_lang("unwanted", s.lang).add(text_match(backend, "unwanted", &tq)),
    ))
}

/// The main entry, with its id and owner.
fn entry_columns(q: &mut SelectStatement, score: Expr) {
    q.expr_as(score, "score")
        .expr_as(Expr::col((ENTRY, OWNER_TYPE)), OWNER_TYPE)
        .expr_as(Expr::col((ENTRY, OWNER_ID)), OWNER_ID);
}

/// The rank of the entry `t`, which orders a search's results (higher first) and is their
/// `score`. On SQLite, its id: FTS5 reads its matches in that order. On PostgreSQL, its
/// band, then its bucket (the id's last bits), then its id: the best matches of a band
/// are those of its top bucket, a sixty-fourth of the band that PostgreSQL reads through
/// one lexeme (`'migrat' & '~127.63'`), where an order by id would need every match of the
/// band. Ranks and ids map one to one ([`entry_of`]).
fn rank(backend: DbBackend, t: &str) -> Expr {
    match backend {
        DbBackend::Postgres => {
            let id = format!("\"{t}\".\"{ENTRY_ID}\"");
            let below_band = (1_i64 << BAND_SHIFT) - 1;
            let bucket = (1_i64 << BUCKET_BITS) - 1;
            Expr::cust(format!(
                "((({id} >> {BAND_SHIFT}) << {RANK_BAND_SHIFT}) | (({id} & {bucket}) << \
                 {BAND_SHIFT}) | ({id} & {below_band}))"
            ))
        }
        _ => at(t, ENTRY_ID),
    }
}

/// The id of the entry of rank `rank` (see [`rank`]).
fn entry_of(backend: DbBackend, rank: i64) -> i64 {
    match backend {
        DbBackend::Postgres => {
            ((rank >> RANK_BAND_SHIFT) << BAND_SHIFT) | (rank & ((1 << BAND_SHIFT) - 1))
        }
        _ => rank,
    }
}

/// The band of a score (see [`rank`]): its weight in steps of 32.
fn band_of(backend: DbBackend, score: i64) -> i64 {
    match backend {
        DbBackend::Postgres => score >> RANK_BAND_SHIFT,
        _ => score >> BAND_SHIFT,
    }
}

/// Entries that the words of a search match, best first (the index's own order), with
/// their rank as `score`, below the rank `below` when given.
fn walk(backend: DbBackend, tq: &str, below: Option<i64>) -> SelectStatement {
    let mut q = Query::select();
    match backend {
        DbBackend::Postgres => {
            // In the order of an expression, not of the primary key: PostgreSQL then reads
            // the matches through the word's own index and keeps the best, rather than
            // walk the key and test each entry it passes. The best entries are short names
            // and titles, which rarely hold a common word: "migration" lay 130,000 entries
            // deep at scale 10 (62 ms, against 39 ms for all of its 34,526 matches). The
            // rank is such an expression.
            entry_columns(&mut q, rank(backend, ENTRY));
            q.from(ENTRY)
                .and_where(text_match(backend, ENTRY, tq))
                .order_by_expr(rank(backend, ENTRY), Order::Desc);
            if let Some(b) = below {
                q.and_where(rank(backend, ENTRY).lt(b));
            }
        }
        _ => {
            // The full-text index is the outer loop, read in its rowid order (which the
            // entries' ids make relevance): CROSS JOIN keeps SQLite from walking the
            // entries instead. sea-query writes no ON clause for a cross join, so the join
            // condition is in WHERE.
            entry_columns(&mut q, Expr::col((ENTRY, ENTRY_ID)));
            q.from(FTS)
                .join(JoinType::CrossJoin, ENTRY, Condition::all())
                .and_where(Expr::col((ENTRY, ENTRY_ID)).equals((FTS, "rowid")))
                .and_where(Expr::cust_with_values(format!("{FTS} MATCH ?"), [tq]))
                .order_by((FTS, "rowid"), Order::Desc);
            // A bound on the full-text index's rowid, which it seeks to.
            if let Some(b) = below {
                q.and_where(Expr::col((FTS, "rowid")).lt(b));
            }
        }
    }
    q
}

/// How entries match in a stage of a search.
#[derive(Clone, Copy)]
enum Stage<'q> {
    /// Their exact form is the query's (or a symbol the query begins): the query's exact
    /// form.
    Exact(&'q str),
    /// Their words match: the full-text query.
    Words(&'q str),
}

impl Stage<'_> {
    /// The entries `t` that match.
    fn matches(self, backend: DbBackend, t: &str) -> Condition {
        match self {
            Stage::Exact(q) => exact_match(t, q),
            Stage::Words(tq) => Condition::all().add(text_match(backend, t, tq)),
        }
    }

    /// What a record's score adds to its best entry's id.
    fn bonus(self) -> i64 {
        match self {
            Stage::Exact(_) => EXACT_MATCH,
            Stage::Words(_) => 0,
        }
    }
}

/// Up to `limit` entries that match, best first, with ids below `below` (none of the
/// record's conditions yet): the index read in its own order.
fn candidates(
    backend: DbBackend,
    stage: Stage<'_>,
    below: Option<i64>,
    limit: u64,
) -> SelectStatement {
    let mut q = match stage {
        Stage::Words(tq) => walk(backend, tq, below),
        Stage::Exact(_) => {
            let mut q = Query::select();
            entry_columns(&mut q, rank(backend, ENTRY));
            q.from(ENTRY)
                .cond_where(stage.matches(backend, ENTRY))
                .order_by_expr(rank(backend, ENTRY), Order::Desc);
            if let Some(b) = below {
                q.and_where(rank(backend, ENTRY).lt(b));
            }
            q
        }
    };
    q.limit(limit);
    q
}

/// Which of the entries of ranks `ranks` count: in the language, of a record the search
/// may return and that no excluded term matches; with `best`, also the best entry of its
/// record in the stage (and, for words, of a record that no exact match found). On
/// PostgreSQL the ids are one bound value, so that the statement is the same whatever
/// their number and is planned once (10 ms a plan at scale 100).
fn counted(
    backend: DbBackend,
    s: &Search<'_>,
    stage: Stage<'_>,
    ranks: &[i64],
    best: bool,
) -> SelectStatement {
    let ids: Vec<i64> = ranks.iter().map(|r| entry_of(backend, *r)).collect();
    let of_ids = match backend {
        DbBackend::Postgres => in_ids(backend, Expr::col((ENTRY, ENTRY_ID)), &ids),
        _ => Expr::col((ENTRY, ENTRY_ID)).is_in(ids),
    };
    let mut q = Query::select();
    entry_columns(&mut q, rank(backend, ENTRY));
    q.from(ENTRY)
        .and_where(of_ids)
        .cond_where(in_lang(ENTRY, s.lang))
        .cond_where(s.owners.clone())
        .cond_where(wanted(backend, s))
        .order_by_expr(rank(backend, ENTRY), Order::Desc);
    if best {
        q.and_where(no_other(
            "better",
            Condition::all()
                .add(rank(backend, "better").gt(rank(backend, ENTRY)))
                .add(in_lang("better", s.lang))
                .add(stage.matches(backend, "better")),
        ));
        if let (Stage::Words(_), Some(q_exact)) = (stage, exact_form(s)) {
            q.and_where(no_other(
                "exact",
                in_lang("exact", s.lang).add(exact_match("exact", &q_exact)),
            ));
        }
    }
    q
}

/// PostgreSQL's entries that the words `tq` match, up to `limit` below the rank `below`,
/// best first, read bucket by bucket from the top (`'migrat' & '~127.63'`, then
/// `'migrat' & ('~127.62' | '~127.61')`, ...; see [`rank`]): PostgreSQL then visits in
/// the table only the matches of the buckets read, not every match of a common word (at
/// scale 100, 1,300 of the 343,299 entries of "migration" for a first page, where the
/// band alone held 85,887). Buckets come one at a time, twice as many at a time after a
/// statement that found less than half of what is missing, so that buckets without the
/// word take a few statements, not one each; a statement reads the buckets of one band,
/// or whole bands through their lexeme `~<band>` (so that PostgreSQL goes through the
/// word's entries rather than those of every bucket of a band it does not hold). The
/// first statement reads as many buckets as should hold four times `limit` if the
/// `planned` matches all lay in one band: one at scale 100 for "migration", five at
/// scale 1.
async fn banded(
    db: &DatabaseConnection,
    tq: &str,
    below: Option<i64>,
    limit: u64,
    planned: i64,
) -> Result<Vec<Hit>> {
    let buckets = 1_i64 << BUCKET_BITS;
    // The band and bucket of the first rank to read, as one number (`rank >> BAND_SHIFT`).
    let mut at = match below {
        Some(b) => (b - 1) >> BAND_SHIFT,
        None => ((keys::weight(keys::NAME, 0) << WEIGHT_SHIFT >> BAND_SHIFT) + 1) * buckets - 1,
    };
    let mut width = (4 * limit as i64 * buckets / Ord::max(planned, 1)).clamp(1, buckets);
    let mut out: Vec<Hit> = Vec::new();
    while at >= 0 && (out.len() as u64) < limit {
        let (band, bucket) = (at >> BUCKET_BITS, at & (buckets - 1));
        let (lexemes, low): (Vec<String>, i64) = if bucket == buckets - 1 && width >= buckets {
            let low = Ord::max(band - width / buckets + 1, 0);
            let bands = (low..=band).rev().map(|b| format!("'~{b}'")).collect();
            (bands, low * buckets)
        } else {
            let low = Ord::max(bucket - width + 1, 0);
            let fine = (low..=bucket).rev().map(|k| format!("'~{band}.{k}'"));
            (fine.collect(), band * buckets + low)
        };
        let missing = limit - out.len() as u64;
        let mut q = walk(DbBackend::Postgres, tq, below);
        q.and_where(Expr::cust_with_values(
            format!("\"{ENTRY}\".\"{TSV}\" @@ (SELECT $1::tsquery)"),
            [lexemes.join(" | ")],
        ))
        .limit(missing);
        let read = hits(db, &q).await?;
        if (read.len() as u64) < missing / 2 {
            width *= 2;
        }
        out.extend(read);
        at = low - 1;
    }
    Ok(out)
}

async fn hits(db: &DatabaseConnection, stmt: &SelectStatement) -> Result<Vec<Hit>> {
    let mut out = Vec::new();
    for row in db.query_all(stmt).await? {
        out.push(Hit::from_query_result(&row, "")?);
    }
    Ok(out)
}

/// Up to `limit` records of a stage with scores below `below`, best first: the index is
/// read in its order, a batch at a time (twice as large each time), and each batch's
/// entries are checked against the records' conditions by their ids. Two statements, as
/// a rule, however many entries match: a plain walk lets each database choose its index
/// (the order for a common word, the word's own for a rare one).
async fn stage_hits(
    db: &DatabaseConnection,
    s: &Search<'_>,
    stage: Stage<'_>,
    below: Option<i64>,
    limit: u64,
) -> Result<Vec<Hit>> {
    let backend = db.get_database_backend();
    // On PostgreSQL, a common word's matches are read bucket by bucket (`banded`); a word
    // its planner expects in few entries, all at once (one statement, not one per bucket).
    let planned = match (backend, stage) {
        (DbBackend::Postgres, Stage::Words(tq)) => Some(planned_entries(db, tq).await?),
        _ => None,
    };
    let mut below = below.map(|b| b - stage.bonus());
    let mut batch = Ord::max(limit * 4, 64);
    let mut out = Vec::new();
    while (out.len() as u64) < limit {
        let read = match (planned, stage) {
            (Some(p), Stage::Words(tq)) if p > COMMON => banded(db, tq, below, batch, p).await?,
            _ => hits(db, &candidates(backend, stage, below, batch)).await?,
        };
        let Some(last) = read.last() else {
            break;
        };
        below = Some(last.score);
        let ids: Vec<i64> = read.iter().map(|h| h.score).collect();
        for mut hit in hits(db, &counted(backend, s, stage, &ids, true)).await? {
            if (out.len() as u64) < limit {
                hit.score += stage.bonus();
                out.push(hit);
            }
        }
        if (read.len() as u64) < batch {
            break;
        }
        batch = Ord::min(batch * 2, 10_000);
    }
    Ok(out)
}

/// Up to `limit` records after the score `after`, best first: those that match exactly,
/// then the others.
pub async fn search(
    db: &DatabaseConnection,
    s: &Search<'_>,
    after: Option<i64>,
    limit: u64,
) -> Result<Vec<Hit>> {
    let mut out = Vec::new();
    if let Some(q) = exact_form(s)
        && after.is_none_or(|a| a > EXACT_MATCH)
    {
        out = stage_hits(db, s, Stage::Exact(&q), after, limit).await?;
    }
    let left = limit.saturating_sub(out.len() as u64);
    if left > 0 {
        let tq = text_query(db.get_database_backend(), s);
        let below = after.filter(|a| *a < EXACT_MATCH);
        out.extend(stage_hits(db, s, Stage::Words(&tq), below, left).await?);
    }
    Ok(out)
}

/// The ids of the records of the type that `owners` chooses which a search finds, as a
/// sub-query (for exports: every match, in no order).
pub fn found(backend: DbBackend, s: &Search<'_>) -> SelectStatement {
    let tq = text_query(backend, s);
    let mut matched = Condition::any().add(all_matches(backend, &tq));
    if let Some(q) = exact_form(s) {
        matched = matched.add(exact_match(ENTRY, &q));
    }
    Query::select()
        .expr(Expr::col((ENTRY, OWNER_ID)))
        .from(ENTRY)
        .cond_where(matched)
        .cond_where(in_lang(ENTRY, s.lang))
        .cond_where(s.owners.clone())
        .cond_where(wanted(backend, s))
        .to_owned()
}

/// How many records match: exact when the words match at most `EXACT_COUNT_UP_TO`
/// entries of the index (and the exact matches are as few; on PostgreSQL, when its
/// planner does not expect twice as many), else an estimate: the matching entries the
/// index's statistics expect (on PostgreSQL, for a very common word, those of a sample
/// of the table scaled up), times the countable records per matching entry among the
/// records of the first entries read. Bounded like a page of that many results.
pub async fn count(db: &DatabaseConnection, s: &Search<'_>) -> Result<Count> {
    let backend = db.get_database_backend();
    let cap = EXACT_COUNT_UP_TO as u64;
    let mut records = std::collections::HashSet::new();
    let mut estimated = false;
    if let Some(q) = exact_form(s) {
        let (read, found) = first_records(db, s, Stage::Exact(&q), cap + 1).await?;
        estimated |= read.len() as u64 > cap;
        records.extend(found);
    }
    let tq = text_query(backend, s);
    // On PostgreSQL the planner's estimate comes first: words it expects in far more
    // entries than an exact count reads are only sampled. (Its best entries in order come
    // from every match, read and sorted, where FTS5 visits the first matches only.)
    let planned = match backend {
        DbBackend::Postgres => Some(planned_entries(db, &tq).await?),
        _ => None,
    };
    let common = planned.filter(|p| *p > COMMON);
    let sample = match common {
        Some(p) => sample(db, s, &tq, p).await?,
        None => None,
    };
    let (read, counted_records, fraction) = match sample {
        Some((read, found, fraction)) => (read, found, Some(fraction)),
        None => {
            let limit = if common.is_some() {
                ESTIMATE_SAMPLE
            } else {
                cap + 1
            };
            let (read, found) = first_records(db, s, Stage::Words(&tq), limit).await?;
            // Fewer than asked for: every matching entry was read.
            if (read.len() as u64) < limit && !estimated {
                records.extend(found);
                return Ok(Count {
                    total: records.len() as i64,
                    estimated: false,
                });
            }
            (read, found, None)
        }
    };
    records.extend(counted_records.iter().cloned());
    let entries = match (fraction, planned) {
        (Some(f), _) => (read.len() as f64 / f).round() as i64,
        (None, Some(p)) => p,
        (None, None) => indexed_entries(db, s).await?,
    };
    // Countable records per matching entry, from every entry the words match of the
    // first hundred records read (the entries read first are titles, several per record,
    // and would overstate it; a hundred records keep it cheap).
    let mut by_type: std::collections::BTreeMap<String, Vec<i64>> = Default::default();
    let mut first = std::collections::HashSet::new();
    for hit in &read {
        if first.len() == 100 && !first.contains(&(hit.owner_type.clone(), hit.owner_id)) {
            continue;
        }
        if first.insert((hit.owner_type.clone(), hit.owner_id)) {
            by_type
                .entry(hit.owner_type.clone())
                .or_default()
                .push(hit.owner_id);
        }
    }
    let countable = first
        .iter()
        .filter(|r| counted_records.contains(*r))
        .count();
    let mut of_read = Condition::any();
    for (kind, ids) in by_type {
        of_read = of_read.add(
            Condition::all()
                .add(col(ENTRY, OWNER_TYPE).eq(kind))
                .add(col(ENTRY, OWNER_ID).is_in(ids)),
        );
    }
    let all = match backend {
        // The records' entries in a sub-query that PostgreSQL cannot merge (`OFFSET 0`):
        // else it intersects them with every match in the word's index (66 ms for
        // "migration" at scale 100, against 1 ms).
        DbBackend::Postgres => {
            let entries = Query::select()
                .column((ENTRY, TSV))
                .from(ENTRY)
                .cond_where(of_read)
                .offset(0)
                .to_owned();
            Query::select()
                .expr_as(Expr::cust("count(*)"), "n")
                .from_subquery(entries, Alias::new("of_records"))
                .and_where(text_match(backend, "of_records", &tq))
                .to_owned()
        }
        // The entries of those records, a few hundred, each checked on its own when the
        // word has many matches: the set of every match costs what they cost (125 ms for
        // "migration" at scale 100 on SQLite, against 14 ms). With fewer than
        // `CHECKED_ONE_BY_ONE`, the set costs less (a check of one entry costs what
        // about a hundred entries of the set do: 22 ms for "migration" at scale 1,
        // against 2). A prefix is expanded for each check, so a query with one is always
        // checked against the set.
        _ => {
            let matched = match has_prefix(s) || entries < CHECKED_ONE_BY_ONE {
                true => all_matches(backend, &tq),
                false => text_match(backend, ENTRY, &tq),
            };
            Query::select()
                .expr_as(Expr::cust("count(*)"), "n")
                .from(ENTRY)
                .cond_where(of_read)
                .and_where(matched)
                .to_owned()
        }
    };
    let of_records: i64 = match db.query_one(&all).await? {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    };
    let expected =
        (entries as f64 * countable as f64 / Ord::max(of_records, 1) as f64).round() as i64;
    Ok(Count {
        total: Ord::max(expected, records.len() as i64),
        estimated: true,
    })
}

/// The first `limit` entries of a stage, and the records among theirs that count.
async fn first_records(
    db: &DatabaseConnection,
    s: &Search<'_>,
    stage: Stage<'_>,
    limit: u64,
) -> Result<(Vec<Hit>, std::collections::HashSet<(String, i64)>)> {
    let backend = db.get_database_backend();
    let mut walk = candidates(backend, stage, None, limit);
    // A count needs no order. On PostgreSQL, without one, the first matches found are
    // read, not every match sorted; FTS5 visits the first matches only, and its order
    // keeps the sample of the estimate as it was measured.
    if backend == DbBackend::Postgres {
        walk.clear_order_by();
    }
    let read = hits(db, &walk).await?;
    let found = records_that_count(db, s, stage, &read).await?;
    Ok((read, found))
}

/// The records of the entries `read` that count (see [`counted`]).
async fn records_that_count(
    db: &DatabaseConnection,
    s: &Search<'_>,
    stage: Stage<'_>,
    read: &[Hit],
) -> Result<std::collections::HashSet<(String, i64)>> {
    let ids: Vec<i64> = read.iter().map(|h| h.score).collect();
    let counted = counted(db.get_database_backend(), s, stage, &ids, false);
    Ok(hits(db, &counted)
        .await?
        .into_iter()
        .map(|hit| (hit.owner_type, hit.owner_id))
        .collect())
}

/// On PostgreSQL, the entries that a very common word matches in a sample of the table's
/// blocks (`TABLESAMPLE SYSTEM`, the same blocks each time the table is the same), the
/// records among theirs that count, and the fraction of the table sampled: about
/// [`SAMPLE_MATCHES`] entries, from a part of the table the planner's estimate `planned`
/// chooses. None when reading that part would cost more than the word's whole posting
/// list in its index, which any statement through the index reads before its first row
/// (66 ms for "migration" at scale 100, where its sample takes a few), or when the sample
/// holds too few matches to tell.
async fn sample(
    db: &DatabaseConnection,
    s: &Search<'_>,
    tq: &str,
    planned: i64,
) -> Result<Option<(Vec<Hit>, std::collections::HashSet<(String, i64)>, f64)>> {
    let backend = db.get_database_backend();
    let rows: f64 = match db
        .query_one_raw(Statement::from_string(
            backend,
            format!("SELECT reltuples::float8 AS n FROM pg_class WHERE oid = '{ENTRY}'::regclass"),
        ))
        .await?
    {
        Some(row) => row.try_get("", "n")?,
        None => return Ok(None),
    };
    let fraction = (SAMPLE_MATCHES / planned as f64).min(1.0);
    // An entry of the table checked costs about what five of a posting list do. A table
    // never analysed has no count of rows (-1).
    if rows <= 0.0 || rows * fraction * 5.0 > planned as f64 {
        return Ok(None);
    }
    let mut q = Query::select();
    entry_columns(&mut q, rank(backend, ENTRY));
    q.from(ENTRY)
        .table_sample(SampleMethod::SYSTEM, fraction * 100.0, Some(0.0))
        .and_where(text_match(backend, ENTRY, tq));
    let read = hits(db, &q).await?;
    // Far fewer than expected: the planner overestimated the word, and its posting list
    // is the cheaper way after all.
    if (read.len() as u64) < ESTIMATE_SAMPLE / 2 {
        return Ok(None);
    }
    let found = records_that_count(db, s, Stage::Words(tq), &read).await?;
    Ok(Some((read, found, fraction)))
}

/// How many entries PostgreSQL's planner expects the words to match (from the query
/// itself, which its statistics of the words then weigh).
async fn planned_entries(db: &DatabaseConnection, tq: &str) -> Result<i64> {
    let (sql, values) = Query::select()
        .expr(Expr::val(1))
        .from(ENTRY)
        .and_where(Expr::cust_with_values(
            format!("\"{ENTRY}\".\"{TSV}\" @@ to_tsquery('simple', $1)"),
            [tq],
        ))
        .build(PostgresQueryBuilder);
    let statement = Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!("EXPLAIN (FORMAT JSON) {sql}"),
        values,
    );
    let Some(row) = db.query_one_raw(statement).await? else {
        return Err(Error::internal("EXPLAIN gave no plan"));
    };
    let plan: Json = row.try_get_by_index(0)?;
    plan.pointer("/0/Plan/Plan Rows")
        .and_then(Json::as_f64)
        .map(|n| n as i64)
        .ok_or_else(|| Error::internal("EXPLAIN gave no row estimate"))
}

/// How many entries SQLite's full-text index says the words match: per group, the sum of
/// its terms' (a phrase counts as its rarest word), and the fewest of any group.
async fn indexed_entries(db: &DatabaseConnection, s: &Search<'_>) -> Result<i64> {
    let term = || Expr::col(Alias::new("term"));
    let forms: Vec<Vec<Forms>> = s
        .query
        .all
        .iter()
        .map(|g| g.iter().map(|t| forms(t, s.lang)).collect())
        .collect();
    let mut wanted = Condition::any();
    let mut words: Vec<String> = Vec::new();
    for f in forms.iter().flatten() {
        match f {
            Forms::Stems(v) => words.extend(v.iter().cloned()),
            Forms::Phrases(ps) => words.extend(ps.iter().flatten().cloned()),
            Forms::Prefix(p) => {
                wanted = wanted.add(
                    Condition::all()
                        .add(term().gte(p.as_str()))
                        .add(term().lt(format!("{p}\u{10FFFF}"))),
                );
            }
        }
    }
    wanted = wanted.add(term().is_in(words));
    let stmt = Query::select()
        .expr_as(term(), "term")
        .expr_as(Expr::col(Alias::new("doc")), "doc")
        .from(VOCAB)
        .cond_where(wanted)
        .to_owned();
    let mut docs = std::collections::HashMap::new();
    for row in db.query_all(&stmt).await? {
        let (t, n): (String, i64) = (row.try_get("", "term")?, row.try_get("", "doc")?);
        docs.insert(t, n);
    }
    let of = |w: &String| docs.get(w).copied().unwrap_or(0);
    let estimate = |f: &Forms| -> i64 {
        match f {
            Forms::Stems(v) => v.iter().map(of).sum(),
            Forms::Phrases(ps) => ps.iter().map(|p| p.iter().map(of).min().unwrap_or(0)).sum(),
            Forms::Prefix(p) => docs
                .iter()
                .filter(|(t, _)| t.starts_with(p.as_str()))
                .map(|(_, n)| n)
                .sum(),
        }
    };
    Ok(forms
        .iter()
        .map(|g| g.iter().map(estimate).sum::<i64>())
        .min()
        .unwrap_or(0))
}

/// Merges SQLite's full-text index into one segment, after a bulk write (`agora
/// generate`, `agora import`), which leaves it in many: a query of one entry (the
/// estimate of a count checks hundreds) reads each segment, 0.14 ms an entry in 27
/// segments at scale 100 against 0.03 ms in one. Later writes add segments that FTS5
/// merges as it goes. PostgreSQL's index has no segments: nothing to do. The writes are
/// committed by then, so a failure (another process writing the file) is logged, not
/// returned: the index answers the same, only slower.
pub async fn optimize(db: &impl ConnectionTrait) {
    if db.get_database_backend() != DbBackend::Sqlite {
        return;
    }
    let merge = format!("INSERT INTO {FTS} ({FTS}) VALUES ('optimize')");
    if let Err(e) = db.execute_unprepared(&merge).await {
        tracing::warn!(error = %e, "the full-text index was not merged");
    }
}

/// Removes the keys (the entries that are not texts') that `which` chooses among the
/// index's entries.
async fn remove_keys(db: &impl ConnectionTrait, which: Condition) -> Result<()> {
    let old = which.add(col(ENTRY, TEXT_ID).is_null());
    if db.get_database_backend() != DbBackend::Postgres {
        let doomed = Query::select()
            .column(ENTRY_ID)
            .from(ENTRY)
            .cond_where(old.clone())
            .to_owned();
        let delete = Query::delete()
            .from_table(FTS)
            .and_where(Expr::cust("rowid").in_subquery(doomed))
            .to_owned();
        db.execute(&delete).await?;
    }
    db.execute(&Query::delete().from_table(ENTRY).cond_where(old).to_owned())
        .await?;
    Ok(())
}

/// Writes the keys of records of type `kind` (names, places, identifiers: see
/// `search::keys`), replacing those they had.
pub async fn write_keys(
    db: &impl ConnectionTrait,
    kind: NodeType,
    records: &[(i64, Vec<Key>)],
) -> Result<()> {
    insert_keys(db, kind, records, true).await
}

/// Writes the keys of records of type `kind`, after removing those they had when
/// `replace` (else they have none).
async fn insert_keys(
    db: &impl ConnectionTrait,
    kind: NodeType,
    records: &[(i64, Vec<Key>)],
    replace: bool,
) -> Result<()> {
    let backend = db.get_database_backend();
    for chunk in records.chunks(500) {
        if replace {
            let ids: Vec<i64> = chunk.iter().map(|(id, _)| *id).collect();
            let of_records = Condition::all()
                .add(col(ENTRY, OWNER_TYPE).eq(kind.table()))
                .add(col(ENTRY, OWNER_ID).is_in(ids));
            remove_keys(db, of_records).await?;
        }
        let mut columns = vec![ENTRY_ID, OWNER_TYPE, OWNER_ID, ENTRY_LANG, EXACT];
        if backend == DbBackend::Postgres {
            columns.push(TSV);
        }
        let mut entries = Query::insert();
        entries.into_table(ENTRY).columns(columns);
        let mut texts = Query::insert();
        texts.into_table(FTS).columns([
            Alias::new("rowid"),
            Alias::new("folded"),
            Alias::new("stems"),
        ]);
        let (mut any, mut any_words) = (false, false);
        for (owner, ks) in chunk {
            for (n, k) in ks.iter().enumerate() {
                let id = keys::entry_id(kind, *owner, n, k)?;
                let exact = Some(k.exact()).filter(|e| e.chars().count() <= 200);
                let (folded, stems) = (fold(&k.value), k.stems());
                let mut values: Vec<Expr> = vec![
                    id.into(),
                    kind.table().into(),
                    (*owner).into(),
                    k.lang.into(),
                    exact.into(),
                ];
                if backend == DbBackend::Postgres {
                    values.push(if k.words {
                        Expr::cust_with_values(
                            "agora_search_tsv($1, $2, $3)",
                            [Value::from(stems), Value::from(folded), Value::from(id)],
                        )
                    } else {
                        Expr::cust("''::tsvector")
                    });
                } else if k.words {
                    texts
                        .values([id.into(), folded.into(), stems.into()])
                        .map_err(|e| Error::internal(e.to_string()))?;
                    any_words = true;
                }
                entries
                    .values(values)
                    .map_err(|e| Error::internal(e.to_string()))?;
                any = true;
            }
        }
        if any {
            db.execute(&entries).await?;
        }
        if any_words {
            db.execute(&texts).await?;
        }
    }
    Ok(())
}

/// Writes the keys of the records of type `kind` with these ids, from their rows.
pub async fn refresh_keys(db: &impl ConnectionTrait, kind: NodeType, ids: &[i64]) -> Result<()> {
    write_keys(db, kind, &read_keys(db, kind, ids).await?).await
}

/// The keys of the records `ids` of type `kind`, from their columns.
async fn read_keys(
    db: &impl ConnectionTrait,
    kind: NodeType,
    ids: &[i64],
) -> Result<Vec<(i64, Vec<Key>)>> {
    let columns = keys::columns(kind);
    let mut records = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(1000) {
        let stmt = Query::select()
            .column(node_column::ID)
            .columns(columns.iter().copied())
            .from(kind.table())
            .and_where(Expr::col(node_column::ID).is_in(chunk.iter().copied()))
            .to_owned();
        for row in db.query_all(&stmt).await? {
            let mut values = Map::new();
            for &c in columns {
                let v: Option<String> = row.try_get("", c)?;
                values.insert(c.to_string(), v.map_or(Json::Null, Json::String));
            }
            records.push((row.try_get("", node_column::ID)?, keys::keys(kind, &values)));
        }
    }
    Ok(records)
}

/// Writes the keys of every record, when the index lacks them: the search index's
/// migration leaves a marker entry (id 0) until then. Returns how many records.
pub async fn build_keys_once(db: &DatabaseConnection) -> Result<u64> {
    let marker = Condition::all().add(col(ENTRY, ENTRY_ID).eq(0));
    let pending = Query::select()
        .column(ENTRY_ID)
        .from(ENTRY)
        .cond_where(marker.clone())
        .to_owned();
    if db.query_one(&pending).await?.is_none() {
        return Ok(0);
    }
    let txn = crate::repo::write::begin_immediate(db).await?;
    let done = write_all_keys(&txn).await?;
    txn.commit().await?;
    Ok(done)
}

/// Writes the keys of every record, in place of any there were (and of the marker that
/// says they are due: its text is none either); returns how many records. The old keys
/// go in one statement, not a batch's at a time (which, after a bulk write, PostgreSQL
/// planned as a scan of the whole index each: 1.5 s a batch at scale 100).
pub async fn write_all_keys(db: &impl ConnectionTrait) -> Result<u64> {
    remove_keys(db, Condition::all()).await?;
    let mut done = 0;
    for kind in NodeType::ALL {
        let mut last = 0_i64;
        loop {
            let page = Query::select()
                .column(node_column::ID)
                .from(kind.table())
                .and_where(Expr::col(node_column::ID).gt(last))
                .order_by(node_column::ID, Order::Asc)
                .limit(5000)
                .to_owned();
            let ids = db
                .query_all(&page)
                .await?
                .iter()
                .map(|r| r.try_get::<i64>("", node_column::ID))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            let Some(&end) = ids.last() else {
                break;
            };
            insert_keys(db, kind, &read_keys(db, kind, &ids).await?, false).await?;
            done += ids.len() as u64;
            last = end;
        }
    }
    Ok(done)
}

/// Writes the search stems of texts written before they existed (databases created by an
/// earlier version); returns how many.
pub async fn backfill(db: &DatabaseConnection) -> Result<u64> {
    let mut done = 0;
    loop {
        let q = Query::select()
            .columns([ID, LANG, VALUE])
            .from(table!(translation))
            .and_where(Expr::col(STEMS).is_null())
            .limit(500)
            .to_owned();
        let rows = db.query_all(&q).await?;
        if rows.is_empty() {
            return Ok(done);
        }
        for row in rows {
            let (id, lang, value): (i64, String, String) = (
                row.try_get("", ID)?,
                row.try_get("", LANG)?,
                row.try_get("", VALUE)?,
            );
            let update = Query::update()
                .table(table!(translation))
                .value(STEMS, stems(&lang, &value))
                .and_where(Expr::col(ID).eq(id))
                .to_owned();
            db.execute(&update).await?;
            done += 1;
        }
    }
}
