//! What all domains share in their talk with the database: pagination, texts, and the
//! batched loads by id.

pub mod filter;
pub mod generate;
pub mod node;
pub mod page;
pub mod seed;
pub mod text;
