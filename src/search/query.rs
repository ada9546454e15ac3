//! The `search` root field: ranked full-text search across every node type.

use std::sync::Arc;

use async_graphql::{Context, InputObject, Object, SimpleObject};
use sea_orm::{
    DbBackend,
    sea_query::{CaseStatement, Condition, Expr, ExprTrait},
};

use super::analysis::{SearchQuery, Term, lower, parse, stem, variants, words};
use crate::{
    dialogue::DialogueFilter,
    error::{Error, Result, truncate},
    graphql::{
        connection::PageInfo,
        context::CtxExt,
        cursor::{decode_opaque, encode_opaque},
        filter::{IntFilter, RecordFilter, col},
        i18n::{check_language, fold},
        id::NodeType,
        node::{Node, load},
    },
    organisation::{DeveloperFilter, OrganisationFilter, ParticipantFilter},
    person::PersonFilter,
    repo::{filter::related_each, node::column as node_column, text::Texts},
    report::ReportFilter,
    search::repo::{self as store, Hit, Search},
    tool::ToolFilter,
    workshop::WorkshopFilter,
};

/// Conditions on the records a search may return.
#[derive(InputObject, Clone, Debug, Default)]
pub struct SearchFilter {
    #[graphql(flatten)]
    pub record: RecordFilter,
    /// The year (dialogues, workshops, reports, tools and sources; other types never match
    /// it).
    pub year: Option<IntFilter>,
    /// Records linked to an organisation that matches: dialogues and workshops it takes
    /// part in, reports and sources it published, tools it developed, people affiliated
    /// with it, and the organisations that match themselves. Themes never match it.
    pub has_organisation: Option<Box<OrganisationFilter>>,
}

const WITH_YEAR: [NodeType; 5] = [
    NodeType::Dialogue,
    NodeType::Workshop,
    NodeType::Report,
    NodeType::Tool,
    NodeType::Source,
];

/// Which texts may match: those of live records of `types` that meet `filter`.
fn owners(types: &[NodeType], filter: Option<&SearchFilter>) -> Result<Condition> {
    // Ids of other types than a record's match none of its records (rather than being
    // refused, as in a list of one type): the id filter is applied per type below.
    let record = filter.map(|f| RecordFilter {
        id: None,
        ..f.record.clone()
    });
    let mut any = Condition::any();
    let mut case: Option<CaseStatement> = None;
    for &kind in types {
        let mut cond = Condition::all();
        if let (Some(f), Some(record)) = (filter, &record) {
            cond = cond.add(record.condition(kind)?);
            if let Some(id) = &f.record.id {
                cond =
                    cond.add(id.condition_of_any_type(col(kind.table(), node_column::ID), kind)?);
            }
            if let Some(year) = &f.year {
                if !WITH_YEAR.contains(&kind) {
                    continue;
                }
                cond = cond.add(year.condition(col(kind.table(), node_column::YEAR))?);
            }
            if let Some(org) = &f.has_organisation {
                let Some(linked) = linked_to(kind, org)? else {
                    continue;
                };
                cond = cond.add(linked);
            }
        }
        let is_kind = col!(search_entry.owner_type).eq(kind.table());
        let live = related_each(col!(search_entry.owner_id), kind.table(), cond);
        any = any.add(Condition::all().add(is_kind.clone()).add(live.clone()));
        case = Some(match case {
            None => Expr::case(is_kind, Expr::from(live)),
            Some(c) => c.case(is_kind, Expr::from(live)),
        });
    }
    if filter.is_some() {
        crate::graphql::filter::check_size(&any)?;
    }
    // A CASE on the record's type, not an OR of conditions: SQLite would read each
    // branch's `owner_type = ...` through the owner index (every entry of the type)
    // rather than the search index in its order.
    let case: Expr = case.map_or(Expr::val(false), |c| c.finally(false).into());
    Ok(Condition::all().add(case))
}

/// The search words as the search reads them.
fn read(query: &str) -> Result<SearchQuery> {
    if query.chars().count() > 1000 {
        return Err(Error::bad_input("a query takes at most 1000 characters"));
    }
    parse(query)
}

/// The records of type `kind` that a search for `query` (in the texts in `lang`) finds, as
/// a condition on their table: what an export of a search lists.
pub fn found(
    backend: DbBackend,
    query: &str,
    lang: Option<&str>,
    kind: NodeType,
) -> Result<Condition> {
    let parsed = read(query)?;
    let search = Search {
        query: &parsed,
        text: query,
        lang,
        owners: Condition::all().add(col!(search_entry.owner_type).eq(kind.table())),
    };
    Ok(Condition::all()
        .add(col(kind.table(), node_column::ID).in_subquery(store::found(backend, &search))))
}

/// Records of type `kind` linked to an organisation that matches `org`, as that type's own
/// filter links them; `None` for a type that has no such link.
fn linked_to(kind: NodeType, org: &OrganisationFilter) -> Result<Option<Condition>> {
    let organisation = Some(org.clone());
    let participant = || {
        Some(Box::new(ParticipantFilter {
            organisation: organisation.clone(),
            ..Default::default()
        }))
    };
    Ok(Some(match kind {
        NodeType::Dialogue => DialogueFilter {
            has_participant: participant(),
            ..Default::default()
        }
        .condition()?,
        NodeType::Workshop => WorkshopFilter {
            has_participant: participant(),
            ..Default::default()
        }
        .condition()?,
        NodeType::Report => ReportFilter {
            has_publisher: Some(Box::new(org.clone())),
            ..Default::default()
        }
        .condition()?,
        NodeType::Tool => ToolFilter {
            has_developer: Some(Box::new(DeveloperFilter {
                organisation,
                ..Default::default()
            })),
            ..Default::default()
        }
        .condition()?,
        NodeType::Person => PersonFilter {
            has_affiliation: Some(Box::new(org.clone())),
            ..Default::default()
        }
        .condition()?,
        NodeType::Organisation => org.condition()?,
        NodeType::Source => crate::repo::filter::related(
            col!(source.publisher_id),
            table!(organisation),
            org.condition()?,
        ),
        NodeType::Theme => return Ok(None),
    }))
}

fn encode_cursor(hit: &Hit) -> String {
    encode_opaque(&("search", hit.score, &hit.owner_type, hit.owner_id))
}

/// The score a cursor stands after (a record's score is its own: the id of its best
/// entry in the index).
fn decode_cursor(text: &str) -> Result<i64> {
    let bad = || Error::bad_input(format!("`{}` is not a cursor of a search", truncate(text)));
    let (tag, score, kind, _id): (String, i64, String, i64) =
        decode_opaque(text).ok_or_else(bad)?;
    if tag != "search" || !NodeType::ALL.iter().any(|t| t.table() == kind) {
        return Err(bad());
    }
    Ok(score)
}

fn kind_of(table: &str) -> Result<NodeType> {
    NodeType::ALL
        .into_iter()
        .find(|t| t.table() == table)
        .ok_or_else(|| Error::internal(format!("unknown node type {table}")))
}

/// Where a search hit matched, with the matching words marked.
#[derive(SimpleObject, Clone, Debug)]
pub struct Snippet {
    /// The field of the text (`title`, `summary`, ...).
    pub field: String,
    /// The language of the text.
    pub lang: String,
    /// The passage, as HTML: the text escaped, matching words in `<mark>` elements.
    pub html: String,
}

/// Whether a lower-case word of a text in `lang` is a form of the query word `w`.
fn is_form(lang: &str, w: &str, word: &str) -> bool {
    fold(w) == fold(word) || variants(Some(lang), w).contains(&stem(lang, word))
}

/// Which word or prefix term of the query (by position) a lower-case word of a text in
/// `lang` matches (phrases match runs of words: see `highlight`).
fn matches(query: &SearchQuery, lang: &str, word: &str) -> Option<usize> {
    query.all.iter().flatten().position(|t| match t {
        Term::Prefix(p) => fold(word).starts_with(&fold(p)),
        Term::Word(w) => is_form(lang, w, word),
        Term::Phrase(_) => false,
    })
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The passage of `text` around its first match, matches marked, with the number of
/// different terms it matches; `None` without a match.
fn highlight(query: &SearchQuery, lang: &str, text: &str) -> Option<(usize, String)> {
    // The words of the text with their byte ranges in the original (accented) text.
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices().chain([(text.len(), ' ')]) {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    let lowered: Vec<String> = spans.iter().map(|&(s, e)| lower(&text[s..e])).collect();
    let mut terms: Vec<Option<usize>> = lowered
        .iter()
        .map(|l| words(l).find_map(|w| matches(query, lang, w)))
        .collect();
    // A phrase marks the runs of words that are its words in order (`A/72/643` marks
    // `A/72/643`, not every `à`).
    for (at, t) in query.all.iter().flatten().enumerate() {
        let Term::Phrase(ws) = t else {
            continue;
        };
        for start in 0..(lowered.len() + 1).saturating_sub(ws.len()) {
            let run = start..start + ws.len();
            if ws
                .iter()
                .zip(&lowered[run.clone()])
                .all(|(w, word)| is_form(lang, w, word))
            {
                terms[run].fill(Some(at));
            }
        }
    }
    let hits: Vec<bool> = terms.iter().map(Option::is_some).collect();
    // A text is as good as the number of different terms it matches.
    let count = terms
        .iter()
        .flatten()
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let first = hits.iter().position(|h| *h)?;
    const BEFORE: usize = 8;
    const SPAN: usize = 30;
    let from = first.saturating_sub(BEFORE);
    let to = (from + SPAN).min(spans.len());
    let (begin, end) = (
        if from == 0 { 0 } else { spans[from].0 },
        if to == spans.len() {
            text.len()
        } else {
            spans[to - 1].1
        },
    );
    let mut html = String::new();
    if from > 0 {
        html.push('…');
    }
    let mut at = begin;
    for i in from..to {
        let (s, e) = spans[i];
        html.push_str(&escape(&text[at..s]));
        if hits[i] {
            html.push_str("<mark>");
            html.push_str(&escape(&text[s..e]));
            html.push_str("</mark>");
        } else {
            html.push_str(&escape(&text[s..e]));
        }
        at = e;
    }
    html.push_str(&escape(&text[at..end]));
    if end < text.len() {
        html.push('…');
    }
    Some((count, html))
}

/// One result of a search.
pub struct SearchEdge {
    hit: Hit,
    /// How well it matches (see `score`).
    relevance: f64,
    siblings: Arc<Vec<Hit>>,
    query: Arc<SearchQuery>,
    lang: Option<String>,
}

/// One result of a search: a record, how well it matches, and where.
#[Object]
impl SearchEdge {
    /// An opaque cursor: pass it as `after` to continue from this result.
    async fn cursor(&self) -> String {
        encode_cursor(&self.hit)
    }

    /// The record.
    async fn node(&self, ctx: &Context<'_>) -> Result<Option<Node>> {
        let kind = kind_of(&self.hit.owner_type)?;
        let siblings = self
            .siblings
            .iter()
            .filter(|h| h.owner_type == self.hit.owner_type)
            .map(|h| h.owner_id)
            .collect();
        load(ctx, kind, self.hit.owner_id, siblings).await
    }

    /// How well the record matches, higher first: 8 and more for a name, title or
    /// identifier equal to the query (or a UN symbol it begins), then 3.x for a match in a
    /// name or title, 2.x in a place or venue, 1.x in another text; within each, shorter
    /// texts score higher, in steps of 32 characters.
    async fn score(&self) -> f64 {
        self.relevance
    }

    /// The record's text that matches best, around its first match.
    async fn snippet(&self, ctx: &Context<'_>) -> Result<Option<Snippet>> {
        let siblings = self
            .siblings
            .iter()
            .filter(|h| h.owner_type == self.hit.owner_type)
            .map(|h| h.owner_id);
        let owner = kind_of(&self.hit.owner_type)?.table();
        let texts = ctx
            .loaders()
            .load(Texts(owner), self.hit.owner_id, siblings)
            .await?
            .unwrap_or_default();
        // The text that matches the most terms; among those, a title, then a text in the
        // language the client prefers most (`Accept-Language`), then the first.
        let preferred = ctx.languages();
        let rank = |lang: &str| {
            let at = preferred.iter().position(|p| p == lang);
            std::cmp::Reverse(at.unwrap_or(usize::MAX))
        };
        let best = texts
            .iter()
            .filter(|t| self.lang.as_deref().is_none_or(|l| l == t.lang))
            .filter_map(|t| highlight(&self.query, &t.lang, &t.value).map(|(n, html)| (n, t, html)))
            .rev()
            .max_by_key(|(n, t, _)| (*n, t.field == "title", rank(&t.lang)));
        Ok(best.map(|(_, t, html)| Snippet {
            field: t.field.clone(),
            lang: t.lang.clone(),
            html,
        }))
    }
}

/// A page of search results, best first.
pub struct SearchConnection {
    edges: Vec<SearchEdge>,
    has_next: bool,
    had_cursor: bool,
    /// What was searched, for the total count.
    query: Arc<SearchQuery>,
    text: String,
    lang: Option<String>,
    owners: Condition,
    /// The total count (or why it failed), counted with the page when the query asks
    /// for it, else once asked.
    count: tokio::sync::OnceCell<Result<store::Count>>,
}

impl SearchConnection {
    async fn count(&self, ctx: &Context<'_>) -> Result<store::Count> {
        let search = Search {
            query: &self.query,
            text: &self.text,
            lang: self.lang.as_deref(),
            owners: self.owners.clone(),
        };
        self.count
            .get_or_init(|| store::count(ctx.loaders().db(), &search))
            .await
            .clone()
    }
}

/// A page of search results, best first (a Relay connection).
#[Object]
impl SearchConnection {
    /// The results of this page.
    async fn edges(&self) -> &[SearchEdge] {
        &self.edges
    }

    /// Where this page sits in the whole list.
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_next_page: self.has_next,
            has_previous_page: self.had_cursor,
            start_cursor: self.edges.first().map(|e| encode_cursor(&e.hit)),
            end_cursor: self.edges.last().map(|e| encode_cursor(&e.hit)),
        }
    }

    /// How many records match, over all pages: exact when the query matches at most 1,000
    /// entries of the search index (texts, names, places: several hundred records or
    /// more; on PostgreSQL, at most 200 when its statistics expect over 2,000), above
    /// that an estimate from the index's statistics (`totalCountIsEstimate` says which).
    /// Counting costs about what reading 1,000 entries does, however many records match.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i64> {
        Ok(self.count(ctx).await?.total)
    }

    /// Whether `totalCount` is an estimate (the query matches more entries of the index
    /// than an exact count reads: see `totalCount`) rather than exact.
    async fn total_count_is_estimate(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(self.count(ctx).await?.estimated)
    }
}

/// The root field of full-text search.
#[derive(Default)]
pub struct SearchRoot;

/// Full-text search.
#[Object]
impl SearchRoot {
    /// Searches the texts of every record (titles, names, summaries... in every language)
    /// and what records are known by besides: people's names, cities, countries' names in
    /// English, French and Spanish, UN symbols, slugs, theme codes and external ids. Words
    /// match their inflections (`migrations` finds `migration`, `partenariats` finds
    /// `partenariat`, with the stemmer of each text's language), case and accents are
    /// ignored; `"two words"` is a phrase, `migra*` a prefix, `a OR b` an alternative and
    /// `-word` an exclusion. Anything else in the query is plain text. Identifiers match
    /// whole, and a UN symbol also by its leading part up to a `/` (`A/72`). A record whose
    /// name, title or identifier is the whole query comes first; then records by their
    /// best match (see `score`).
    async fn search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to look for.")] query: String,
        #[graphql(desc = "Only records of these types (all types when absent).")] types: Option<
            Vec<NodeType>,
        >,
        #[graphql(desc = "Only texts in this language (ISO 639-1), read with its stemmer.")]
        lang: Option<String>,
        #[graphql(desc = "Only records that match.")] filter: Option<SearchFilter>,
        #[graphql(
            desc = "Return the first n results (at most the page-size limit, 100 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return the results after this cursor.")] after: Option<String>,
    ) -> Result<SearchConnection> {
        let parsed = Arc::new(read(&query)?);
        let lang = lang.as_deref().map(check_language).transpose()?;
        let settings = ctx.settings();
        let limit = match first.unwrap_or(settings.default_page_size as i32) {
            n if (0..=settings.max_page_size as i32).contains(&n) => n as u64,
            n => {
                return Err(Error::bad_input(format!(
                    "`first` must be between 0 and {}, not {n}",
                    settings.max_page_size
                )));
            }
        };
        let cursor = after.as_deref().map(decode_cursor).transpose()?;
        let types = types.unwrap_or_else(|| NodeType::ALL.to_vec());
        let owners = owners(&types, filter.as_ref())?;
        let search = Search {
            query: &parsed,
            text: &query,
            lang: lang.as_deref(),
            owners: owners.clone(),
        };
        // The total, when the query asks for it, is counted beside the page, not after
        // it: neither needs the other (for a common word at scale 10 on PostgreSQL, the
        // page's walk of the index took 46 ms and the count 20).
        let look = ctx.look_ahead();
        let counted =
            look.field("totalCount").exists() || look.field("totalCountIsEstimate").exists();
        let db = ctx.loaders().db();
        let (hits, count) = tokio::join!(store::search(db, &search, cursor, limit + 1), async {
            match counted {
                true => Some(store::count(db, &search).await),
                false => None,
            }
        });
        let mut hits = hits?;
        let has_next = hits.len() as u64 > limit;
        hits.truncate(limit as usize);
        let siblings = Arc::new(hits.clone());
        let edges = hits
            .into_iter()
            .map(|hit| SearchEdge {
                relevance: hit.relevance(db.get_database_backend()),
                hit,
                siblings: siblings.clone(),
                query: parsed.clone(),
                lang: lang.clone(),
            })
            .collect();
        Ok(SearchConnection {
            edges,
            has_next,
            had_cursor: after.is_some(),
            query: parsed,
            text: query,
            lang,
            owners,
            count: tokio::sync::OnceCell::new_with(count),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_mark_inflections_and_escape() {
        let q = parse("partenariats migra*").unwrap();
        let (n, html) =
            highlight(&q, "fr", "Un <forum> sur les Partenariats & la Migration.").unwrap();
        assert_eq!(n, 2);
        assert_eq!(
            html,
            "Un &lt;forum&gt; sur les <mark>Partenariats</mark> &amp; la <mark>Migration</mark>."
        );
        assert!(highlight(&q, "fr", "rien").is_none());
        // A phrase marks its words where they follow each other, and only there.
        let q = parse("A/72/643").unwrap();
        let (_, html) = highlight(&q, "fr", "Voir A/72/643, à la page 72.").unwrap();
        assert_eq!(
            html,
            "Voir <mark>A</mark>/<mark>72</mark>/<mark>643</mark>, à la page 72."
        );
        assert!(highlight(&q, "fr", "à la page 72, 643 fois").is_none());
    }
}
