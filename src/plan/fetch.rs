//! Running a plan: one statement per level, one for the texts of a list under many
//! parents (a root page or a node chooses its texts in its own statement), one for its
//! counts, whatever the number of parents; rows decoded by position.

use std::collections::HashMap;

use futures_util::future::{BoxFuture, FutureExt, try_join_all};
use sea_orm::DatabaseConnection;

use super::build::{Level, Source};
use crate::{
    error::Result,
    graphql::{cursor::Window, i18n::TextRow},
    repo::{
        page::linked_counts,
        rows::{self, Cell, Row, TextCell, TextRead},
    },
};

/// One page of a level, for one parent: the rows in list order.
pub struct PageView {
    /// Indices into [`Fetched::rows`], in list order.
    pub rows: Vec<usize>,
    /// Whether rows exist before the page.
    pub has_previous: bool,
    /// Whether rows exist after the page.
    pub has_next: bool,
}

impl PageView {
    /// The page of rows read in read order (at most limit + 1), as `page::finish` makes it.
    fn of(mut read: Vec<usize>, window: Option<&Window>) -> PageView {
        let Some(window) = window else {
            return PageView {
                rows: read,
                has_previous: false,
                has_next: false,
            };
        };
        let more = read.len() as u64 > window.limit;
        read.truncate(window.limit as usize);
        if window.backward {
            read.reverse();
        }
        let (has_previous, has_next) = window.flags(more);
        PageView {
            rows: read,
            has_previous,
            has_next,
        }
    }
}

/// What one level read.
#[derive(Default)]
pub struct Fetched {
    /// The rows, as read.
    pub rows: Vec<Row>,
    /// The pages, by parent id (0 at the root).
    pub pages: HashMap<i64, PageView>,
    /// The counts, by parent id.
    pub counts: HashMap<i64, i64>,
    /// What the levels below read.
    pub links: Vec<Fetched>,
}

impl Level {
    /// The window of the level's list, if it is a list.
    pub fn window(&self) -> Option<&Window> {
        match &self.source {
            Source::Root(q) | Source::Linked { query: q, .. } => Some(&q.window),
            Source::ById(_) | Source::ByKey(..) => None,
        }
    }

    /// The page of `parent`, or the empty page when it has no rows.
    pub fn empty_page(&self) -> PageView {
        PageView::of(Vec::new(), self.window())
    }
}

/// The text of `read` among a record's texts: the first wanted language there is, else
/// the original language, else the first by code (the chain of `i18n::pick`).
fn choose(texts: &[TextRow], read: &TextRead, original: &str) -> Option<TextCell> {
    let of_field = || texts.iter().filter(|t| t.field == read.field);
    let chosen = read
        .wanted
        .iter()
        .map(String::as_str)
        .chain([original])
        .find_map(|lang| of_field().find(|t| t.lang == lang))
        .or_else(|| of_field().min_by(|a, b| a.lang.cmp(&b.lang)))?;
    Some(TextCell {
        value: chosen.value.clone(),
        lang: chosen.lang.clone(),
        source: chosen.source.clone(),
    })
}

/// Reads `level` for `parents` (ignored at the root), then the levels below.
pub fn fetch<'a>(
    db: &'a DatabaseConnection,
    level: &'a Level,
    parents: &'a [i64],
) -> BoxFuture<'a, Result<Fetched>> {
    async move {
        let table = level.node.table;
        let mut fetched = Fetched::default();
        fetched.rows = match &level.source {
            Source::Root(q) => rows::root_rows(db, table, &level.columns, &level.texts, q).await?,
            Source::ByKey(column, value) => {
                rows::row_by_key(db, table, &level.columns, &level.texts, column, value).await?
            }
            Source::ById(id) => {
                rows::rows_by_id(db, table, &level.columns, &level.texts, &[*id]).await?
            }
            Source::Linked {
                link,
                query,
                edge_cond,
            } => {
                if parents.is_empty() {
                    return Ok(fetched);
                }
                rows::linked_rows(
                    db,
                    link,
                    table,
                    &level.columns,
                    &level.edge,
                    parents,
                    query,
                    edge_cond,
                )
                .await?
            }
        };
        // Rows arrive grouped by parent, in read order.
        let mut groups: Vec<(i64, Vec<usize>)> = Vec::new();
        for (at, row) in fetched.rows.iter().enumerate() {
            match groups.last_mut() {
                Some((parent, group)) if *parent == row.parent => group.push(at),
                _ => groups.push((row.parent, vec![at])),
            }
        }
        let mut ids: Vec<i64> = Vec::new();
        for (parent, group) in groups {
            let page = PageView::of(group, level.window());
            ids.extend(page.rows.iter().map(|at| fetched.rows[*at].id));
            fetched.pages.insert(parent, page);
        }
        ids.sort_unstable();
        ids.dedup();
        // A list under many parents reads its texts in one statement of its own, and
        // chooses each row's here; the other levels chose theirs in their statement.
        if matches!(level.source, Source::Linked { .. })
            && !level.texts.is_empty()
            && !ids.is_empty()
        {
            let mut fields: Vec<&'static str> = level.texts.iter().map(|t| t.field).collect();
            fields.sort_unstable();
            fields.dedup();
            let texts = rows::texts(db, table, &ids, Some(&fields)).await?;
            for row in &mut fetched.rows {
                let original = match level.original.map(|at| &row.cells[at]) {
                    Some(Cell::Text(lang)) => lang.as_str(),
                    _ => "",
                };
                let own = texts.get(&row.id).map(Vec::as_slice).unwrap_or(&[]);
                row.texts = level
                    .texts
                    .iter()
                    .map(|read| choose(own, read, original))
                    .collect();
            }
        }
        if level.count {
            fetched.counts = match &level.source {
                Source::Root(q) => {
                    HashMap::from([(0, rows::count(db, table, q.cond.clone()).await?)])
                }
                Source::Linked {
                    link,
                    query,
                    edge_cond,
                } => linked_counts(db, link, table, parents, &query.cond, edge_cond).await?,
                Source::ById(_) | Source::ByKey(..) => HashMap::new(),
            };
        }
        fetched.links =
            try_join_all(level.links.iter().map(|child| fetch(db, child, &ids))).await?;
        Ok(fetched)
    }
    .boxed()
}
