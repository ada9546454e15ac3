//! From an operation to a plan: the selection collected as the specification's
//! CollectFields does (selection order, fragments in place, one entry per response key,
//! `@skip`/`@include`), each field matched to the catalogue, each list's arguments read.
//! Anything the catalogue does not hold makes the whole operation unplanned (`None`), and
//! async-graphql's executor runs it instead.

use async_graphql::{
    Name, Value, Variables,
    parser::types::{ExecutableDocument, Field, OperationType, Selection, SelectionSet},
};

use super::catalogue::{Args, Catalogue, LinkField, NodeCat, Out, arg};
use crate::{
    config::Settings,
    graphql::{
        complete::skipped,
        i18n::{FALLBACK, check_language},
        id::{NodeType, decode},
        shapes::find_operation,
    },
    repo::{
        node::column as node_column,
        page::{Link, ListQuery},
        rows::{ColumnRead, TextRead},
    },
};

/// Where a level's rows come from.
pub enum Source {
    /// A root list.
    Root(ListQuery),
    /// A list under each row of the level above.
    Linked {
        /// The relation.
        link: &'static Link,
        /// The list's query.
        query: ListQuery,
        /// The condition on the edge table.
        edge_cond: sea_orm::sea_query::Condition,
    },
    /// One node by id (`node(id:)`).
    ById(i64),
    /// One node by a unique column (`dialogueBySlug(slug:)`): the column and the value.
    ByKey(&'static str, String),
}

/// The rows of one table read for one place of the operation, and what is written of them.
pub struct Level {
    /// The node type.
    pub node: &'static NodeCat,
    /// Where the rows come from.
    pub source: Source,
    /// The columns read, in statement order.
    pub columns: Vec<ColumnRead>,
    /// The edge table's columns read.
    pub edge: Vec<ColumnRead>,
    /// The translatable texts read (a field in a chain of languages).
    pub texts: Vec<TextRead>,
    /// Where `original_lang` sits in `columns` (when texts are read).
    pub original: Option<usize>,
    /// Where the sort column sits in `columns` (for cursors).
    pub sort: Option<usize>,
    /// The name of the list's order, as cursors carry it.
    pub order_key: String,
    /// Whether the list is counted (`totalCount`).
    pub count: bool,
    /// The lists under this level's rows.
    pub links: Vec<Level>,
    /// What is written.
    pub out: LevelOut,
}

/// What a level writes: a connection, or (for `node(id:)`) the object itself.
pub enum LevelOut {
    /// A connection.
    Connection(Vec<(Name, ConnItem)>),
    /// One object, or null.
    Object(Object),
}

/// A field of a connection.
pub enum ConnItem {
    /// `__typename`.
    Typename(String),
    /// `edges`.
    Edges(Vec<(Name, EdgeItem)>),
    /// `nodes`.
    Nodes(Object),
    /// `pageInfo`.
    PageInfo(Vec<(Name, PageItem)>),
    /// `totalCount`.
    TotalCount,
}

/// A field of an edge.
pub enum EdgeItem {
    /// `__typename`.
    Typename(String),
    /// `cursor`.
    Cursor,
    /// `node`.
    Node(Object),
    /// A column of the edge table: its place in [`Level::edge`], and how it is written.
    Column(usize, Out),
}

/// A field of `PageInfo`.
pub enum PageItem {
    /// `__typename`.
    Typename,
    /// `hasNextPage`.
    HasNext,
    /// `hasPreviousPage`.
    HasPrevious,
    /// `startCursor`.
    StartCursor,
    /// `endCursor`.
    EndCursor,
}

/// The fields written of each node of a level.
pub struct Object(pub Vec<(Name, ObjItem)>);

/// A field of a node.
pub enum ObjItem {
    /// `__typename`.
    Typename(&'static str),
    /// `id`.
    Id,
    /// A column: its place in [`Level::columns`] and how it is written.
    Column(usize, Out),
    /// A translatable text.
    Text {
        /// Its place in [`Level::texts`].
        at: usize,
        /// The language served when no fallback is needed.
        first: String,
        /// Every node has one (the field is non-null).
        required: bool,
        /// The fields of `LocalizedText` written.
        items: Vec<(Name, TextItem)>,
    },
    /// A list: its place in [`Level::links`].
    Link(usize),
}

/// A field of `LocalizedText`.
pub enum TextItem {
    /// `__typename`.
    Typename,
    /// `text`.
    Text,
    /// `lang`.
    Lang,
    /// `isFallback`.
    IsFallback,
    /// `source`.
    Source,
}

/// A root field.
pub enum RootItem {
    /// `__typename`.
    Typename,
    /// A root list, `node(id:)` or a lookup by a unique column.
    Level(Box<Level>),
}

/// The plan of one query operation.
pub struct Plan {
    /// The root fields, in order.
    pub root: Vec<(Name, RootItem)>,
}

/// Fields grouped by response key, in the order keys first appear.
type Grouped<'d> = Vec<(Name, Vec<&'d Field>)>;

/// The deepest fragment nesting followed (validation refuses cycles; this bounds the
/// walk before it runs).
const MAX_FRAGMENT_DEPTH: usize = 32;

struct Builder<'d> {
    catalogue: &'static Catalogue,
    doc: &'d ExecutableDocument,
    variables: &'d Variables,
    settings: &'d Settings,
    languages: &'d [String],
}

/// The plan of `doc`'s operation `name` for a reader of `languages` (best first), if the
/// planner serves every field of it.
pub fn plan(
    catalogue: &'static Catalogue,
    doc: &ExecutableDocument,
    name: Option<&str>,
    variables: &Variables,
    settings: &Settings,
    languages: &[String],
) -> Option<Plan> {
    let operation = find_operation(doc, name)?;
    if operation.ty != OperationType::Query {
        return None;
    }
    let b = Builder {
        catalogue,
        doc,
        variables,
        settings,
        languages,
    };
    let fields = b.collect(&[&operation.selection_set.node], &|on| on == "Query")?;
    let mut root = Vec::with_capacity(fields.len());
    for (key, group) in fields {
        let f = group[0];
        let item = match f.name.node.as_str() {
            "__typename" => RootItem::Typename,
            "node" => {
                let args = b.args(f)?;
                let Some(Value::String(id)) = arg(&args, "id") else {
                    return None;
                };
                let (kind, id) = decode(&async_graphql::ID(id.clone())).ok()?;
                let node = b.node_cat(kind)?;
                let mut level = Level::new(node, Source::ById(id));
                let object = b.object(&mut level, &selections(&group))?;
                level.out = LevelOut::Object(object);
                RootItem::Level(Box::new(level))
            }
            field if catalogue.lookups.contains_key(field) => {
                let lookup = catalogue.lookups.get(field)?;
                let node = catalogue.nodes.get(lookup.node)?;
                let args = b.args(f)?;
                let Some(Value::String(value)) = arg(&args, lookup.argument) else {
                    return None;
                };
                let mut level = Level::new(node, Source::ByKey(lookup.column, value.clone()));
                let object = b.object(&mut level, &selections(&group))?;
                level.out = LevelOut::Object(object);
                RootItem::Level(Box::new(level))
            }
            field => {
                let type_name = catalogue.roots.get(field)?;
                let node = catalogue.nodes.get(type_name)?;
                let args = b.args(f)?;
                let query = (node.list)(&args, settings).ok()?;
                let mut level = Level::new(node, Source::Root(query));
                let out = b.connection(
                    &mut level,
                    &selections(&group),
                    &node.connection,
                    &node.edge_type,
                    Some(&[]),
                )?;
                level.out = LevelOut::Connection(out);
                RootItem::Level(Box::new(level))
            }
        };
        root.push((key, item));
    }
    Some(Plan { root })
}

fn selections<'d>(group: &[&'d Field]) -> Vec<&'d SelectionSet> {
    group.iter().map(|f| &f.selection_set.node).collect()
}

impl Level {
    fn new(node: &'static NodeCat, source: Source) -> Level {
        let mut level = Level {
            node,
            source,
            columns: Vec::new(),
            edge: Vec::new(),
            texts: Vec::new(),
            original: None,
            sort: None,
            order_key: String::new(),
            count: false,
            links: Vec::new(),
            out: LevelOut::Connection(Vec::new()),
        };
        let order = match &level.source {
            Source::Root(q) | Source::Linked { query: q, .. } => {
                level.order_key = q.order.key();
                Some(q.order.column)
            }
            Source::ById(_) | Source::ByKey(..) => None,
        };
        if let Some(column) = order.and_then(|c| node.all_columns.get(c)) {
            level.sort = Some(level.column(*column));
        }
        level
    }

    /// The place of `read` in the level's columns, added if new.
    fn column(&mut self, read: ColumnRead) -> usize {
        match self.columns.iter().position(|c| c.name == read.name) {
            Some(at) => at,
            None => {
                self.columns.push(read);
                self.columns.len() - 1
            }
        }
    }
}

impl<'d> Builder<'d> {
    fn node_cat(&self, kind: NodeType) -> Option<&'static NodeCat> {
        self.catalogue.nodes.get(kind.name())
    }

    /// Collects the fields of `sets` for an object whose type satisfies `applies`.
    fn collect(
        &self,
        sets: &[&'d SelectionSet],
        applies: &dyn Fn(&str) -> bool,
    ) -> Option<Grouped<'d>> {
        let mut out: Grouped<'d> = Vec::new();
        for set in sets {
            self.collect_into(set, applies, &mut out, 0)?;
        }
        Some(out)
    }

    fn collect_into(
        &self,
        set: &'d SelectionSet,
        applies: &dyn Fn(&str) -> bool,
        out: &mut Grouped<'d>,
        depth: usize,
    ) -> Option<()> {
        if depth > MAX_FRAGMENT_DEPTH {
            return None;
        }
        for selection in &set.items {
            match &selection.node {
                Selection::Field(f) => {
                    if skipped(&f.node.directives, self.variables) {
                        continue;
                    }
                    let key = f.node.response_key().node.clone();
                    match out.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, group)) => group.push(&f.node),
                        None => out.push((key, vec![&f.node])),
                    }
                }
                Selection::FragmentSpread(spread) => {
                    if skipped(&spread.node.directives, self.variables) {
                        continue;
                    }
                    let fragment = self.doc.fragments.get(&spread.node.fragment_name.node)?;
                    if applies(fragment.node.type_condition.node.on.node.as_str()) {
                        self.collect_into(
                            &fragment.node.selection_set.node,
                            applies,
                            out,
                            depth + 1,
                        )?;
                    }
                }
                Selection::InlineFragment(inline) => {
                    if skipped(&inline.node.directives, self.variables) {
                        continue;
                    }
                    let applies_here = match &inline.node.type_condition {
                        Some(c) => applies(c.node.on.node.as_str()),
                        None => true,
                    };
                    if applies_here {
                        self.collect_into(
                            &inline.node.selection_set.node,
                            applies,
                            out,
                            depth + 1,
                        )?;
                    }
                }
            }
        }
        Some(())
    }

    /// A field's arguments with variables substituted.
    fn args(&self, f: &Field) -> Option<Args> {
        f.arguments
            .iter()
            .map(|(name, value)| {
                let v = value
                    .node
                    .clone()
                    .into_const_with(|var| self.variables.get(&var).cloned().ok_or(()))
                    .ok()?;
                Some((name.node.clone(), v))
            })
            .collect()
    }

    /// The fields of a connection over `level`.
    fn connection(
        &self,
        level: &mut Level,
        sets: &[&'d SelectionSet],
        connection: &str,
        edge_type: &str,
        edge_columns: Option<&[super::catalogue::EdgeColumn]>,
    ) -> Option<Vec<(Name, ConnItem)>> {
        let fields = self.collect(sets, &|on| on == connection)?;
        let mut out = Vec::with_capacity(fields.len());
        for (key, group) in fields {
            let f = group[0];
            let item = match f.name.node.as_str() {
                "__typename" => ConnItem::Typename(connection.to_string()),
                "totalCount" => {
                    level.count = true;
                    ConnItem::TotalCount
                }
                "nodes" => ConnItem::Nodes(self.object(level, &selections(&group))?),
                "pageInfo" => {
                    let fields = self.collect(&selections(&group), &|on| on == "PageInfo")?;
                    let mut items = Vec::new();
                    for (key, group) in fields {
                        items.push((
                            key,
                            match group[0].name.node.as_str() {
                                "__typename" => PageItem::Typename,
                                "hasNextPage" => PageItem::HasNext,
                                "hasPreviousPage" => PageItem::HasPrevious,
                                "startCursor" => PageItem::StartCursor,
                                "endCursor" => PageItem::EndCursor,
                                _ => return None,
                            },
                        ));
                    }
                    ConnItem::PageInfo(items)
                }
                "edges" => {
                    let fields = self.collect(&selections(&group), &|on| on == edge_type)?;
                    let mut items = Vec::new();
                    for (key, group) in fields {
                        let name = group[0].name.node.as_str();
                        let item = match name {
                            "__typename" => EdgeItem::Typename(edge_type.to_string()),
                            "cursor" => EdgeItem::Cursor,
                            "node" => EdgeItem::Node(self.object(level, &selections(&group))?),
                            _ => {
                                let column = edge_columns?.iter().find(|c| c.field == name)?;
                                let at = match level
                                    .edge
                                    .iter()
                                    .position(|c| c.name == column.read.name)
                                {
                                    Some(at) => at,
                                    None => {
                                        level.edge.push(column.read);
                                        level.edge.len() - 1
                                    }
                                };
                                EdgeItem::Column(at, Out::Enum(column.names.clone()))
                            }
                        };
                        items.push((key, item));
                    }
                    ConnItem::Edges(items)
                }
                _ => return None,
            };
            out.push((key, item));
        }
        Some(out)
    }

    /// The fields of each node of `level`.
    fn object(&self, level: &mut Level, sets: &[&'d SelectionSet]) -> Option<Object> {
        let node = level.node;
        let fields = self.collect(sets, &|on| on == node.name || on == "Node")?;
        let mut out = Vec::with_capacity(fields.len());
        for (key, group) in fields {
            let f = group[0];
            let name = f.name.node.as_str();
            let item = if name == "__typename" {
                ObjItem::Typename(node.name)
            } else if name == "id" {
                ObjItem::Id
            } else if let Some(c) = node.columns.get(name) {
                ObjItem::Column(level.column(c.read), c.out.clone())
            } else if let Some((field, required)) = node.texts.get_key_value(name) {
                let args = self.args(f)?;
                let lang = match arg(&args, "lang") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(tag)) => Some(check_language(tag).ok()?),
                    Some(_) => return None,
                };
                // The chain of `i18n::pick`: the language asked for, else the request's,
                // then English (then, in the statement, the original language).
                let mut wanted: Vec<String> = match lang {
                    Some(lang) => vec![lang],
                    None => self.languages.to_vec(),
                };
                let first = wanted
                    .first()
                    .cloned()
                    .unwrap_or_else(|| FALLBACK.to_string());
                wanted.push(FALLBACK.to_string());
                let read = TextRead { field, wanted };
                let at = match level.texts.iter().position(|t| *t == read) {
                    Some(at) => at,
                    None => {
                        level.texts.push(read);
                        level.texts.len() - 1
                    }
                };
                if level.original.is_none() {
                    let original = *node.all_columns.get(node_column::ORIGINAL_LANG)?;
                    level.original = Some(level.column(original));
                }
                let fields = self.collect(&selections(&group), &|on| on == "LocalizedText")?;
                let mut items = Vec::new();
                for (key, group) in fields {
                    items.push((
                        key,
                        match group[0].name.node.as_str() {
                            "__typename" => TextItem::Typename,
                            "text" => TextItem::Text,
                            "lang" => TextItem::Lang,
                            "isFallback" => TextItem::IsFallback,
                            "source" => TextItem::Source,
                            _ => return None,
                        },
                    ));
                }
                ObjItem::Text {
                    at,
                    first,
                    required: *required,
                    items,
                }
            } else if let Some(link) = node.links.get(name) {
                let child = self.link(link, f, &selections(&group))?;
                level.links.push(child);
                ObjItem::Link(level.links.len() - 1)
            } else {
                return None;
            };
            out.push((key, item));
        }
        Some(Object(out))
    }

    /// The level of a list under each node.
    fn link(&self, link: &LinkField, f: &Field, sets: &[&'d SelectionSet]) -> Option<Level> {
        let node = self.catalogue.nodes.get(link.node)?;
        let args = self.args(f)?;
        let query = (link.query)(&args, self.settings).ok()?;
        let edge_cond = (link.edge_cond)(&args).ok()?;
        let mut level = Level::new(
            node,
            Source::Linked {
                link: link.link,
                query,
                edge_cond,
            },
        );
        let out = self.connection(
            &mut level,
            sets,
            &link.connection,
            &link.edge_type,
            link.edge.as_deref(),
        )?;
        level.out = LevelOut::Connection(out);
        Some(level)
    }
}
