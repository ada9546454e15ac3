//! What the planner knows of each node type: which GraphQL fields are columns (and how
//! they are written), which are translatable texts, and which are lists hanging off the
//! node. Each domain declares its own (`dialogue::object::planned`, ...); the lists come
//! from the same `links!` declarations as the GraphQL fields.

use std::{collections::HashMap, sync::Arc};

use async_graphql::{InputType, Name, Value, resolver_utils::EnumType};
use sea_orm::{ActiveEnum, EntityTrait, IdenStatic, sea_query::Condition};

use crate::{
    config::Settings,
    error::{Error, Result},
    graphql::{
        cursor::PageArgs,
        filter::OrderBy,
        id::NodeType,
        list::{ListArgs, Listable, NodeModel, list_query},
    },
    repo::{
        node::column as node_column,
        page::{Link, ListQuery},
        rows::{ColumnRead, columns_of},
    },
};

/// The arguments of a field, variables substituted.
pub type Args = Vec<(Name, Value)>;

/// The value of argument `name`, if given.
pub fn arg<'a>(args: &'a Args, name: &str) -> Option<&'a Value> {
    args.iter()
        .find(|(n, _)| n.as_str() == name)
        .map(|(_, v)| v)
}

/// Reads argument `name` as a GraphQL input of type `T` (absent reads as `None` for
/// optional types).
pub fn parse<T: InputType>(args: &Args, name: &str) -> Result<T> {
    T::parse(arg(args, name).cloned()).map_err(|e| {
        Error::bad_input(format!(
            "`{name}`: {}",
            e.into_server_error(Default::default()).message
        ))
    })
}

/// The GraphQL names of an enum's database values.
pub type EnumNames = Arc<HashMap<String, &'static str>>;

/// The GraphQL names of the values of an enum column.
pub fn enum_names<A>() -> EnumNames
where
    A: ActiveEnum<Value = String> + EnumType,
{
    Arc::new(
        A::items()
            .iter()
            .map(|item| (item.value.to_value(), item.name))
            .collect(),
    )
}

/// How a column's value is written.
#[derive(Clone, Debug)]
pub enum Out {
    /// As its type says: a number, a string, a date.
    Plain,
    /// As the GraphQL name of its enum value.
    Enum(EnumNames),
}

/// A GraphQL field read from one column.
#[derive(Clone, Debug)]
pub struct ColumnField {
    /// The column.
    pub read: ColumnRead,
    /// How its value is written.
    pub out: Out,
}

/// A column of an edge table exposed on its edges (`role`, `level`).
#[derive(Clone, Debug)]
pub struct EdgeColumn {
    /// The GraphQL field.
    pub field: &'static str,
    /// The column.
    pub read: ColumnRead,
    /// The GraphQL names of its values.
    pub names: EnumNames,
}

impl EdgeColumn {
    /// An enum column of an edge table, exposed under the column's own name.
    pub fn enumerated<A>(column: &'static str) -> EdgeColumn
    where
        A: ActiveEnum<Value = String> + EnumType,
    {
        EdgeColumn {
            field: column,
            read: ColumnRead {
                name: column,
                ty: crate::repo::rows::CellType::Text,
            },
            names: enum_names::<A>(),
        }
    }
}

/// Turns a list field's arguments into the list's query.
pub type ListFn = fn(&Args, &Settings) -> Result<ListQuery>;

/// Turns a link field's arguments into the condition on its edge table (its roles).
pub type EdgeCondFn = fn(&Args) -> Result<Condition>;

/// A list hanging off a node (`dialogue.workshops`).
#[derive(Clone)]
pub struct LinkField {
    /// How children find their parents.
    pub link: &'static Link,
    /// The GraphQL type of the listed nodes.
    pub node: &'static str,
    /// The GraphQL name of the connection type.
    pub connection: String,
    /// The GraphQL name of its edge type.
    pub edge_type: String,
    /// The edge's own fields; `None` when the planner does not serve them.
    pub edge: Option<Vec<EdgeColumn>>,
    /// The list's query from its arguments.
    pub query: ListFn,
    /// The condition on the edge table from the arguments.
    pub edge_cond: EdgeCondFn,
}

/// What the planner serves of one node type.
pub struct NodeCat {
    /// The node type.
    pub kind: NodeType,
    /// Its GraphQL name.
    pub name: &'static str,
    /// Its table.
    pub table: &'static str,
    /// Every readable column of the table (for sort columns).
    pub all_columns: HashMap<&'static str, ColumnRead>,
    /// Fields read from a column, by GraphQL name.
    pub columns: HashMap<String, ColumnField>,
    /// Translatable text fields, by GraphQL name: whether every node has one.
    pub texts: HashMap<&'static str, bool>,
    /// Lists hanging off the node, by GraphQL name.
    pub links: HashMap<String, LinkField>,
    /// The query of a root list of the type.
    pub list: ListFn,
    /// The GraphQL name of its root connection type.
    pub connection: String,
    /// The GraphQL name of its root edge type.
    pub edge_type: String,
}

/// A column name as the GraphQL field name async-graphql gives it (`webcast_url` →
/// `webcastUrl`).
pub fn camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The query of a list of `N` from a connection field's arguments.
pub fn list_of<N: Listable>(args: &Args, settings: &Settings) -> Result<ListQuery>
where
    OrderBy<N::Field>: InputType,
{
    let page = PageArgs {
        first: parse(args, "first")?,
        after: parse(args, "after")?,
        last: parse(args, "last")?,
        before: parse(args, "before")?,
    };
    let list = ListArgs::<N> {
        filter: parse(args, "filter")?,
        order: parse(args, "orderBy")?,
    };
    list_query(settings, page, &list)
}

type Columns<N> = <<N as Listable>::Entity as EntityTrait>::Column;

impl NodeCat {
    /// The declaration of node type `N`: its plain columns, its enum columns, its texts
    /// (with whether every node has one) and its lists. The record fields every node has
    /// (version, timestamps, original language) are added here.
    pub fn of<N: Listable>(
        plain: &[Columns<N>],
        enums: Vec<(Columns<N>, EnumNames)>,
        texts: &[(&'static str, bool)],
        links: Vec<(&'static str, LinkField)>,
    ) -> NodeCat
    where
        OrderBy<N::Field>: InputType,
    {
        let kind = <<N::Entity as EntityTrait>::Model as NodeModel>::KIND;
        let table = kind.table();
        let all_columns = columns_of::<N::Entity>();
        let mut columns = HashMap::new();
        let mut add = |field: String, column: &'static str, out: Out| {
            if let Some(read) = all_columns.get(column) {
                columns.insert(field, ColumnField { read: *read, out });
            }
        };
        for c in plain {
            add(camel(c.as_str()), c.as_str(), Out::Plain);
        }
        for (c, names) in enums {
            add(camel(c.as_str()), c.as_str(), Out::Enum(names));
        }
        for c in [
            node_column::VERSION,
            node_column::CREATED_AT,
            node_column::UPDATED_AT,
        ] {
            add(camel(c), c, Out::Plain);
        }
        add(
            "originalLanguage".into(),
            node_column::ORIGINAL_LANG,
            Out::Plain,
        );
        let connection = <crate::graphql::connection::Connection<
            N,
            crate::graphql::connection::Plain,
        > as async_graphql::TypeName>::type_name()
        .into_owned();
        let edge_type = <crate::graphql::connection::Edge<N, crate::graphql::connection::Plain> as async_graphql::TypeName>::type_name().into_owned();
        NodeCat {
            kind,
            name: kind.name(),
            table,
            all_columns,
            columns,
            texts: texts.iter().copied().collect(),
            links: links.into_iter().map(|(f, l)| (camel(f), l)).collect(),
            list: list_of::<N>,
            connection,
            edge_type,
        }
    }
}

/// A root field that finds one node by a unique column (`dialogueBySlug(slug:)`).
pub struct Lookup {
    /// The node type.
    pub node: &'static str,
    /// The unique column.
    pub column: &'static str,
    /// The argument that holds its value.
    pub argument: &'static str,
}

/// Every node type the planner serves, by GraphQL name.
pub struct Catalogue {
    /// The node types.
    pub nodes: HashMap<&'static str, NodeCat>,
    /// Root list fields (`dialogues`) and the node type each lists.
    pub roots: HashMap<String, &'static str>,
    /// Root lookups by a unique column, by field.
    pub lookups: HashMap<&'static str, Lookup>,
}

impl Catalogue {
    /// The declarations of all domains.
    pub fn new() -> Catalogue {
        let nodes: Vec<NodeCat> = vec![
            crate::dialogue::planned(),
            crate::workshop::planned(),
            crate::report::planned(),
            crate::tool::planned(),
            crate::organisation::planned(),
            crate::person::planned(),
            crate::theme::planned(),
            crate::source::planned(),
        ];
        let roots = nodes.iter().map(|n| (root_field(n.kind), n.name)).collect();
        // The lookups whose column is unique among live rows (a report's symbol is not).
        let lookup = |node: NodeType, column: &'static str| Lookup {
            node: node.name(),
            column,
            argument: column,
        };
        let lookups = HashMap::from([
            (
                "dialogueBySlug",
                lookup(NodeType::Dialogue, entity::dialogue::Column::Slug.as_str()),
            ),
            (
                "organisationBySlug",
                lookup(
                    NodeType::Organisation,
                    entity::organisation::Column::Slug.as_str(),
                ),
            ),
            (
                "themeByCode",
                lookup(NodeType::Theme, entity::theme::Column::Code.as_str()),
            ),
        ]);
        Catalogue {
            nodes: nodes.into_iter().map(|n| (n.name, n)).collect(),
            roots,
            lookups,
        }
    }
}

impl Default for Catalogue {
    fn default() -> Self {
        Catalogue::new()
    }
}

/// The root list field of a node type (`dialogues`, `people`, ...).
fn root_field(kind: NodeType) -> String {
    match kind {
        NodeType::Person => "people".into(),
        k => format!("{}s", camel(k.table())),
    }
}
