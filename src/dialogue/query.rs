//! Root fields about dialogues.

use async_graphql::{Context, Object};

use super::{Dialogue, DialogueFilter, DialogueOrderField, repo};
use crate::{
    error::Result,
    graphql::{
        connection::{Connection, Plain},
        context::CtxExt,
        cursor::PageArgs,
        filter::OrderBy,
        list::{ListArgs, root},
        loader::Batched,
    },
};

/// Root fields about dialogues.
#[derive(Default)]
pub struct DialogueQuery;

#[Object]
impl DialogueQuery {
    /// All dialogues.
    async fn dialogues(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first n edges (at most the page-size limit, 100 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return the edges after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n edges (at most the page-size limit).")] last: Option<
            i32,
        >,
        #[graphql(desc = "Return the edges before this cursor.")] before: Option<String>,
        #[graphql(desc = "Keep only the dialogues that match.")] filter: Option<DialogueFilter>,
        #[graphql(desc = "The order of the edges; by id when absent.")] order_by: Option<
            OrderBy<DialogueOrderField>,
        >,
    ) -> Result<Connection<Dialogue, Plain>> {
        let page = PageArgs {
            first,
            after,
            last,
            before,
        };
        root(
            ctx,
            page,
            ListArgs {
                filter,
                order: order_by,
            },
        )
        .await
    }

    /// The dialogue with this slug (such as `idm-2018`), if there is one.
    async fn dialogue_by_slug(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The slug.")] slug: String,
    ) -> Result<Option<Dialogue>> {
        Ok(repo::by_slug(ctx.loaders().db(), &slug)
            .await?
            .map(|m| Dialogue(Batched::single(m))))
    }
}
