//! Running a plan: one statement per level (its texts chosen in the same statement), and
//! one for its counts, whatever the number of parents; rows decoded by position.

use std::collections::HashMap;

use futures_util::future::{BoxFuture, FutureExt, try_join_all};
use sea_orm::DatabaseConnection;

use super::build::{Level, Source};
use crate::{
    error::Result,
    graphql::cursor::Window,
    repo::{
        page::linked_counts,
        rows::{self, Row},
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
        PageView {
            rows: read,
            has_previous: if window.backward {
                more
            } else {
                window.after.is_some()
            },
            has_next: if window.backward {
                window.before.is_some()
            } else {
                more
            },
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
            Source::ById(_) => None,
        }
    }

    /// The page of `parent`, or the empty page when it has no rows.
    pub fn empty_page(&self) -> PageView {
        PageView::of(Vec::new(), self.window())
    }
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
                    &level.texts,
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
                Source::ById(_) => HashMap::new(),
            };
        }
        fetched.links =
            try_join_all(level.links.iter().map(|child| fetch(db, child, &ids))).await?;
        Ok(fetched)
    }
    .boxed()
}
