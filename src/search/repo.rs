//! Full-text search in SQL: FTS5 on SQLite, `tsvector` on PostgreSQL, behind one function.

use std::collections::BTreeSet;

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, FromQueryResult,
    sea_query::{
        Alias, Asterisk, Condition, Expr, ExprTrait, JoinType, Order, Query, SelectStatement,
    },
};

use crate::{
    error::Result,
    graphql::i18n::fold,
    repo::text::column::{FTS, ID, LANG, OWNER_ID, OWNER_TYPE, STEMS, TSV, VALUE},
    search::analysis::{STEMMED, SearchQuery, Term, stem, stems, variants},
};

/// One record that matches, with its relevance (the best of its texts', in millionths).
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult)]
pub struct Hit {
    /// The record's table.
    pub owner_type: String,
    /// The record's id.
    pub owner_id: i64,
    /// Relevance, higher first.
    pub score: i64,
}

/// What to search.
pub struct Search<'a> {
    /// The parsed query.
    pub query: &'a SearchQuery,
    /// Only texts in this language (and stemmed as such).
    pub lang: Option<&'a str>,
    /// Which records may match: a condition on `translation` (owner types, live rows,
    /// filters).
    pub owners: Condition,
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

/// `tsquery` (PostgreSQL): stems carry weight A in the vector, folded words weight D.
const TSQUERY: Syntax = Syntax {
    or: " | ",
    and: " & ",
    render: |f| match f {
        Forms::Stems(v) => format!(
            "({})",
            v.iter()
                .map(|w| format!("'{w}':A"))
                .collect::<Vec<_>>()
                .join(" | ")
        ),
        Forms::Phrases(v) => {
            let phrase = |p: &Vec<String>| {
                format!(
                    "({})",
                    p.iter()
                        .map(|w| format!("'{w}':A"))
                        .collect::<Vec<_>>()
                        .join(" <-> ")
                )
            };
            format!("({})", v.iter().map(phrase).collect::<Vec<_>>().join(" | "))
        }
        Forms::Prefix(p) => format!("'{p}':*D"),
    },
};

/// The FTS5 query of a search.
fn fts_query(s: &Search<'_>) -> String {
    let q = FTS5.query(s);
    match s.lang {
        Some(lang) => format!("lang : \"{lang}\" AND ({q})"),
        None => q,
    }
}

/// The `tsquery` text of a search.
fn ts_query(s: &Search<'_>) -> String {
    TSQUERY.query(s)
}

/// Matching texts, one row each with its own score (BM25 on SQLite, through FTS5's `rank`
/// column: the `bm25()` function may not be used where SQLite flattens it into an
/// aggregate).
fn matches(backend: DbBackend, s: &Search<'_>) -> SelectStatement {
    let mut q = Query::select();
    q.columns([
        (table!(translation), column_name!(translation.owner_type)),
        (table!(translation), column_name!(translation.owner_id)),
    ]);
    match backend {
        DbBackend::Postgres => {
            // Numbered placeholders: sea-query reads `?` as one for SQLite and MySQL only.
            let tsq = ts_query(s);
            let tsv = format!("{}.{TSV}", table!(translation));
            q.expr_as(
                Expr::cust_with_values(
                    format!(
                        "CAST(ts_rank_cd({tsv}, to_tsquery('simple', $1)) * 1000000 AS BIGINT)"
                    ),
                    [tsq.clone()],
                ),
                "score",
            )
            .from(table!(translation))
            .and_where(Expr::cust_with_values(
                format!("{tsv} @@ to_tsquery('simple', $1)"),
                [tsq],
            ));
            if let Some(l) = s.lang {
                q.and_where(col!(translation.lang).eq(l));
            }
        }
        _ => {
            q.expr_as(
                Expr::cust(format!("CAST(-{FTS}.rank * 1000000 AS INTEGER)")),
                "score",
            )
            .from(FTS)
            // CROSS JOIN keeps the full-text match as the outer loop: with a plain join
            // SQLite may walk `translation` and run the match once per row (minutes on
            // 200,000 texts instead of milliseconds). sea-query writes no ON clause for a
            // cross join, so the join condition is in WHERE.
            .join(JoinType::CrossJoin, table!(translation), Condition::all())
            .and_where(col!(translation.id).equals((FTS, "rowid")))
            .and_where(Expr::cust_with_values(
                format!("{FTS} MATCH ?"),
                [fts_query(s)],
            ));
        }
    }
    q.cond_where(s.owners.clone());
    q
}

/// Matching texts grouped by record, each record scored by its best text.
/// Records that an excluded term (`-word`) matches in any of their texts are left out.
fn hits(backend: DbBackend, s: &Search<'_>) -> SelectStatement {
    let mut q = Query::select();
    q.columns([OWNER_TYPE, OWNER_ID])
        .expr_as(Expr::col("score").max(), "score")
        .from_subquery(matches(backend, s), Alias::new("matches"))
        .group_by_col(OWNER_TYPE)
        .group_by_col(OWNER_ID);
    if !s.query.none.is_empty() {
        let excluded = SearchQuery {
            all: vec![s.query.none.clone()],
            none: Vec::new(),
        };
        let unwanted = Search {
            query: &excluded,
            lang: s.lang,
            owners: s.owners.clone(),
        };
        // One key per record rather than a (type, id) row value: SQLite looks a single
        // value up in an indexed list, but walks a list of row values for each row
        // (seconds instead of milliseconds with 10,000 matches on each side).
        let key = || Expr::cust(format!("{OWNER_TYPE} || ':' || {OWNER_ID}"));
        let unwanted = Query::select()
            .expr(key())
            .from_subquery(matches(backend, &unwanted), Alias::new("unwanted"))
            .to_owned();
        q.and_where(key().not_in_subquery(unwanted));
    }
    q
}

/// Up to `limit` hits after the position `after` (score, type, id), best first.
pub async fn search(
    db: &DatabaseConnection,
    s: &Search<'_>,
    after: Option<(i64, String, i64)>,
    limit: u64,
) -> Result<Vec<Hit>> {
    let mut outer = Query::select();
    outer
        .column(Asterisk)
        .from_subquery(hits(db.get_database_backend(), s), Alias::new("hits"));
    if let Some((score, kind, id)) = after {
        outer.cond_where(
            Condition::any().add(Expr::col("score").lt(score)).add(
                Condition::all().add(Expr::col("score").eq(score)).add(
                    Condition::any()
                        .add(Expr::col(OWNER_TYPE).gt(kind.clone()))
                        .add(
                            Condition::all()
                                .add(Expr::col(OWNER_TYPE).eq(kind))
                                .add(Expr::col(OWNER_ID).gt(id)),
                        ),
                ),
            ),
        );
    }
    outer
        .order_by("score", Order::Desc)
        .order_by(OWNER_TYPE, Order::Asc)
        .order_by(OWNER_ID, Order::Asc)
        .limit(limit);
    let mut out = Vec::new();
    for row in db.query_all(&outer).await? {
        out.push(Hit::from_query_result(&row, "")?);
    }
    Ok(out)
}

/// The ids of the records a search finds (of any type: `owners` chooses), as a sub-query.
pub fn found(backend: DbBackend, s: &Search<'_>) -> SelectStatement {
    Query::select()
        .column(OWNER_ID)
        .from_subquery(hits(backend, s), Alias::new("hits"))
        .to_owned()
}

/// How many records match.
pub async fn count(db: &DatabaseConnection, s: &Search<'_>) -> Result<i64> {
    let q = Query::select()
        .expr_as(Expr::col(Asterisk).count(), "n")
        .from_subquery(hits(db.get_database_backend(), s), Alias::new("hits"))
        .to_owned();
    match db.query_one(&q).await? {
        Some(row) => Ok(row.try_get("", "n")?),
        None => Ok(0),
    }
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
