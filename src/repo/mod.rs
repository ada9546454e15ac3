//! The store: Agora's talk with the database (SQL through SeaORM), shared by every
//! domain. It imports nothing from the layers above it (GraphQL, the read planner, HTTP),
//! which `tests/api/layers.rs` checks.
//!
//! - `node`: the node types and lookups on any node table;
//! - `edges`: the edge tables, and finding, adding and removing edges;
//! - `page` and `cursor`: keyset pagination, for root lists and for lists under many
//!   parents at once, and its cursors;
//! - `rows`: the same statements with a chosen select list, read by position (the read
//!   planner's);
//! - `loader`: the request's batched loads (the dataloader);
//! - `filter` and `facet`: the SQL of relation filters, and counts grouped by a field;
//! - `text`: translatable texts, loaded for many records at once and written;
//! - `write`: one transaction per write, versions, timestamps, the feed and history;
//! - `stage` and `edge_stage`: the records and edges of a batch written together, a few
//!   statements per table.
//!
//! Feature code keeps its SQL with its feature: the search index (`search::repo`), API
//! keys (`auth::keys`), the change feed and idempotency (`sync::changes`,
//! `sync::idempotency`), exports and imports (`export::repo`) and the synthetic graph
//! (`seed::generate`).

/// A table of the database by its module in the entity crate (the declaration of every
/// table and column): `table!(dialogue)` is `"dialogue"`, and a table the entity crate
/// does not declare fails to compile.
#[macro_export]
macro_rules! table {
    ($table:ident) => {{
        const _: fn(&::entity::$table::Model) = |_| {};
        stringify!($table)
    }};
}

/// A column of a table of the entity crate: `column_name!(dialogue.year)` is `"year"`, and a
/// misspelt table or column fails to compile. `column_name!(id in dialogue, workshop)` names a
/// column that each of the tables has.
///
/// ```
/// assert_eq!(agora::column_name!(dialogue.year), "year");
/// assert_eq!(agora::column_name!(role in dialogue_person, workshop_person), "role");
/// assert_eq!(agora::table!(theme_tag), "theme_tag");
/// ```
///
/// ```compile_fail
/// let _ = agora::column_name!(dialogue.yeer);
/// ```
///
/// ```compile_fail
/// // Themes have no role.
/// let _ = agora::column_name!(role in dialogue_person, theme);
/// ```
#[macro_export]
macro_rules! column_name {
    ($table:ident . $column:ident) => {
        $crate::column_name!($column in $table)
    };
    ($column:ident in $($table:ident),+) => {{
        $(const _: fn(&::entity::$table::Model) = |row| {
            let _ = &row.$column;
        };)+
        stringify!($column)
    }};
}

/// A column qualified by its table, as an SQL expression: `col!(dialogue.year)`.
#[macro_export]
macro_rules! col {
    ($table:ident . $column:ident) => {
        $crate::repo::col($crate::table!($table), $crate::column_name!($table.$column))
    };
}

pub mod cursor;
pub mod edge_stage;
pub mod edges;
pub mod facet;
pub mod filter;
pub mod loader;
pub mod node;
pub mod page;
pub mod rows;
pub mod stage;
pub mod text;
pub mod write;

use sea_orm::sea_query::Expr;

/// A column of a table, qualified by the table's name. Names come from the declarations:
/// the macros below, `node::column`, `edges::column` and the edge tables.
pub fn col(table: &'static str, column: &'static str) -> Expr {
    Expr::col((table, column))
}
