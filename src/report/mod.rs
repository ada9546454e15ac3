//! Reports: UN reports, background papers and outcome documents.

mod facets;
mod filter;
mod mutation;
mod object;
mod query;
pub mod repo;

pub use filter::{ReferenceFilter, ReportFilter, ReportOrderField};
pub use mutation::{ReportInput, ReportMutation};
pub use object::{Report, planned};
pub use query::{ReportLists, ReportQuery};
