//! The filter inputs shared by every type (ids, text, numbers, dates, enums, order) and
//! their translation into SQL conditions.
//!
//! Filters combine with AND within one input object; `and`, `or` and `not` on each type's
//! filter build any other combination. Relation filters (`hasWorkshop`, ...) become
//! `id IN (SELECT ...)` sub-queries, never joins, so they cannot multiply rows.

use async_graphql::{ID, InputObject, InputType};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveEnum,
    sea_query::{Condition, Expr, ExprTrait, Func, LikeExpr, Query, SelectStatement},
};

pub use crate::repo::{
    col,
    page::{OrderDirection, SortField},
};
use crate::repo::{node::column, text::column as text_column};
use crate::{
    error::{Error, Result},
    graphql::{
        i18n::{check_language, fold},
        id::{NodeType, decode, decode_as},
        scalars::Date,
    },
};

/// The longest list an `in` or `notIn` filter accepts.
pub const MAX_LIST: usize = 500;

/// The longest text a `contains`, `startsWith` or `eq` text condition accepts, in
/// characters.
pub const MAX_PATTERN: usize = 500;

/// The most values (bounds, list items, patterns) a whole filter may hold, nesting
/// included: each is bound in SQL, and each costs the database work on every row it looks
/// at. (Well below the databases' own limits on bound values: 32,766 for SQLite, 65,535
/// for PostgreSQL.)
pub const MAX_FILTER_VALUES: usize = 2_000;

/// The most conditions a whole filter may hold that reach other tables (a text, a
/// relation, a theme's hierarchy): each is a sub-query that the database plans and runs
/// apart, and PostgreSQL plans a conjunction of them in time that grows faster than their
/// number (50 took 0.2 s to plan on the seed, 100 took 1.3 s, 200 took 18 s).
pub const MAX_FILTER_SUBQUERIES: usize = 50;

fn check_list<T>(name: &str, list: &[T]) -> Result<()> {
    if list.len() > MAX_LIST {
        return Err(Error::bad_input(format!(
            "`{name}` takes at most {MAX_LIST} values, not {}",
            list.len()
        )));
    }
    Ok(())
}

fn check_pattern(name: &str, text: &str) -> Result<()> {
    let length = text.chars().count();
    if length > MAX_PATTERN {
        return Err(Error::bad_input(format!(
            "`{name}` takes at most {MAX_PATTERN} characters, not {length}"
        )));
    }
    Ok(())
}

/// Refuses a filter that holds more than [`MAX_FILTER_VALUES`] values or
/// [`MAX_FILTER_SUBQUERIES`] sub-queries: checked once, on the whole condition of a list's
/// filter (nesting included).
pub fn check_size(cond: &Condition) -> Result<()> {
    let (sql, values) = Query::select()
        .expr(Expr::val(1))
        .cond_where(cond.clone())
        .build(sea_orm::sea_query::SqliteQueryBuilder);
    // Every value is bound, so each `SELECT` in the text is one of the filter's own.
    let subqueries = sql.matches("SELECT ").count() - 1;
    if subqueries > MAX_FILTER_SUBQUERIES {
        return Err(Error::QueryTooComplex(format!(
            "this filter holds {subqueries} conditions on texts or relations, more than the \
             {MAX_FILTER_SUBQUERIES} a filter may hold: split the question, or use wider \
             conditions"
        )));
    }
    if values.0.len() > MAX_FILTER_VALUES {
        return Err(Error::QueryTooComplex(format!(
            "this filter holds {} values (bounds, list items, texts), more than the {} \
             a filter may hold: split the question, or use wider conditions",
            values.0.len(),
            MAX_FILTER_VALUES
        )));
    }
    Ok(())
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `\` as the escape character.
pub fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn like(expr: Expr, pattern: String) -> Expr {
    expr.like(LikeExpr::new(pattern).escape('\\'))
}

/// Adds the bounds that are given: `expr > gt`, `expr >= gte`, `expr < lt`, `expr <= lte`.
fn bounds<V: Into<sea_orm::Value>>(
    mut c: Condition,
    expr: &Expr,
    [gt, gte, lt, lte]: [Option<V>; 4],
) -> Condition {
    let e = || expr.clone();
    if let Some(v) = gt {
        c = c.add(e().gt(v));
    }
    if let Some(v) = gte {
        c = c.add(e().gte(v));
    }
    if let Some(v) = lt {
        c = c.add(e().lt(v));
    }
    if let Some(v) = lte {
        c = c.add(e().lte(v));
    }
    c
}

fn null_check(cond: Condition, expr: &Expr, is_null: Option<bool>) -> Condition {
    match is_null {
        Some(true) => cond.add(expr.clone().is_null()),
        Some(false) => cond.add(expr.clone().is_not_null()),
        None => cond,
    }
}

/// Conditions on an id.
#[derive(InputObject, Clone, Debug, Default)]
pub struct IdFilter {
    /// Equal to this id.
    pub eq: Option<ID>,
    /// Not equal to this id.
    pub ne: Option<ID>,
    /// One of these ids.
    #[graphql(name = "in")]
    pub in_list: Option<Vec<ID>>,
    /// None of these ids.
    pub not_in: Option<Vec<ID>>,
    /// True: no id is set (for optional links such as `parent`); false: one is.
    pub is_null: Option<bool>,
}

impl IdFilter {
    /// The condition on the column `expr`, which holds ids of nodes of type `kind`; an id
    /// of another type is refused.
    pub fn condition(&self, expr: Expr, kind: NodeType) -> Result<Condition> {
        self.condition_with(expr, |id| decode_as(id, kind).map(Some))
    }

    /// The condition on the id column `expr` of nodes of type `kind`, in a filter over
    /// several types (search): ids of other types match none of these nodes, rather than
    /// being refused.
    pub fn condition_of_any_type(&self, expr: Expr, kind: NodeType) -> Result<Condition> {
        self.condition_with(expr, |id| {
            let (k, n) = decode(id)?;
            Ok((k == kind).then_some(n))
        })
    }

    /// The condition, with `own` reading each id as a value of the column (`None`: an id
    /// that no value of the column can be).
    fn condition_with(
        &self,
        expr: Expr,
        own: impl Fn(&ID) -> Result<Option<i64>>,
    ) -> Result<Condition> {
        let many = |name: &str, ids: &[ID]| -> Result<Vec<i64>> {
            check_list(name, ids)?;
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                out.extend(own(id)?);
            }
            Ok(out)
        };
        let nothing = || Expr::val(1).eq(0);
        let mut c = Condition::all();
        if let Some(id) = &self.eq {
            c = c.add(match own(id)? {
                Some(n) => expr.clone().eq(n),
                None => nothing(),
            });
        }
        if let Some(id) = &self.ne
            && let Some(n) = own(id)?
        {
            c = c.add(expr.clone().ne(n));
        }
        if let Some(ids) = &self.in_list {
            let ids = many("in", ids)?;
            c = c.add(if ids.is_empty() {
                nothing()
            } else {
                expr.clone().is_in(ids)
            });
        }
        if let Some(ids) = &self.not_in {
            let ids = many("notIn", ids)?;
            if !ids.is_empty() {
                c = c.add(expr.clone().is_not_in(ids));
            }
        }
        Ok(null_check(c, &expr, self.is_null))
    }
}

/// Conditions on a text that is not translated (a slug, a code, a city...).
/// `contains` and `startsWith` ignore case.
#[derive(InputObject, Clone, Debug, Default)]
pub struct StringFilter {
    /// Exactly equal to this.
    pub eq: Option<String>,
    /// Not equal to this.
    pub ne: Option<String>,
    /// One of these.
    #[graphql(name = "in")]
    pub in_list: Option<Vec<String>>,
    /// None of these.
    pub not_in: Option<Vec<String>>,
    /// Contains this, ignoring case.
    pub contains: Option<String>,
    /// Starts with this, ignoring case.
    pub starts_with: Option<String>,
    /// True: no value; false: a value.
    pub is_null: Option<bool>,
}

impl StringFilter {
    /// The condition on the column `expr`.
    pub fn condition(&self, expr: Expr) -> Result<Condition> {
        let mut c = Condition::all();
        if let Some(v) = &self.eq {
            c = c.add(expr.clone().eq(v.as_str()));
        }
        if let Some(v) = &self.ne {
            c = c.add(expr.clone().ne(v.as_str()));
        }
        if let Some(list) = &self.in_list {
            check_list("in", list)?;
            c = c.add(expr.clone().is_in(list.iter().map(String::as_str)));
        }
        if let Some(list) = &self.not_in {
            check_list("notIn", list)?;
            c = c.add(expr.clone().is_not_in(list.iter().map(String::as_str)));
        }
        let lower = || Expr::expr(Func::lower(expr.clone()));
        if let Some(v) = &self.contains {
            check_pattern("contains", v)?;
            c = c.add(like(
                lower(),
                format!("%{}%", escape_like(&v.to_lowercase())),
            ));
        }
        if let Some(v) = &self.starts_with {
            check_pattern("startsWith", v)?;
            c = c.add(like(
                lower(),
                format!("{}%", escape_like(&v.to_lowercase())),
            ));
        }
        Ok(null_check(c, &expr, self.is_null))
    }
}

/// Conditions on a translatable text, in any of its languages (or only in `lang`).
/// Matching ignores case and accents: `economie` finds `Économie`.
#[derive(InputObject, Clone, Debug, Default)]
pub struct TextFilter {
    /// Some text contains this.
    pub contains: Option<String>,
    /// Some text starts with this.
    pub starts_with: Option<String>,
    /// Some text is equal to this.
    pub eq: Option<String>,
    /// Only look at texts in this language (ISO 639-1).
    pub lang: Option<String>,
    /// True: the field has no text in any language (or in `lang`); false: it has one.
    pub is_null: Option<bool>,
}

impl TextFilter {
    /// The condition on the records of type `kind` through their texts of `field`.
    pub fn condition(&self, kind: NodeType, field: &'static str) -> Result<Condition> {
        let texts = |extra: Option<Expr>| -> Result<SelectStatement> {
            let mut q = Query::select();
            q.column(text_column::OWNER_ID)
                .from(table!(translation))
                .and_where(Expr::col(text_column::OWNER_TYPE).eq(kind.table()))
                .and_where(Expr::col(text_column::FIELD).eq(field));
            if let Some(lang) = &self.lang {
                q.and_where(Expr::col(text_column::LANG).eq(check_language(lang)?));
            }
            if let Some(e) = extra {
                q.and_where(e);
            }
            Ok(q)
        };
        let id = col(kind.table(), column::ID);
        let folded = || Expr::col(text_column::FOLDED);
        let mut c = Condition::all();
        for (name, v) in [
            ("contains", &self.contains),
            ("startsWith", &self.starts_with),
            ("eq", &self.eq),
        ] {
            if let Some(v) = v {
                check_pattern(name, v)?;
            }
        }
        if let Some(v) = &self.contains {
            let p = format!("%{}%", escape_like(&fold(v)));
            c = c.add(id.clone().in_subquery(texts(Some(like(folded(), p)))?));
        }
        if let Some(v) = &self.starts_with {
            let p = format!("{}%", escape_like(&fold(v)));
            c = c.add(id.clone().in_subquery(texts(Some(like(folded(), p)))?));
        }
        if let Some(v) = &self.eq {
            c = c.add(id.clone().in_subquery(texts(Some(folded().eq(fold(v))))?));
        }
        match self.is_null {
            Some(true) => c = c.add(id.clone().not_in_subquery(texts(None)?)),
            Some(false) => c = c.add(id.clone().in_subquery(texts(None)?)),
            None => {}
        }
        Ok(c)
    }
}

/// Conditions on a whole number.
#[derive(InputObject, Clone, Debug, Default)]
pub struct IntFilter {
    /// Equal to this.
    pub eq: Option<i32>,
    /// Not equal to this.
    pub ne: Option<i32>,
    /// One of these.
    #[graphql(name = "in")]
    pub in_list: Option<Vec<i32>>,
    /// None of these.
    pub not_in: Option<Vec<i32>>,
    /// Greater than this.
    pub gt: Option<i32>,
    /// Greater than or equal to this.
    pub gte: Option<i32>,
    /// Less than this.
    pub lt: Option<i32>,
    /// Less than or equal to this.
    pub lte: Option<i32>,
    /// True: no value; false: a value.
    pub is_null: Option<bool>,
}

impl IntFilter {
    /// The condition on the column `expr`.
    pub fn condition(&self, expr: Expr) -> Result<Condition> {
        let mut c = Condition::all();
        let e = || expr.clone();
        if let Some(v) = self.eq {
            c = c.add(e().eq(v));
        }
        if let Some(v) = self.ne {
            c = c.add(e().ne(v));
        }
        if let Some(list) = &self.in_list {
            check_list("in", list)?;
            c = c.add(e().is_in(list.iter().copied()));
        }
        if let Some(list) = &self.not_in {
            check_list("notIn", list)?;
            c = c.add(e().is_not_in(list.iter().copied()));
        }
        let c = bounds(c, &expr, [self.gt, self.gte, self.lt, self.lte]);
        Ok(null_check(c, &expr, self.is_null))
    }
}

/// Conditions on a date (a range when several bounds are given).
#[derive(InputObject, Clone, Debug, Default)]
pub struct DateFilter {
    /// On this date.
    pub eq: Option<Date>,
    /// After this date.
    pub gt: Option<Date>,
    /// On or after this date.
    pub gte: Option<Date>,
    /// Before this date.
    pub lt: Option<Date>,
    /// On or before this date.
    pub lte: Option<Date>,
    /// True: the date is unknown; false: it is known.
    pub is_null: Option<bool>,
}

impl DateFilter {
    /// The condition on the column `expr`.
    pub fn condition(&self, expr: Expr) -> Result<Condition> {
        let mut c = Condition::all();
        if let Some(v) = self.eq {
            c = c.add(expr.clone().eq(v.0));
        }
        let day = |d: Option<Date>| d.map(|d| d.0);
        let c = bounds(
            c,
            &expr,
            [day(self.gt), day(self.gte), day(self.lt), day(self.lte)],
        );
        Ok(null_check(c, &expr, self.is_null))
    }
}

/// Conditions on a point in time (a range when several bounds are given).
#[derive(InputObject, Clone, Debug, Default)]
pub struct DateTimeFilter {
    /// After this time.
    pub gt: Option<DateTime<Utc>>,
    /// At or after this time.
    pub gte: Option<DateTime<Utc>>,
    /// Before this time.
    pub lt: Option<DateTime<Utc>>,
    /// At or before this time.
    pub lte: Option<DateTime<Utc>>,
}

impl DateTimeFilter {
    /// The condition on the column `expr`.
    pub fn condition(&self, expr: Expr) -> Result<Condition> {
        Ok(bounds(
            Condition::all(),
            &expr,
            [self.gt, self.gte, self.lt, self.lte],
        ))
    }
}

/// Conditions on a value of a closed list.
#[derive(InputObject, Clone, Debug)]
#[graphql(concrete(
    name = "OrganisationKindFilter",
    params(entity::enums::OrganisationKind)
))]
#[graphql(concrete(
    name = "ParticipationRoleFilter",
    params(entity::enums::ParticipationRole)
))]
#[graphql(concrete(name = "PersonRoleFilter", params(entity::enums::PersonRole)))]
#[graphql(concrete(name = "ReportRoleFilter", params(entity::enums::ReportRole)))]
#[graphql(concrete(name = "ReportKindFilter", params(entity::enums::ReportKind)))]
#[graphql(concrete(name = "ToolKindFilter", params(entity::enums::ToolKind)))]
#[graphql(concrete(name = "DeveloperRoleFilter", params(entity::enums::DeveloperRole)))]
#[graphql(concrete(
    name = "PartnershipLevelFilter",
    params(entity::enums::PartnershipLevel)
))]
#[graphql(concrete(name = "ThemeSchemeFilter", params(entity::enums::ThemeScheme)))]
#[graphql(concrete(name = "SourceKindFilter", params(entity::enums::SourceKind)))]
pub struct EnumFilter<T: InputType> {
    /// Equal to this.
    pub eq: Option<T>,
    /// Not equal to this.
    pub ne: Option<T>,
    /// One of these.
    #[graphql(name = "in")]
    pub in_list: Option<Vec<T>>,
    /// None of these.
    pub not_in: Option<Vec<T>>,
}

impl<T: InputType + ActiveEnum> EnumFilter<T> {
    /// The condition on the column `expr`.
    pub fn condition(&self, expr: Expr) -> Result<Condition> {
        let mut c = Condition::all();
        let e = || expr.clone();
        if let Some(v) = &self.eq {
            c = c.add(e().eq(ActiveEnum::to_value(v)));
        }
        if let Some(v) = &self.ne {
            c = c.add(e().ne(ActiveEnum::to_value(v)));
        }
        if let Some(list) = &self.in_list {
            check_list("in", list)?;
            c = c.add(e().is_in(list.iter().map(ActiveEnum::to_value)));
        }
        if let Some(list) = &self.not_in {
            check_list("notIn", list)?;
            c = c.add(e().is_not_in(list.iter().map(ActiveEnum::to_value)));
        }
        Ok(c)
    }
}

/// How to sort a list: a field and a direction; ties are broken by id, in the same
/// direction.
#[derive(InputObject, Clone, Copy, Debug)]
#[graphql(concrete(name = "DialogueOrder", params(crate::dialogue::DialogueOrderField)))]
#[graphql(concrete(name = "WorkshopOrder", params(crate::workshop::WorkshopOrderField)))]
#[graphql(concrete(name = "ReportOrder", params(crate::report::ReportOrderField)))]
#[graphql(concrete(name = "ToolOrder", params(crate::tool::ToolOrderField)))]
#[graphql(concrete(
    name = "OrganisationOrder",
    params(crate::organisation::OrganisationOrderField)
))]
#[graphql(concrete(name = "PersonOrder", params(crate::person::PersonOrderField)))]
#[graphql(concrete(name = "ThemeOrder", params(crate::theme::ThemeOrderField)))]
#[graphql(concrete(name = "SourceOrder", params(crate::source::SourceOrderField)))]
pub struct OrderBy<F: InputType> {
    /// The field to sort by.
    pub field: F,
    /// The direction.
    #[graphql(default)]
    pub direction: OrderDirection,
}

/// Conditions every node type shares: id, provenance, timestamps and themes.
/// They are merged into each type's own filter.
#[derive(InputObject, Clone, Debug, Default)]
pub struct RecordFilter {
    /// The node's id.
    pub id: Option<IdFilter>,
    /// The id of the partner organisation that supplied the record.
    pub partner: Option<IdFilter>,
    /// The record's id in the supplying partner's own system.
    pub external_id: Option<StringFilter>,
    /// The language the record was first written in.
    pub original_language: Option<StringFilter>,
    /// When the record was created.
    pub created_at: Option<DateTimeFilter>,
    /// When the record last changed.
    pub updated_at: Option<DateTimeFilter>,
    /// Records tagged with at least one theme that matches.
    pub has_theme: Option<Box<crate::theme::ThemeFilter>>,
    /// Records tagged with a theme that matches or with any theme narrower than one that
    /// matches, at any depth: `{code: {eq: "GCM"}}` finds what is tagged with any of the
    /// Global Compact's objectives, `{code: {eq: "SDG-10.7"}}` what is tagged with target
    /// 10.7 or its indicators.
    pub has_theme_within: Option<Box<crate::theme::ThemeFilter>>,
    /// Records that cite at least one source that matches.
    pub has_source: Option<Box<crate::source::SourceFilter>>,
}

impl RecordFilter {
    /// The condition on records of type `kind`.
    pub fn condition(&self, kind: NodeType) -> Result<Condition> {
        let t = kind.table();
        let mut c = Condition::all();
        if let Some(f) = &self.id {
            c = c.add(f.condition(col(t, column::ID), kind)?);
        }
        if let Some(f) = &self.partner {
            c = c.add(f.condition(col(t, column::PARTNER_ID), NodeType::Organisation)?);
        }
        if let Some(f) = &self.external_id {
            c = c.add(f.condition(col(t, column::EXTERNAL_ID))?);
        }
        if let Some(f) = &self.original_language {
            c = c.add(f.condition(col(t, column::ORIGINAL_LANG))?);
        }
        if let Some(f) = &self.created_at {
            c = c.add(f.condition(col(t, column::CREATED_AT))?);
        }
        if let Some(f) = &self.updated_at {
            c = c.add(f.condition(col(t, column::UPDATED_AT))?);
        }
        if let Some(f) = &self.has_theme_within {
            c = c.add(crate::theme::tagged_within(kind, f)?);
        }
        if let Some(f) = &self.has_theme {
            c = c.add(crate::theme::tagged_with(kind, f)?);
        }
        if let Some(f) = &self.has_source {
            c = c.add(crate::source::citing(kind, f)?);
        }
        Ok(c)
    }
}

/// How many terms one level of a balanced `and` or `or` joins.
const FAN_OUT: usize = 16;

/// Joins `terms` with `junction` (`Condition::all` or `Condition::any`) as a tree of groups
/// of at most [`FAN_OUT`] terms: a flat list of 500 would be a chain 500 deep in the
/// databases' parsers (SQLite refuses expressions deeper than 1,000), a tree is a few
/// dozen deep.
fn balanced(mut terms: Vec<Condition>, junction: fn() -> Condition) -> Condition {
    let join = |group: &mut dyn Iterator<Item = Condition>| group.fold(junction(), Condition::add);
    while terms.len() > FAN_OUT {
        let mut rest = terms.into_iter().peekable();
        let mut groups = Vec::new();
        while rest.peek().is_some() {
            groups.push(join(&mut rest.by_ref().take(FAN_OUT)));
        }
        terms = groups;
    }
    join(&mut terms.into_iter())
}

/// Combines a type's own condition with its `and`, `or` and `not` sub-filters.
pub fn combine<F>(
    own: Condition,
    and: &Option<Vec<F>>,
    or: &Option<Vec<F>>,
    not: &Option<Box<F>>,
    each: impl Fn(&F) -> Result<Condition>,
) -> Result<Condition> {
    let mut c = own;
    if let Some(list) = and {
        check_list("and", list)?;
        let all = list.iter().map(&each).collect::<Result<Vec<_>>>()?;
        c = c.add(balanced(all, Condition::all));
    }
    if let Some(list) = or {
        check_list("or", list)?;
        let any = list.iter().map(&each).collect::<Result<Vec<_>>>()?;
        // `or: []` matches nothing, as an empty disjunction should.
        c = c.add(if list.is_empty() {
            Condition::all().add(Expr::val(1).eq(0))
        } else {
            balanced(any, Condition::any)
        });
    }
    if let Some(f) = not {
        c = c.add(each(f)?.not());
    }
    Ok(c)
}
