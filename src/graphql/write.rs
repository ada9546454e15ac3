//! The GraphQL side of writes: the inputs every type shares, the checks of field values,
//! and create, update, delete and upsert for any node type.

use std::{borrow::Cow, collections::HashMap, sync::Arc};

use async_graphql::{
    Context, ID, InputObject, InputType, MaybeUndefined, Object, OutputType, TypeName,
};
use chrono::Datelike;
use entity::HasRecord;
use sea_orm::{EntityTrait, ModelTrait, Value};

use crate::{
    auth::Principal,
    error::{Error, Result},
    graphql::{
        context::CtxExt,
        i18n::{check_language, parse_language},
        id::{NodeType, decode, encode},
        list::Listable,
        loader::Batched,
        scalars::Date,
    },
    repo::{
        node::column as node_column,
        write::{self as store, NodeEntity, Outcome, TextMap, Writer},
    },
    sync::{hub::SyncState, idempotency::Claim},
};

/// Longest accepted texts, in characters.
pub const MAX_NAME: usize = 500;
/// Longest accepted long texts (summaries, descriptions), in characters.
pub const MAX_TEXT: usize = 20_000;
/// Longest accepted short values (slugs, codes, symbols, cities), in characters.
pub const MAX_SHORT: usize = 255;

/// One text of a translatable field, in one language.
#[derive(InputObject, Clone, Debug)]
pub struct TextInput {
    /// The language (ISO 639-1 code, such as `fr`).
    pub lang: String,
    /// The text; null removes the field's text in this language.
    pub text: Option<String>,
}

/// A reference to a record: by global `id`, or by the `externalId` a partner's system
/// gives it (the caller's own, unless `partner` names another partner by slug).
#[derive(InputObject, Clone, Debug, Default)]
pub struct NodeRef {
    /// The record's global id.
    pub id: Option<ID>,
    /// The record's id in the partner's own system.
    pub external_id: Option<String>,
    /// With `externalId`: the slug of the partner whose id it is (the caller by default).
    pub partner: Option<String>,
    /// With `externalId`: the record's type, where the field does not fix it.
    #[graphql(name = "type")]
    pub kind: Option<NodeType>,
}

/// The fields every record has: provenance and original language.
#[derive(InputObject, Clone, Debug, Default)]
pub struct RecordInput {
    /// The language the record is first written in (ISO 639-1). When absent on creation:
    /// the only language of its texts, else English if among them (or if it has no text).
    pub original_language: Option<String>,
    /// The web address of the source of the record's facts.
    pub source_url: MaybeUndefined<String>,
    /// The source document of the record's facts.
    pub source_document: MaybeUndefined<String>,
    /// The record's id in the supplying partner's system (unique per partner and type).
    pub external_id: MaybeUndefined<String>,
    /// Admins only: the slug of the partner the record belongs to (who may then change it).
    pub partner: Option<String>,
}

/// A node type that can be written.
pub trait Writable: Listable<Entity: NodeEntity> {
    /// The input of create, update and upsert: every field optional, so that an update
    /// changes only what it names.
    type Input: InputType + Clone + Send + Sync;
    /// The node type.
    const KIND: NodeType;

    /// The record fields of an input.
    fn record_input(input: &Self::Input) -> &RecordInput;

    /// The references an input makes to other records: (field, type, reference).
    fn refs(input: &Self::Input) -> Vec<(&'static str, NodeType, &NodeRef)>;

    /// Fails unless an input to create a record names every required field.
    fn check_create(input: &Self::Input) -> Result<()>;

    /// Writes the input's values (each checked) onto a row and its texts; `refs` holds the
    /// ids the input's references resolved to.
    fn apply(
        input: &Self::Input,
        row: &mut Model<Self>,
        texts: &mut TextMap,
        refs: &HashMap<&'static str, i64>,
    ) -> Result<()>;

    /// Checks a row as a whole before it is written (dates in order, year matching...).
    fn check(_row: &Model<Self>, _texts: &TextMap) -> Result<()> {
        Ok(())
    }

    /// Values that must be unique: (field, column, value).
    /// The references to a record that contains this one (field, column): attaching a
    /// record under another partner's record needs that partner, or an admin.
    const CONTAINERS: &'static [(&'static str, &'static str)] = &[];

    /// Whether the record is a term of a controlled vocabulary, which only admins may
    /// create, change or delete.
    fn controlled(_row: &Model<Self>) -> bool {
        false
    }

    /// The record's link to a parent of its own type (field and column), in which cycles
    /// are refused.
    fn parent(_row: &Model<Self>) -> Option<(&'static str, &'static str, i64)> {
        None
    }

    fn uniques(_row: &Model<Self>) -> Vec<(&'static str, &'static str, String)> {
        Vec::new()
    }
}

/// The row type of a writable node type.
pub type Model<N> = <<N as Listable>::Entity as EntityTrait>::Model;

// ---- Checks of field values -------------------------------------------------------------

/// Applies a nullable input field: absent keeps, null clears, a value is checked and set.
pub fn maybe<T: Clone, U>(
    target: &mut Option<U>,
    value: &MaybeUndefined<T>,
    check: impl FnOnce(&T) -> Result<U>,
) -> Result<()> {
    match value {
        MaybeUndefined::Undefined => {}
        MaybeUndefined::Null => *target = None,
        MaybeUndefined::Value(v) => *target = Some(check(v)?),
    }
    Ok(())
}

/// The rule of a text column, by the column's name: what the API checks in an input's
/// field (named `field` in errors) and `agora import` in a file's column. Returns the
/// value as stored (trimmed, a country code in upper case).
pub fn text_column(column: &str, field: &str, text: &str) -> Result<String> {
    use ruled::*;
    match column {
        SLUG => slug(field, text),
        URL | WEBSITE | WEBCAST_URL | node_column::SOURCE_URL => url(field, text),
        COUNTRY => country(field, text),
        EMAIL => email(field, text),
        PHONE => phone(field, text),
        SYMBOL | CODE => identifier(field, text, 64),
        node_column::EXTERNAL_ID => identifier(field, text, MAX_SHORT),
        node_column::SOURCE_DOCUMENT => short(field, text, MAX_NAME),
        // `name`, `city`: and any text column added later is bounded too.
        _ => short(field, text, MAX_SHORT),
    }
}

/// The rule of a whole-number column, by the column's name (as [`text_column`]).
pub fn int_column(column: &str, field: &str, value: i32) -> Result<i32> {
    use ruled::*;
    match column {
        node_column::YEAR | FOUNDED_YEAR => year(field, value),
        node_column::MONTH => month(field, value),
        _ => count(field, value),
    }
}

/// The columns with a rule of their own, beyond those every node table has.
mod ruled {
    pub const SLUG: &str = column_name!(slug in dialogue, organisation);
    pub const URL: &str = column_name!(url in report, tool);
    pub const WEBSITE: &str = column_name!(website in dialogue, organisation);
    pub const WEBCAST_URL: &str = column_name!(dialogue.webcast_url);
    pub const COUNTRY: &str = column_name!(country in dialogue, workshop, organisation);
    pub const EMAIL: &str = column_name!(email in organisation, person);
    pub const PHONE: &str = column_name!(phone in organisation, person);
    pub const SYMBOL: &str = column_name!(report.symbol);
    pub const CODE: &str = column_name!(theme.code);
    pub const FOUNDED_YEAR: &str = column_name!(organisation.founded_year);
}

/// Whether `c` is a character that shows nothing: a format character (zero-width space,
/// joiners, direction marks, word joiner, byte-order mark, soft hyphen, variation
/// selectors, tags) or a filler.
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// Whether `c` overrides or embeds a direction of writing (U+202A to U+202E, U+2066 to
/// U+2069): in a name it can make the text read other than it is stored.
fn bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A text of at most `max` characters, as Agora stores every text: in Unicode's composed
/// form (NFC), a CR LF as LF, trimmed. Refused: a control character other than tab and
/// line feed (terminal escapes, say), a character that overrides the direction of writing,
/// and a text in which nothing shows.
pub fn short(field: &str, text: &str, max: usize) -> Result<String> {
    use unicode_normalization::UnicodeNormalization;
    let text: String = text.replace("\r\n", "\n").nfc().collect();
    let t = text.trim();
    if t.chars().all(|c| c.is_whitespace() || invisible(c)) {
        return Err(Error::field(field, "must not be empty"));
    }
    if t.chars().any(|c| c.is_control() && c != '\t' && c != '\n') {
        return Err(Error::field(
            field,
            "must not hold control characters (only tabs and line feeds)",
        ));
    }
    if t.chars().any(bidi_control) {
        return Err(Error::field(
            field,
            "must not hold characters that override the direction of writing (U+202A to \
             U+202E, U+2066 to U+2069)",
        ));
    }
    if t.chars().count() > max {
        return Err(Error::field(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(t.to_string())
}

/// An identifier (an external id, a code, a symbol): a [`short`] text with no invisible
/// character anywhere, so that two identifiers that look the same are the same.
pub fn identifier(field: &str, text: &str, max: usize) -> Result<String> {
    let t = short(field, text, max)?;
    if t.chars().any(invisible) {
        return Err(Error::field(
            field,
            "must not hold invisible characters (zero-width spaces, byte-order marks, ...)",
        ));
    }
    Ok(t)
}

/// A slug: lower-case letters, digits and single dashes, at most 128 characters.
pub fn slug(field: &str, text: &str) -> Result<String> {
    let ok = !text.is_empty()
        && text.len() <= 128
        && text.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    if ok {
        Ok(text.to_string())
    } else {
        Err(Error::field(
            field,
            "must be lower-case letters and digits separated by single dashes (at most 128)",
        ))
    }
}

/// An absolute http or https URL.
pub fn url(field: &str, text: &str) -> Result<String> {
    match url::Url::parse(text.trim()) {
        Ok(u)
            if matches!(u.scheme(), "http" | "https")
                && u.host().is_some()
                && text.len() <= 2048 =>
        {
            Ok(text.trim().to_string())
        }
        _ => Err(Error::field(field, "must be an absolute http or https URL")),
    }
}

/// An ISO 3166-1 alpha-2 country code, upper-case.
pub fn country(field: &str, text: &str) -> Result<String> {
    let t = text.trim().to_ascii_uppercase();
    if t.len() == 2 && t.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(t)
    } else {
        Err(Error::field(
            field,
            "must be an ISO 3166-1 alpha-2 country code, such as `FR`",
        ))
    }
}

/// A year between 1000 and 2200.
pub fn year(field: &str, value: i32) -> Result<i32> {
    if (1000..=2200).contains(&value) {
        Ok(value)
    } else {
        Err(Error::field(field, "must be a year between 1000 and 2200"))
    }
}

/// A month, 1 to 12.
pub fn month(field: &str, value: i32) -> Result<i32> {
    if (1..=12).contains(&value) {
        Ok(value)
    } else {
        Err(Error::field(field, "must be a month between 1 and 12"))
    }
}

/// A count that cannot be negative.
pub fn count(field: &str, value: i32) -> Result<i32> {
    if value >= 0 {
        Ok(value)
    } else {
        Err(Error::field(field, "must not be negative"))
    }
}

/// An e-mail address (a local part, `@`, a domain with a dot).
pub fn email(field: &str, text: &str) -> Result<String> {
    let t = text.trim();
    let ok = t.len() <= 254
        && !t.contains(char::is_whitespace)
        && t.split_once('@').is_some_and(|(l, d)| {
            !l.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.')
        });
    if ok {
        Ok(t.to_string())
    } else {
        Err(Error::field(field, "must be an e-mail address"))
    }
}

/// A telephone number: digits, spaces and `+ - ( ) .`, with at least 6 digits.
pub fn phone(field: &str, text: &str) -> Result<String> {
    let t = text.trim();
    let ok = t.len() <= 40
        && t.chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
        && t.chars().filter(char::is_ascii_digit).count() >= 6;
    if ok {
        Ok(t.to_string())
    } else {
        Err(Error::field(field, "must be a telephone number"))
    }
}

/// Writes the texts of a translatable field from its input (each checked).
pub fn texts(
    texts: &mut TextMap,
    field: &str,
    input: &Option<Vec<TextInput>>,
    max: usize,
) -> Result<()> {
    let Some(list) = input else { return Ok(()) };
    for (i, t) in list.iter().enumerate() {
        let lang = parse_language(&t.lang).ok_or_else(|| {
            Error::field(
                format!("{field}[{i}].lang"),
                format!("`{}` is not an ISO 639-1 language code", t.lang),
            )
        })?;
        let text = t
            .text
            .as_deref()
            .map(|s| short(&format!("{field}[{i}].text"), s, max))
            .transpose()?;
        store::set_text(texts, field, &lang, text.as_deref());
    }
    Ok(())
}

/// Fails unless a required input field is there.
pub fn required<T>(field: &str, value: &Option<T>) -> Result<()> {
    match value {
        Some(_) => Ok(()),
        None => Err(Error::field(field, "is required to create a record")),
    }
}

/// Fails unless a required translatable field has a text.
pub fn required_text(field: &str, texts: &TextMap) -> Result<()> {
    if texts.get(field).is_some_and(|t| !t.is_empty()) {
        Ok(())
    } else {
        Err(Error::field(field, "needs a text in at least one language"))
    }
}

/// Checks that a start date is not after an end date, and that a year agrees with them.
pub fn check_dates(
    start: Option<chrono::NaiveDate>,
    end: Option<chrono::NaiveDate>,
    year: Option<i32>,
    start_field: &str,
) -> Result<()> {
    if let (Some(s), Some(e)) = (start, end)
        && s > e
    {
        return Err(Error::field(start_field, "must not be after the end date"));
    }
    if let (Some(s), Some(y)) = (start, year)
        && s.year() != y
    {
        return Err(Error::field("year", "must be the year of the start date"));
    }
    Ok(())
}

/// The id a reference of the input resolved to.
pub fn resolved(refs: &HashMap<&'static str, i64>, field: &str) -> Result<i64> {
    refs.get(field)
        .copied()
        .ok_or_else(|| Error::internal(format!("{field} was not resolved")))
}

/// The date of a `Date` input.
pub fn day(d: &Date) -> Result<chrono::NaiveDate> {
    Ok(d.0)
}

// ---- Writing any node type -----------------------------------------------------------------

/// What a write did, and the record afterwards.
pub struct WriteResult<N> {
    outcome: Outcome,
    id: ID,
    version: i64,
    node: Option<N>,
}

/// What a write did to a record, and the record afterwards.
#[Object(name_type)]
impl<N: OutputType> WriteResult<N> {
    /// What the write did.
    async fn outcome(&self) -> Outcome {
        self.outcome
    }

    /// The record's global id.
    async fn id(&self) -> &ID {
        &self.id
    }

    /// The record's version after the write (pass it as `expectedVersion` next time).
    async fn version(&self) -> i64 {
        self.version
    }

    /// The record after the write; null after a deletion.
    async fn node(&self) -> Option<&N> {
        self.node.as_ref()
    }
}

impl<N: OutputType> TypeName for WriteResult<N> {
    fn type_name() -> Cow<'static, str> {
        format!("{}WriteResult", N::type_name()).into()
    }
}

impl<N: Writable> WriteResult<N> {
    fn of(outcome: Outcome, model: Model<N>) -> WriteResult<N> {
        let rec = model.record();
        let (id, version) = (encode(N::KIND, rec.id), rec.version);
        let node = (outcome != Outcome::Deleted).then(|| N::wrap(Batched::single(model)));
        WriteResult {
            outcome,
            id,
            version,
            node,
        }
    }

    /// The outcome, for batch results.
    pub fn status(&self) -> Outcome {
        self.outcome
    }

    /// The global id and version, for batch results.
    pub fn key(&self) -> (ID, i64) {
        (self.id.clone(), self.version)
    }
}

/// Resolves a reference to the id of a live record of type `expected` (or of the type the
/// reference names).
pub async fn resolve(
    w: &mut Writer,
    field: &str,
    r: &NodeRef,
    expected: Option<NodeType>,
) -> Result<(NodeType, i64)> {
    let (kind, id) = match (&r.id, &r.external_id) {
        (Some(id), None) => {
            let (kind, id) = decode(id).map_err(|e| Error::field(field, e.to_string()))?;
            (kind, Some(id))
        }
        (None, Some(external)) => {
            // Looked up as it is stored.
            let external = &text_column(node_column::EXTERNAL_ID, field, external)?;
            let kind = expected
                .or(r.kind)
                .ok_or_else(|| Error::field(field, "needs `type` with `externalId`"))?;
            let partner = match &r.partner {
                Some(slug) => Some(store::partner_by_slug(w, slug).await?.ok_or_else(|| {
                    Error::field(field, format!("no partner has the slug `{slug}`"))
                })?),
                None => w.principal.organisation(),
            };
            (
                kind,
                store::id_by_external(w, kind.table(), partner, external).await?,
            )
        }
        _ => return Err(Error::field(field, "give either `id` or `externalId`")),
    };
    if let Some(expected) = expected
        && expected != kind
    {
        return Err(Error::field(
            field,
            format!("must refer to a {}, not a {}", expected.name(), kind.name()),
        ));
    }
    match id {
        Some(id) if store::exists(w, kind.table(), id).await? => Ok((kind, id)),
        _ => Err(Error::field(
            field,
            format!("refers to no live {}", kind.name()),
        )),
    }
}

async fn resolve_refs<N: Writable>(
    w: &mut Writer,
    input: &N::Input,
) -> Result<HashMap<&'static str, i64>> {
    let mut ids = HashMap::new();
    for (field, kind, r) in N::refs(input) {
        ids.insert(field, resolve(w, field, r, Some(kind)).await?.1);
    }
    Ok(ids)
}

fn set<N: Writable>(row: &mut Model<N>, column: &'static str, value: Value) -> Result<()> {
    let c = <N::Entity as EntityTrait>::Column::iter_by_name(column)?;
    row.try_set(c, value).map_err(Error::from)
}

/// Checks a record of an import file as a whole with the rules of its type
/// ([`Writable::check`], what the API checks before every write): its values by column,
/// as the import read them, are set on a row of the type first. Returns its parent in its
/// type's hierarchy ([`Writable::parent`]: the field and the parent's id), if it has one.
pub fn check_record(
    kind: NodeType,
    id: i64,
    values: &std::collections::BTreeMap<&'static str, serde_json::Value>,
    texts: &TextMap,
) -> Result<Option<(&'static str, i64)>> {
    use crate::{
        dialogue::Dialogue, organisation::Organisation, person::Person, report::Report,
        source::Source, theme::Theme, tool::Tool, workshop::Workshop,
    };
    match kind {
        NodeType::Dialogue => check_record_as::<Dialogue>(id, values, texts),
        NodeType::Workshop => check_record_as::<Workshop>(id, values, texts),
        NodeType::Report => check_record_as::<Report>(id, values, texts),
        NodeType::Tool => check_record_as::<Tool>(id, values, texts),
        NodeType::Organisation => check_record_as::<Organisation>(id, values, texts),
        NodeType::Person => check_record_as::<Person>(id, values, texts),
        NodeType::Theme => check_record_as::<Theme>(id, values, texts),
        NodeType::Source => check_record_as::<Source>(id, values, texts),
    }
}

fn check_record_as<N: Writable>(
    id: i64,
    values: &std::collections::BTreeMap<&'static str, serde_json::Value>,
    texts: &TextMap,
) -> Result<Option<(&'static str, i64)>>
where
    Model<N>: Default,
{
    let mut row = Model::<N>::default();
    set::<N>(&mut row, node_column::ID, Value::from(id))?;
    for c in crate::export::repo::columns(N::KIND) {
        if let Some(v) = values.get(c.name) {
            set::<N>(&mut row, c.name, crate::export::repo::to_value(c.ty, v)?)?;
        }
    }
    N::check(&row, texts)?;
    Ok(N::parent(&row).map(|(field, _, parent)| (field, parent)))
}

/// Looks up columns by name on any entity.
trait ColumnByName: Sized {
    fn iter_by_name(name: &str) -> Result<Self>;
}

impl<C: sea_orm::ColumnTrait + sea_orm::Iterable> ColumnByName for C {
    fn iter_by_name(name: &str) -> Result<C> {
        C::iter()
            .find(|c| sea_orm::IdenStatic::as_str(c) == name)
            .ok_or_else(|| Error::internal(format!("no column {name}")))
    }
}

/// The partner a record is written for: the one an admin names, else the caller's.
pub async fn partner_for(w: &mut Writer, named: Option<&str>) -> Result<Option<i64>> {
    match named {
        None => Ok(w.principal.organisation()),
        Some(slug) => {
            let org = store::partner_by_slug(w, slug).await?.ok_or_else(|| {
                Error::field("partner", format!("no partner has the slug `{slug}`"))
            })?;
            if !w.principal.is_admin() && Some(org) != w.principal.organisation() {
                return Err(Error::Forbidden(
                    "only admins may write records for other partners".into(),
                ));
            }
            Ok(Some(org))
        }
    }
}

/// Applies the record fields of an input.
fn apply_record<N: Writable>(
    record: &RecordInput,
    row: &mut Model<N>,
    texts: &TextMap,
    creating: bool,
) -> Result<()> {
    let mut source_url = row.record().source_url.map(str::to_string);
    maybe(&mut source_url, &record.source_url, |u| {
        text_column(node_column::SOURCE_URL, "sourceUrl", u)
    })?;
    set::<N>(row, node_column::SOURCE_URL, source_url.into())?;
    let mut source_document = row.record().source_document.map(str::to_string);
    maybe(&mut source_document, &record.source_document, |d| {
        text_column(node_column::SOURCE_DOCUMENT, "sourceDocument", d)
    })?;
    set::<N>(row, node_column::SOURCE_DOCUMENT, source_document.into())?;
    let mut external = row.record().external_id.map(str::to_string);
    maybe(&mut external, &record.external_id, |e| {
        text_column(node_column::EXTERNAL_ID, "externalId", e)
    })?;
    set::<N>(row, node_column::EXTERNAL_ID, external.into())?;
    let lang = match &record.original_language {
        Some(l) => {
            Some(check_language(l).map_err(|e| Error::field("originalLanguage", e.to_string()))?)
        }
        None if creating => {
            let langs: std::collections::BTreeSet<&String> =
                texts.values().flat_map(|t| t.keys()).collect();
            match langs.len() {
                1 => langs.into_iter().next().cloned(),
                0 => Some("en".into()),
                _ if langs.contains(&"en".to_string()) => Some("en".into()),
                _ => {
                    return Err(Error::field(
                        "originalLanguage",
                        "is required when the texts are in several languages, none of them English",
                    ));
                }
            }
        }
        None => None,
    };
    if let Some(lang) = lang {
        set::<N>(row, node_column::ORIGINAL_LANG, lang.into())?;
    }
    Ok(())
}

async fn check_uniques<N: Writable>(w: &Writer, row: &Model<N>, except: Option<i64>) -> Result<()> {
    let table = N::KIND.table();
    for (field, column, value) in N::uniques(row) {
        if store::taken(w, table, column, &value, except).await? {
            return Err(Error::field(
                field,
                format!("`{value}` is already used by another record"),
            ));
        }
    }
    Ok(())
}

/// Refuses to attach a record under another partner's record (a workshop in its
/// dialogue, an organisation under its organisation), unless the caller is an admin.
/// `before` is the record as it was (none when creating): a container it keeps is not
/// attached again.
async fn check_attach<N: Writable>(
    w: &mut Writer,
    input: &N::Input,
    refs: &HashMap<&'static str, i64>,
    before: Option<&Model<N>>,
) -> Result<()> {
    if w.principal.is_admin() {
        return Ok(());
    }
    for (field, kind, _) in N::refs(input) {
        let Some(&(_, column)) = N::CONTAINERS.iter().find(|(f, _)| *f == field) else {
            continue;
        };
        let Some(&id) = refs.get(field) else {
            continue;
        };
        if let Some(row) = before {
            let c = <N::Entity as EntityTrait>::Column::iter_by_name(column)?;
            if row.get(c) == Value::from(Some(id)) {
                continue;
            }
        }
        let container = crate::repo::edges::source(w, kind.table(), id).await?;
        w.principal.may_change(container.partner_id).map_err(|_| {
            Error::Forbidden(format!(
                "`{field}` names a record of another partner: only that partner or an admin \
                 may attach records under it"
            ))
        })?;
    }
    Ok(())
}

/// Refuses a change of a controlled vocabulary by a caller without the admin scope.
fn check_controlled<N: Writable>(w: &Writer, rows: &[&Model<N>]) -> Result<()> {
    if !w.principal.is_admin() && rows.iter().any(|r| N::controlled(r)) {
        return Err(Error::Forbidden(
            "the controlled vocabularies (frameworks, GCM objectives, SDG goals, targets and \
             indicators) change only with an admin key"
                .into(),
        ));
    }
    Ok(())
}

/// Refuses a parent that would make the record its own ancestor.
async fn check_cycle<N: Writable>(w: &Writer, id: i64, row: &Model<N>) -> Result<()> {
    if let Some((field, column, parent)) = N::parent(row)
        && store::is_ancestor(w, N::KIND.table(), column, parent, id).await?
    {
        return Err(Error::field(
            field,
            format!(
                "this would make the {} its own ancestor",
                N::KIND.name().to_lowercase()
            ),
        ));
    }
    Ok(())
}

/// Creates a record from `input` (with `external_id` when upserting).
pub async fn create_in<N: Writable>(
    w: &mut Writer,
    input: &N::Input,
    external_id: Option<&str>,
    partner: Option<i64>,
) -> Result<WriteResult<N>> {
    w.principal.require_write()?;
    N::check_create(input)?;
    let record = N::record_input(input);
    let partner = match partner {
        Some(p) => Some(p),
        None => partner_for(w, record.partner.as_deref()).await?,
    };
    let refs = resolve_refs::<N>(w, input).await?;
    check_attach::<N>(w, input, &refs, None).await?;
    let mut row = Model::<N>::default();
    let mut texts = TextMap::new();
    N::apply(input, &mut row, &mut texts, &refs)?;
    apply_record::<N>(record, &mut row, &texts, true)?;
    set::<N>(&mut row, node_column::PARTNER_ID, partner.into())?;
    if let Some(e) = external_id {
        set::<N>(
            &mut row,
            node_column::EXTERNAL_ID,
            Some(e.to_string()).into(),
        )?;
    }
    N::check(&row, &texts)?;
    check_controlled::<N>(w, &[&row])?;
    check_uniques::<N>(w, &row, None).await?;
    if let Some(e) = row.record().external_id
        && store::id_by_external(w, N::KIND.table(), partner, e)
            .await?
            .is_some()
    {
        return Err(Error::field(
            "externalId",
            format!("`{e}` is already used by another record of this partner"),
        ));
    }
    let created = store::create::<N::Entity>(w, N::KIND, row, &texts).await?;
    Ok(WriteResult::of(Outcome::Created, created))
}

/// Changes the record `id` as `input` says (what it does not name stays).
pub async fn update_in<N: Writable>(
    w: &mut Writer,
    id: i64,
    input: &N::Input,
    expected_version: Option<i64>,
) -> Result<WriteResult<N>> {
    w.principal.require_write()?;
    let Some((row, texts)) = store::load::<N::Entity>(w, id).await? else {
        return Err(Error::NotFound(format!(
            "no live {} has this id",
            N::KIND.name()
        )));
    };
    w.principal.may_change(row.record().partner_id)?;
    store::expect_version(row.record().version, expected_version)?;
    let record = N::record_input(input);
    let refs = resolve_refs::<N>(w, input).await?;
    check_attach::<N>(w, input, &refs, Some(&row)).await?;
    let (mut new_row, mut new_texts) = (row.clone(), texts.clone());
    N::apply(input, &mut new_row, &mut new_texts, &refs)?;
    apply_record::<N>(record, &mut new_row, &new_texts, false)?;
    if record.partner.is_some() {
        let partner = partner_for(w, record.partner.as_deref()).await?;
        set::<N>(&mut new_row, node_column::PARTNER_ID, partner.into())?;
    }
    N::check(&new_row, &new_texts)?;
    check_controlled::<N>(w, &[&row, &new_row])?;
    if N::parent(&new_row) != N::parent(&row) {
        check_cycle::<N>(w, id, &new_row).await?;
    }
    check_uniques::<N>(w, &new_row, Some(id)).await?;
    let (outcome, model) =
        store::update::<N::Entity>(w, N::KIND, (row, texts), (new_row, new_texts)).await?;
    Ok(WriteResult::of(outcome, model))
}

/// Deletes the record `id` (a tombstone).
pub async fn delete_in<N: Writable>(
    w: &mut Writer,
    id: i64,
    expected_version: Option<i64>,
) -> Result<WriteResult<N>> {
    w.principal.require_write()?;
    let Some((row, texts)) = store::load::<N::Entity>(w, id).await? else {
        return Err(Error::NotFound(format!(
            "no live {} has this id",
            N::KIND.name()
        )));
    };
    w.principal.may_change(row.record().partner_id)?;
    check_controlled::<N>(w, &[&row])?;
    store::expect_version(row.record().version, expected_version)?;
    let gone = store::delete::<N::Entity>(w, N::KIND, (row, texts)).await?;
    Ok(WriteResult::of(Outcome::Deleted, gone))
}

/// Creates or updates the record that `partner` (the caller by default) knows as
/// `external_id`.
pub async fn upsert_in<N: Writable>(
    w: &mut Writer,
    external_id: &str,
    partner: Option<&str>,
    input: &N::Input,
    expected_version: Option<i64>,
) -> Result<WriteResult<N>> {
    w.principal.require_write()?;
    let external_id = text_column(node_column::EXTERNAL_ID, "externalId", external_id)?;
    // The partner named by the argument, else by the input, else the caller's: the same
    // for the lookup and for a create.
    let named = partner.or(N::record_input(input).partner.as_deref());
    let partner = partner_for(w, named).await?;
    match store::id_by_external(w, N::KIND.table(), partner, &external_id).await? {
        Some(id) => update_in::<N>(w, id, input, expected_version).await,
        None => match expected_version {
            // A version expected of a record that does not exist cannot hold.
            Some(expected) if expected > 0 => Err(Error::VersionConflict {
                expected,
                current: 0,
            }),
            _ => create_in::<N>(w, input, Some(&external_id), partner).await,
        },
    }
}

/// Opens a write for the request's caller.
pub async fn writer(ctx: &Context<'_>) -> Result<Writer> {
    let principal = ctx
        .data_opt::<Principal>()
        .cloned()
        .unwrap_or(Principal::Anonymous);
    principal.require_write()?;
    let sync = ctx
        .data::<SyncState>()
        .map_err(|_| Error::internal("no sync state"))?;
    let claim = ctx.data_opt::<Arc<Claim>>().cloned();
    Ok(Writer::begin(ctx.loaders().db(), sync, principal)
        .await?
        .with_claim(claim))
}

/// Runs one write in its own transaction: committed when it succeeds, rolled back when
/// it fails.
pub async fn in_transaction<T>(
    ctx: &Context<'_>,
    f: impl AsyncFnOnce(&mut Writer) -> Result<T>,
) -> Result<T> {
    let mut w = writer(ctx).await?;
    match f(&mut w).await {
        Ok(v) => {
            w.commit().await?;
            Ok(v)
        }
        Err(e) => {
            w.rollback().await;
            Err(e)
        }
    }
}

/// Declares the create, update, delete and upsert mutations of a node type.
macro_rules! writes {
    ($mutation:ident: $node:ty {
        $(#[doc = $create_doc:literal])+ $create:ident,
        $(#[doc = $update_doc:literal])+ $update:ident,
        $(#[doc = $delete_doc:literal])+ $delete:ident,
        $(#[doc = $upsert_doc:literal])+ $upsert:ident $(,)?
    }) => {
        /// Mutations of one node type.
        #[derive(Default)]
        pub struct $mutation;

        /// Mutations of one node type.
        #[async_graphql::Object]
        impl $mutation {
            $(#[doc = $create_doc])+
            async fn $create(
                &self,
                ctx: &async_graphql::Context<'_>,
                #[graphql(desc = "The new record's values.")]
                input: <$node as $crate::graphql::write::Writable>::Input,
            ) -> $crate::error::Result<$crate::graphql::write::WriteResult<$node>> {
                $crate::graphql::write::in_transaction(ctx, async |w| {
                    $crate::graphql::write::create_in::<$node>(w, &input, None, None).await
                })
                .await
            }

            $(#[doc = $update_doc])+
            async fn $update(
                &self,
                ctx: &async_graphql::Context<'_>,
                #[graphql(desc = "The record's global id.")] id: async_graphql::ID,
                #[graphql(desc = "The values to change; fields left out keep theirs.")]
                input: <$node as $crate::graphql::write::Writable>::Input,
                #[graphql(desc = "Fail with CONFLICT, changing nothing, unless the record is at this version.")]
                expected_version: Option<i64>,
            ) -> $crate::error::Result<$crate::graphql::write::WriteResult<$node>> {
                let id = $crate::graphql::id::decode_as(&id, <$node as $crate::graphql::write::Writable>::KIND)?;
                $crate::graphql::write::in_transaction(ctx, async |w| {
                    $crate::graphql::write::update_in::<$node>(w, id, &input, expected_version).await
                })
                .await
            }

            $(#[doc = $delete_doc])+
            async fn $delete(
                &self,
                ctx: &async_graphql::Context<'_>,
                #[graphql(desc = "The record's global id.")] id: async_graphql::ID,
                #[graphql(desc = "Fail with CONFLICT, changing nothing, unless the record is at this version.")]
                expected_version: Option<i64>,
            ) -> $crate::error::Result<$crate::graphql::write::WriteResult<$node>> {
                let id = $crate::graphql::id::decode_as(&id, <$node as $crate::graphql::write::Writable>::KIND)?;
                $crate::graphql::write::in_transaction(ctx, async |w| {
                    $crate::graphql::write::delete_in::<$node>(w, id, expected_version).await
                })
                .await
            }

            $(#[doc = $upsert_doc])+
            async fn $upsert(
                &self,
                ctx: &async_graphql::Context<'_>,
                #[graphql(desc = "The record's id in the partner's own system.")] external_id: String,
                #[graphql(desc = "Admins only: the slug of the partner whose id it is (the caller's by default).")]
                partner: Option<String>,
                #[graphql(desc = "The record's values; on update, fields left out keep theirs.")]
                input: <$node as $crate::graphql::write::Writable>::Input,
                #[graphql(desc = "Fail with CONFLICT, changing nothing, unless the record is at this version (a record that does not exist yet is at version 0).")]
                expected_version: Option<i64>,
            ) -> $crate::error::Result<$crate::graphql::write::WriteResult<$node>> {
                $crate::graphql::write::in_transaction(ctx, async |w| {
                    $crate::graphql::write::upsert_in::<$node>(w, &external_id, partner.as_deref(), &input, expected_version).await
                })
                .await
            }
        }
    };
}

pub(crate) use writes;
