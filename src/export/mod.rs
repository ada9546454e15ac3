//! Exports that researchers can cite, and imports: lists as JSON Lines or CSV (streamed),
//! every node as schema.org JSON-LD, citations of reports (CSL-JSON, BibTeX), and
//! `agora import`.

pub mod citation;
pub mod format;
pub mod graphql;
pub mod http;
pub mod import;
pub mod jsonld;
pub mod repo;
pub mod stream;
