//! The connection fields of node types and of the root, declared one line each.
//!
//! Every connection field takes the same Relay arguments (`first`, `after`, `last`,
//! `before`), a filter and an order on the type it lists, and sometimes a list of roles
//! kept on the edge; its resolver is always the same call. [`links!`] and [`roots!`] write
//! those fields from a declaration per field, so that their arguments and documentation
//! are written once, here.

/// Declares the lists hanging off a node type, as an object of their own (`$links`) that
/// the node type merges into itself with `#[graphql(flatten)]`.
///
/// ```text
/// links!(DialogueLinks(dialogue::Model) {
///     /// The workshops (sessions) of this dialogue.
///     workshops -> Workshop, Plain = crate::workshop::repo::OF_DIALOGUE;
///     /// The organisations taking part, with the role of each.
///     participants [role: ParticipationRole = "dialogue_participant"."role"]
///         -> Organisation, Participation = crate::organisation::repo::OF_DIALOGUE;
/// });
/// ```
macro_rules! links {
    ($links:ident($model:ty) {
        $(
            $(#[doc = $doc:literal])+
            $field:ident $([$role:ident: $role_ty:ty = $edge:ident . $column:ident])?
                -> $node:ty, $data:ty = $link:path;
        )+
    }) => {
        /// The lists hanging off a node (merged into the node type).
        pub struct $links(pub $crate::graphql::loader::Batched<$model>);

        /// The lists hanging off a node (merged into the node type).
        #[async_graphql::Object]
        impl $links {
            $(
                $(#[doc = $doc])+
                async fn $field(
                    &self,
                    ctx: &async_graphql::Context<'_>,
                    $(
                        #[graphql(desc = "Keep only the edges with one of these values.")]
                        $role: Option<Vec<$role_ty>>,
                    )?
                    #[graphql(desc = "Return the first n edges (at most the page-size limit, 100 by default).")]
                    first: Option<i32>,
                    #[graphql(desc = "Return the edges after this cursor.")]
                    after: Option<String>,
                    #[graphql(desc = "Return the last n edges (at most the page-size limit).")]
                    last: Option<i32>,
                    #[graphql(desc = "Return the edges before this cursor.")]
                    before: Option<String>,
                    #[graphql(desc = "Keep only the nodes that match.")]
                    filter: Option<<$node as $crate::graphql::list::Listable>::Filter>,
                    #[graphql(desc = "The order of the edges; by id when absent.")]
                    order_by: Option<$crate::graphql::filter::OrderBy<<$node as $crate::graphql::list::Listable>::Field>>,
                ) -> $crate::error::Result<$crate::graphql::connection::Connection<$node, $data>> {
                    let page = $crate::graphql::cursor::PageArgs { first, after, last, before };
                    let args = $crate::graphql::list::ListArgs { filter, order: order_by };
                    let edge = $crate::graphql::links::edge_cond!($($role, $edge, $column)?);
                    $crate::graphql::list::linked(ctx, &$link, &self.0, page, args, edge).await
                }
            )+
        }

        impl $links {
            /// The lists, as the read planner (`crate::plan`) serves them.
            pub fn planned() -> Vec<(&'static str, $crate::plan::catalogue::LinkField)> {
                vec![$(
                    (stringify!($field), $crate::plan::catalogue::LinkField {
                        link: &$link,
                        node: <<<$node as $crate::graphql::list::Listable>::Entity as sea_orm::EntityTrait>::Model
                            as $crate::graphql::list::NodeModel>::KIND.name(),
                        connection: <$crate::graphql::connection::Connection<$node, $data>
                            as async_graphql::TypeName>::type_name().into_owned(),
                        edge_type: <$crate::graphql::connection::Edge<$node, $data>
                            as async_graphql::TypeName>::type_name().into_owned(),
                        edge: <$data as $crate::graphql::connection::EdgeData>::planned(),
                        query: $crate::plan::catalogue::list_of::<$node>,
                        edge_cond: |_args| {
                            Ok($crate::graphql::links::planned_edge_cond!(_args $(, $role: $role_ty, $edge, $column)?))
                        },
                    }),
                )+]
            }
        }
    };
}

/// The edge condition of a link field from the planner's arguments.
macro_rules! planned_edge_cond {
    ($args:ident) => {
        sea_orm::sea_query::Condition::all()
    };
    ($args:ident, $role:ident: $role_ty:ty, $edge:ident, $column:ident) => {
        $crate::repo::filter::role_in::<$role_ty>(
            $crate::table!($edge),
            $crate::column_name!($edge.$column),
            $crate::plan::catalogue::parse($args, stringify!($role))?,
        )
    };
}

/// The condition on the edge table of a link field: its roles, when it takes some.
macro_rules! edge_cond {
    () => {
        sea_orm::sea_query::Condition::all()
    };
    ($role:ident, $edge:ident, $column:ident) => {
        $crate::repo::filter::role_in(
            $crate::table!($edge),
            $crate::column_name!($edge.$column),
            $role,
        )
    };
}

/// Declares root lists (`dialogues`, ...) as a root object of their own.
macro_rules! roots {
    ($query:ident {
        $(
            $(#[doc = $doc:literal])+
            $field:ident -> $node:ty;
        )+
    }) => {
        /// Root lists.
        #[derive(Default)]
        pub struct $query;

        /// Root lists.
        #[async_graphql::Object]
        impl $query {
            $(
                $(#[doc = $doc])+
                async fn $field(
                    &self,
                    ctx: &async_graphql::Context<'_>,
                    #[graphql(desc = "Return the first n edges (at most the page-size limit, 100 by default).")]
                    first: Option<i32>,
                    #[graphql(desc = "Return the edges after this cursor.")]
                    after: Option<String>,
                    #[graphql(desc = "Return the last n edges (at most the page-size limit).")]
                    last: Option<i32>,
                    #[graphql(desc = "Return the edges before this cursor.")]
                    before: Option<String>,
                    #[graphql(desc = "Keep only the nodes that match.")]
                    filter: Option<<$node as $crate::graphql::list::Listable>::Filter>,
                    #[graphql(desc = "The order of the edges; by id when absent.")]
                    order_by: Option<$crate::graphql::filter::OrderBy<<$node as $crate::graphql::list::Listable>::Field>>,
                ) -> $crate::error::Result<
                    $crate::graphql::connection::Connection<$node, $crate::graphql::connection::Plain>,
                > {
                    let page = $crate::graphql::cursor::PageArgs { first, after, last, before };
                    let args = $crate::graphql::list::ListArgs { filter, order: order_by };
                    $crate::graphql::list::root(ctx, page, args).await
                }
            )+
        }
    };
}

pub(crate) use {edge_cond, links, planned_edge_cond, roots};
