//! Root fields about dialogues.

use async_graphql::{Context, Object};

use super::{Dialogue, repo};
use crate::{
    error::Result,
    graphql::{context::CtxExt, links::roots, loader::Batched},
};

/// Root fields about dialogues.
#[derive(Default)]
pub struct DialogueQuery;

#[Object]
impl DialogueQuery {
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

roots!(DialogueLists {
    /// All dialogues.
    dialogues -> Dialogue;
});
