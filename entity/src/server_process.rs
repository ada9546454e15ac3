//! An `agora serve` process that is running, as it last said (rate limits are shared
//! among the processes that said so lately).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "server_process")]
pub struct Model {
    /// Host, process id and a random part.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// When it last said it runs, in milliseconds since 1970 (its own clock).
    pub seen_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
