//! Reports: UN reports, background papers and outcome documents.

mod filter;
mod object;
mod query;
pub mod repo;

pub use filter::{ReferenceFilter, ReportFilter, ReportOrderField};
pub use object::Report;
pub use query::{ReportLists, ReportQuery};
