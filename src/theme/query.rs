//! Root fields about themes.

use async_graphql::{Context, Object};

use super::{Theme, repo};
use crate::{
    error::Result,
    graphql::{context::CtxExt, links::roots, loader::Batched},
};

/// Root fields about themes.
#[derive(Default)]
pub struct ThemeQuery;

#[Object]
impl ThemeQuery {
    /// The theme with this code (such as `GCM`), if there is one.
    async fn theme_by_code(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The code.")] code: String,
    ) -> Result<Option<Theme>> {
        Ok(repo::by_code(ctx.loaders().db(), &code)
            .await?
            .map(|m| Theme(Batched::single(m))))
    }
}

roots!(ThemeLists {
    /// All themes.
    themes -> Theme;
});
