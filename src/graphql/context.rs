//! What resolvers read from the request context: loaders, settings and languages.

use async_graphql::Context;

use crate::{config::Settings, graphql::i18n::RequestLanguages, graphql::loader::Loaders};

/// Shortcuts to the request data every resolver needs.
pub trait CtxExt {
    /// The request's loaders and database.
    fn loaders(&self) -> &Loaders;
    /// The server's settings.
    fn settings(&self) -> &Settings;
    /// The languages the client prefers (from `Accept-Language`), best first.
    fn languages(&self) -> &[String];
}

impl CtxExt for Context<'_> {
    fn loaders(&self) -> &Loaders {
        // `crate::http::run`, the one way queries and mutations reach the schema (over HTTP
        // and WebSocket), inserts them; so does the WebSocket's subscription path.
        self.data_unchecked::<Loaders>()
    }

    fn settings(&self) -> &Settings {
        // Schema data, set once by `crate::build_schema`.
        self.data_unchecked::<Settings>()
    }

    fn languages(&self) -> &[String] {
        self.data_opt::<RequestLanguages>()
            .map(|l| l.0.as_slice())
            .unwrap_or(&[])
    }
}
