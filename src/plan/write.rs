//! Writing a planned answer: JSON straight from the fetched rows into bytes, keys in the
//! order of the selection, with no future and no `Value` per field.

use std::io::Write as _;

use super::{
    build::{
        ConnItem, EdgeItem, Level, LevelOut, ObjItem, Object, PageItem, Plan, RootItem, TextItem,
    },
    catalogue::Out,
    fetch::{Fetched, PageView},
};
use crate::{
    error::{Error, Result},
    graphql::{
        cursor::{Cursor, SortValue},
        id::encode,
    },
    repo::rows::{Cell, Row, TextCell},
};

/// Writes the `data` of a planned operation from what its levels read (one [`Fetched`]
/// per root level, in order).
pub fn write(plan: &Plan, fetched: &[Fetched]) -> Result<Vec<u8>> {
    let mut w = Writer {
        out: Vec::with_capacity(4096),
    };
    w.out.push(b'{');
    let mut levels = fetched.iter();
    for (i, (key, item)) in plan.root.iter().enumerate() {
        w.key(i, key);
        match item {
            RootItem::Typename => w.string("Query")?,
            RootItem::Level(level) => {
                let f = levels
                    .next()
                    .ok_or_else(|| Error::internal("a planned level was not fetched"))?;
                match &level.out {
                    LevelOut::Connection(items) => w.connection(level, f, items, 0)?,
                    LevelOut::Object(object) => {
                        let row = f.pages.get(&0).and_then(|p| p.rows.first());
                        match row {
                            Some(at) => w.object(level, f, object, &f.rows[*at])?,
                            None => w.null(),
                        }
                    }
                }
            }
        }
    }
    w.out.push(b'}');
    Ok(w.out)
}

struct Writer {
    out: Vec<u8>,
}

impl Writer {
    /// `"key":`, after a comma unless it is the first of its object.
    fn key(&mut self, i: usize, key: &str) {
        if i > 0 {
            self.out.push(b',');
        }
        self.out.push(b'"');
        // GraphQL names need no escaping.
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\":");
    }

    fn string(&mut self, s: &str) -> Result<()> {
        serde_json::to_writer(&mut self.out, s)
            .map_err(|e| Error::internal(format!("could not write a string: {e}")))
    }

    fn null(&mut self) {
        self.out.extend_from_slice(b"null");
    }

    fn bool(&mut self, b: bool) {
        self.out
            .extend_from_slice(if b { b"true" as &[u8] } else { b"false" });
    }

    fn int(&mut self, i: i64) {
        self.out
            .extend_from_slice(itoa::Buffer::new().format(i).as_bytes());
    }

    fn cell(&mut self, cell: &Cell, out: &Out) -> Result<()> {
        match (cell, out) {
            (Cell::Null, _) => self.null(),
            (Cell::Text(s), Out::Enum(names)) => match names.get(s.as_str()) {
                Some(name) => self.string(name)?,
                None => return Err(Error::internal(format!("no enum value for `{s}`"))),
            },
            (_, Out::Enum(_)) => return Err(Error::internal("an enum column is not text")),
            (Cell::Int(i), Out::Plain) => self.int(*i),
            (Cell::Float(f), Out::Plain) => serde_json::to_writer(&mut self.out, f)
                .map_err(|e| Error::internal(format!("could not write a number: {e}")))?,
            (Cell::Bool(b), Out::Plain) => self.bool(*b),
            (Cell::Text(s), Out::Plain) => self.string(s)?,
            (Cell::Date(d), Out::Plain) => {
                let _ = write!(self.out, "\"{}\"", d.format("%Y-%m-%d"));
            }
            (Cell::Time(t), Out::Plain) => {
                let _ = write!(self.out, "\"{}\"", t.to_rfc3339());
            }
        }
        Ok(())
    }

    fn cursor(&mut self, level: &Level, row: &Row) -> Result<()> {
        let value = level
            .sort
            .map(|at| row.cells[at].sort_value())
            .unwrap_or(SortValue::Null);
        let cursor = Cursor {
            order: level.order_key.clone(),
            value,
            id: row.id,
        };
        self.string(&cursor.encode())
    }

    fn connection(
        &mut self,
        level: &Level,
        f: &Fetched,
        items: &[(async_graphql::Name, ConnItem)],
        parent: i64,
    ) -> Result<()> {
        let empty;
        let page: &PageView = match f.pages.get(&parent) {
            Some(p) => p,
            None => {
                empty = level.empty_page();
                &empty
            }
        };
        self.out.push(b'{');
        for (i, (key, item)) in items.iter().enumerate() {
            self.key(i, key);
            match item {
                ConnItem::Typename(name) => self.string(name)?,
                ConnItem::TotalCount => self.int(f.counts.get(&parent).copied().unwrap_or(0)),
                ConnItem::Nodes(object) => {
                    self.out.push(b'[');
                    for (n, at) in page.rows.iter().enumerate() {
                        if n > 0 {
                            self.out.push(b',');
                        }
                        self.object(level, f, object, &f.rows[*at])?;
                    }
                    self.out.push(b']');
                }
                ConnItem::Edges(edge_items) => {
                    self.out.push(b'[');
                    for (n, at) in page.rows.iter().enumerate() {
                        if n > 0 {
                            self.out.push(b',');
                        }
                        let row = &f.rows[*at];
                        self.out.push(b'{');
                        for (j, (key, item)) in edge_items.iter().enumerate() {
                            self.key(j, key);
                            match item {
                                EdgeItem::Typename(name) => self.string(name)?,
                                EdgeItem::Cursor => self.cursor(level, row)?,
                                EdgeItem::Node(object) => self.object(level, f, object, row)?,
                                EdgeItem::Column(at, out) => self.cell(&row.edge[*at], out)?,
                            }
                        }
                        self.out.push(b'}');
                    }
                    self.out.push(b']');
                }
                ConnItem::PageInfo(page_items) => {
                    self.out.push(b'{');
                    for (j, (key, item)) in page_items.iter().enumerate() {
                        self.key(j, key);
                        match item {
                            PageItem::Typename => self.string("PageInfo")?,
                            PageItem::HasNext => self.bool(page.has_next),
                            PageItem::HasPrevious => self.bool(page.has_previous),
                            PageItem::StartCursor | PageItem::EndCursor => {
                                let at = if matches!(item, PageItem::StartCursor) {
                                    page.rows.first()
                                } else {
                                    page.rows.last()
                                };
                                match at {
                                    Some(at) => self.cursor(level, &f.rows[*at])?,
                                    None => self.null(),
                                }
                            }
                        }
                    }
                    self.out.push(b'}');
                }
            }
        }
        self.out.push(b'}');
        Ok(())
    }

    fn object(&mut self, level: &Level, f: &Fetched, object: &Object, row: &Row) -> Result<()> {
        self.out.push(b'{');
        for (i, (key, item)) in object.0.iter().enumerate() {
            self.key(i, key);
            match item {
                ObjItem::Typename(name) => self.string(name)?,
                ObjItem::Id => self.string(&encode(level.node.kind, row.id).0)?,
                ObjItem::Column(at, out) => self.cell(&row.cells[*at], out)?,
                ObjItem::Text {
                    at,
                    first,
                    required,
                    items,
                } => match &row.texts[*at] {
                    Some(text) => self.text(text, text.lang != *first, items)?,
                    None if *required => {
                        return Err(Error::internal(format!(
                            "{} {} has no {}",
                            level.node.name, row.id, level.texts[*at].field
                        )));
                    }
                    None => self.null(),
                },
                ObjItem::Link(at) => {
                    let (child, fetched) = (&level.links[*at], &f.links[*at]);
                    match &child.out {
                        LevelOut::Connection(items) => {
                            self.connection(child, fetched, items, row.id)?
                        }
                        LevelOut::Object(_) => {
                            return Err(Error::internal("a list planned as an object"));
                        }
                    }
                }
            }
        }
        self.out.push(b'}');
        Ok(())
    }

    fn text(
        &mut self,
        text: &TextCell,
        is_fallback: bool,
        items: &[(async_graphql::Name, TextItem)],
    ) -> Result<()> {
        self.out.push(b'{');
        for (i, (key, item)) in items.iter().enumerate() {
            self.key(i, key);
            match item {
                TextItem::Typename => self.string("LocalizedText")?,
                TextItem::Text => self.string(&text.value)?,
                TextItem::Lang => self.string(&text.lang)?,
                TextItem::IsFallback => self.bool(is_fallback),
                TextItem::Source => match &text.source {
                    Some(s) => self.string(s)?,
                    None => self.null(),
                },
            }
        }
        self.out.push(b'}');
        Ok(())
    }
}
