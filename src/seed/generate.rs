//! A deterministic synthetic knowledge graph, for benchmarks and tests: `agora generate`.
//!
//! The same shape and seed give the same rows, on SQLite and PostgreSQL alike. Rows are
//! written with multi-row INSERTs in one transaction, ids chosen here (the database must be
//! empty), then PostgreSQL's id sequences are moved past them.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Value, sea_query::Query};

use crate::{
    error::{Error, Result},
    graphql::i18n::fold,
    progress::Progress,
    search::analysis::stems,
};

/// How many of each thing to generate.
#[derive(Clone, Debug, PartialEq)]
pub struct Shape {
    /// Organisations (a fifth of them nested in another).
    pub organisations: usize,
    /// Dialogues (a tenth of them series that others belong to).
    pub dialogues: usize,
    /// Workshops per dialogue.
    pub workshops_per_dialogue: usize,
    /// Participating organisations per workshop.
    pub participants_per_workshop: usize,
    /// Reports.
    pub reports: usize,
    /// Tools.
    pub tools: usize,
    /// People.
    pub people: usize,
    /// Themes (a sixth of them top-level, the rest narrower).
    pub themes: usize,
}

impl Shape {
    /// The shape of scale `n`: at scale 1, 2,000 organisations, 1,000 dialogues with 10
    /// workshops each and 5 participating organisations per workshop, 2,000 reports, 300
    /// tools, 3,000 people and 60 themes.
    pub fn scale(n: f64) -> Shape {
        let at = |base: f64| ((base * n).round() as usize).max(1);
        Shape {
            organisations: at(2000.0).max(10),
            dialogues: at(1000.0),
            workshops_per_dialogue: 10,
            participants_per_workshop: 5,
            reports: at(2000.0),
            tools: at(300.0),
            people: at(3000.0),
            themes: 60,
        }
    }
}

/// The given and family names of the `i`th generated person: a given name of many
/// languages (accents included), and a family name of three syllables, about one in 8,000
/// (chosen from `i` alone, so that the rest of the graph does not depend on them).
pub fn person_name(i: usize) -> (&'static str, String) {
    const GIVEN: &[&str] = &[
        "António",
        "Amina",
        "José",
        "Fatoumata",
        "Chloé",
        "Mehmet",
        "Ngozi",
        "Søren",
        "Lucía",
        "Thành",
        "Zoë",
        "Kwame",
        "Élodie",
        "Rania",
        "Hiroshi",
        "Ana",
        "Björn",
        "Aïcha",
        "Carlos",
        "Dalia",
    ];
    const SYLLABLES: &[&str] = &[
        "ba", "ko", "ri", "mé", "sa", "tu", "nda", "lo", "vi", "gue", "ra", "zi", "mon", "té",
        "ka", "ol", "pé", "dri", "na", "sú",
    ];
    let mut mix = Rng(i as u64 ^ 0x5EED_4A3E);
    let mut family = String::new();
    for _ in 0..3 {
        family.push_str(SYLLABLES[mix.below(SYLLABLES.len())]);
    }
    let mut letters = family.chars();
    let family = letters
        .next()
        .map(|c| c.to_uppercase().chain(letters).collect())
        .unwrap_or_default();
    (GIVEN[mix.below(GIVEN.len())], family)
}

/// SplitMix64: a tiny generator whose output is fixed by its seed, whatever crate versions.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const COUNTRIES: &[&str] = &[
    "US", "FR", "ES", "MX", "CH", "DE", "IT", "MA", "SN", "NG", "KE", "ET", "IN", "PH", "BD", "TH",
    "BR", "CO", "AR", "CA", "JO", "LB", "TR", "EG", "ZA",
];
const CITIES: &[&str] = &[
    "New York",
    "Geneva",
    "Paris",
    "Madrid",
    "Rabat",
    "Dakar",
    "Nairobi",
    "Bangkok",
    "Manila",
    "Mexico City",
    "Bogotá",
    "Addis Ababa",
    "Amman",
    "Istanbul",
    "Brussels",
];

/// Topic words: (English, French, Spanish).
const TOPICS: &[(&str, &str, &str)] = &[
    (
        "labour migration",
        "migration de main-d'œuvre",
        "migración laboral",
    ),
    ("partnerships", "partenariats", "asociaciones"),
    (
        "diaspora engagement",
        "mobilisation des diasporas",
        "participación de la diáspora",
    ),
    (
        "border management",
        "gestion des frontières",
        "gestión de fronteras",
    ),
    (
        "climate mobility",
        "mobilité climatique",
        "movilidad climática",
    ),
    ("remittances", "envois de fonds", "remesas"),
    (
        "return and reintegration",
        "retour et réintégration",
        "retorno y reintegración",
    ),
    (
        "migrant health",
        "santé des migrants",
        "salud de los migrantes",
    ),
    ("integration", "intégration", "integración"),
    (
        "data and research",
        "données et recherche",
        "datos e investigación",
    ),
    (
        "human trafficking",
        "traite des êtres humains",
        "trata de personas",
    ),
    (
        "regional cooperation",
        "coopération régionale",
        "cooperación regional",
    ),
];
const EVENTS: &[(&str, &str, &str)] = &[
    ("Dialogue", "Dialogue", "Diálogo"),
    ("Consultation", "Consultation", "Consulta"),
    ("Forum", "Forum", "Foro"),
    ("Conference", "Conférence", "Conferencia"),
];
const KINDS: &[&str] = &[
    "un_agency",
    "intergovernmental",
    "government",
    "government",
    "local_government",
    "civil_society",
    "civil_society",
    "migrant_organisation",
    "diaspora_organisation",
    "private_sector",
    "academia",
    "media",
];
const ROLES: &[&str] = &["organiser", "host", "speaker", "participant", "participant"];

/// Rows of one table, written in chunks.
struct Table {
    name: &'static str,
    columns: &'static [&'static str],
    rows: Vec<Vec<Value>>,
}

impl Table {
    fn new((name, columns): (&'static str, &'static [&'static str])) -> Table {
        Table {
            name,
            columns,
            rows: Vec::new(),
        }
    }

    fn push(&mut self, row: Vec<Value>) {
        self.rows.push(row);
    }

    async fn write(self, db: &impl ConnectionTrait, progress: &mut dyn Progress) -> Result<u64> {
        // Stay well under both databases' limits on bound parameters per statement.
        let per_chunk = (30_000 / self.columns.len()).max(1);
        let n = self.rows.len() as u64;
        let mut rows = self.rows.into_iter().peekable();
        while rows.peek().is_some() {
            let mut insert = Query::insert();
            insert
                .into_table(self.name)
                .columns(self.columns.iter().copied());
            let mut chunk = 0;
            for row in rows.by_ref().take(per_chunk) {
                insert
                    .values(row.into_iter().map(Into::into))
                    .map_err(|e| Error::internal(e.to_string()))?;
                chunk += 1;
            }
            db.execute(&insert).await?;
            progress.advance(chunk);
        }
        Ok(n)
    }
}

/// The values of the record columns that `cols!` appends.
fn node_values(lang: &str, at: DateTime<Utc>) -> Vec<Value> {
    vec![lang.into(), 1_i64.into(), at.into(), at.into()]
}

/// A table and the columns the generator writes, named through the entity crate.
macro_rules! columns {
    ($table:ident: $($c:ident),*) => {{
        const COLS: &[&str] = &[$(column_name!($table.$c)),*];
        (table!($table), COLS)
    }};
}

/// A node table's columns followed by the record columns every node table has.
macro_rules! node_columns {
    ($table:ident: $($c:ident),*) => {{
        use crate::repo::node::column::{CREATED_AT, ORIGINAL_LANG, UPDATED_AT, VERSION};
        const COLS: &[&str] =
            &[$(column_name!($table.$c),)* ORIGINAL_LANG, VERSION, CREATED_AT, UPDATED_AT];
        (table!($table), COLS)
    }};
}

/// Writes a generated graph of `shape` into the empty database `db`; returns the number
/// of rows written.
pub async fn generate(db: &DatabaseConnection, shape: &Shape, seed: u64) -> Result<u64> {
    generate_with_progress(db, shape, seed, &mut crate::progress::Quiet).await
}

/// [`generate`], showing the progress of its writing in rows.
pub async fn generate_with_progress(
    db: &DatabaseConnection,
    shape: &Shape,
    seed: u64,
    progress: &mut dyn Progress,
) -> Result<u64> {
    if !crate::repo::node::is_empty(db).await? {
        return Err(Error::bad_input(
            "the database is not empty: generate into an empty one",
        ));
    }
    let mut rng = Rng(seed);
    let base = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap_or_default();
    let stamp = |i: usize| base + Duration::seconds(i as i64);
    let mut texts =
        Table::new(columns!(translation: owner_type, owner_id, field, lang, value, folded, stems));
    let mut text = |owner: &str, id: usize, field: &str, lang: &str, value: String| {
        let folded = fold(&value);
        let stems = stems(lang, &value);
        texts.push(vec![
            owner.into(),
            (id as i64).into(),
            field.into(),
            lang.into(),
            value.into(),
            folded.into(),
            stems.into(),
        ]);
    };
    // Each record has English, most French, half Spanish.
    let langs = |rng: &mut Rng| -> Vec<&'static str> {
        let mut l = vec!["en"];
        if rng.chance(0.8) {
            l.push("fr");
        }
        if rng.chance(0.5) {
            l.push("es");
        }
        l
    };
    let say = |lang: &str, t: &(&str, &str, &str)| -> String {
        match lang {
            "fr" => t.1.to_string(),
            "es" => t.2.to_string(),
            _ => t.0.to_string(),
        }
    };

    let mut tags = Table::new(columns!(theme_tag: theme_id, node_type, node_id, created_at));
    let mut organisations = Table::new(
        node_columns!(organisation: id, slug, kind, parent_id, country, founded_year, member_state_count),
    );
    for i in 1..=shape.organisations {
        let kind = *rng.pick(KINDS);
        let parent = (i > 10 && rng.chance(0.2)).then(|| 1 + rng.below(i - 1) as i64);
        let members = (kind == "intergovernmental").then(|| 10 + rng.below(180) as i32);
        let mut row = vec![
            (i as i64).into(),
            format!("org-{i}").into(),
            kind.into(),
            parent.into(),
            Some(rng.pick(COUNTRIES).to_string()).into(),
            Some(1900 + rng.below(125) as i32).into(),
            members.into(),
        ];
        row.extend(node_values("en", stamp(i)));
        organisations.push(row);
        if rng.chance(0.3) {
            tags.push(vec![
                ((1 + rng.below(shape.themes)) as i64).into(),
                table!(organisation).into(),
                (i as i64).into(),
                stamp(i).into(),
            ]);
        }
        let topic = *rng.pick(TOPICS);
        for lang in langs(&mut rng) {
            let name = match lang {
                "fr" => format!("Organisation {i} pour {}", topic.1),
                "es" => format!("Organización {i} para {}", topic.2),
                _ => format!("Organisation {i} for {}", topic.0),
            };
            text(table!(organisation), i, "name", lang, name);
        }
    }

    let mut themes = Table::new(node_columns!(theme: id, code, scheme, broader_id));
    let roots = (shape.themes / 6).max(1);
    for i in 1..=shape.themes {
        let broader = (i > roots).then(|| 1 + rng.below(roots) as i64);
        let scheme = if broader.is_some() {
            "gcm_objective"
        } else {
            "framework"
        };
        let mut row = vec![
            (i as i64).into(),
            format!("T{i}").into(),
            scheme.into(),
            broader.into(),
        ];
        row.extend(node_values("en", stamp(i)));
        themes.push(row);
        let topic = TOPICS[i % TOPICS.len()];
        for lang in ["en", "fr", "es"] {
            text(
                table!(theme),
                i,
                "title",
                lang,
                format!("{} {i}", say(lang, &topic)),
            );
        }
    }

    let mut people = Table::new(node_columns!(person: id, name, given_name, family_name));
    let mut affiliations =
        Table::new(columns!(affiliation: id, person_id, organisation_id, start_date, created_at));
    for i in 1..=shape.people {
        let (given, family) = person_name(i);
        let mut row = vec![
            (i as i64).into(),
            format!("{given} {family}").into(),
            given.into(),
            family.into(),
        ];
        row.extend(node_values("en", stamp(i)));
        people.push(row);
        if rng.chance(0.3) {
            tags.push(vec![
                ((1 + rng.below(shape.themes)) as i64).into(),
                table!(person).into(),
                (i as i64).into(),
                stamp(i).into(),
            ]);
        }
        let start = NaiveDate::from_ymd_opt(1990 + rng.below(35) as i32, 1, 1);
        affiliations.push(vec![
            (i as i64).into(),
            (i as i64).into(),
            (1 + rng.below(shape.organisations) as i64).into(),
            start.into(),
            stamp(i).into(),
        ]);
        text(table!(affiliation), i, "position", "en", "Adviser".into());
        text(
            table!(affiliation),
            i,
            "position",
            "fr",
            "Conseiller".into(),
        );
    }

    let series = (shape.dialogues / 10).max(1);
    let mut dialogues = Table::new(
        node_columns!(dialogue: id, slug, series_id, start_date, end_date, year, month, city, country),
    );
    let mut workshops = Table::new(
        node_columns!(workshop: id, dialogue_id, position, start_date, end_date, year, city, country),
    );
    let mut participants =
        Table::new(columns!(workshop_participant: workshop_id, organisation_id, role, created_at));
    let mut dialogue_participants =
        Table::new(columns!(dialogue_participant: dialogue_id, organisation_id, role, created_at));
    let mut dialogue_people =
        Table::new(columns!(dialogue_person: dialogue_id, person_id, role, created_at));
    let mut dialogue_reports =
        Table::new(columns!(dialogue_report: dialogue_id, report_id, role, created_at));
    let mut workshop_reports =
        Table::new(columns!(workshop_report: workshop_id, report_id, role, created_at));
    let mut workshop_tools = Table::new(columns!(workshop_tool: workshop_id, tool_id, created_at));
    let mut workshop_people =
        Table::new(columns!(workshop_person: workshop_id, person_id, role, created_at));
    let mut workshop_id = 0_usize;
    for d in 1..=shape.dialogues {
        let dated = rng.chance(0.9);
        let year = 2000 + rng.below(26) as i32;
        let month = 1 + rng.below(12) as u32;
        let start = NaiveDate::from_ymd_opt(year, month, 1 + rng.below(28) as u32);
        let days = shape.workshops_per_dialogue.max(1) as i64;
        let end = start.map(|s| s + Duration::days(days - 1));
        let (city, country) = (
            rng.pick(CITIES).to_string(),
            rng.pick(COUNTRIES).to_string(),
        );
        let in_series = (d > series && rng.chance(0.5)).then(|| 1 + rng.below(series) as i64);
        let mut row = vec![
            (d as i64).into(),
            format!("dialogue-{d}").into(),
            in_series.into(),
            start.filter(|_| dated).into(),
            end.filter(|_| dated).into(),
            Some(year).into(),
            Some(month as i32).into(),
            Some(city.clone()).into(),
            Some(country.clone()).into(),
        ];
        row.extend(node_values("en", stamp(d)));
        dialogues.push(row);
        let (topic, event) = (*rng.pick(TOPICS), *rng.pick(EVENTS));
        for lang in langs(&mut rng) {
            let title = format!("{} {d} on {}", say(lang, &event), say(lang, &topic));
            text(table!(dialogue), d, "title", lang, title);
        }
        text(
            table!(dialogue),
            d,
            "summary",
            "en",
            format!(
                "States, agencies and civil society discuss {} and partnerships for migration governance.",
                topic.0
            ),
        );
        // Distinct rows: consecutive ids from one random start.
        let first = rng.below(shape.organisations);
        for (k, role) in ["organiser", "host", "participant"].iter().enumerate() {
            let org = 1 + (first + k) % shape.organisations;
            dialogue_participants.push(vec![
                (d as i64).into(),
                (org as i64).into(),
                (*role).into(),
                stamp(d).into(),
            ]);
        }
        let speaker = 1 + rng.below(shape.people);
        dialogue_people.push(vec![
            (d as i64).into(),
            (speaker as i64).into(),
            "speaker".into(),
            stamp(d).into(),
        ]);
        let first = rng.below(shape.reports);
        for (k, role) in ["background", "outcome"].iter().enumerate() {
            let report = 1 + (first + k) % shape.reports;
            dialogue_reports.push(vec![
                (d as i64).into(),
                (report as i64).into(),
                (*role).into(),
                stamp(d).into(),
            ]);
        }
        let first = rng.below(shape.themes);
        for k in 0..2.min(shape.themes) {
            let theme = 1 + (first + k) % shape.themes;
            tags.push(vec![
                (theme as i64).into(),
                table!(dialogue).into(),
                (d as i64).into(),
                stamp(d).into(),
            ]);
        }
        for p in 1..=shape.workshops_per_dialogue {
            workshop_id += 1;
            let w = workshop_id;
            let day = start
                .map(|s| s + Duration::days(p as i64 - 1))
                .filter(|_| dated);
            let mut row = vec![
                (w as i64).into(),
                (d as i64).into(),
                Some(p as i32).into(),
                day.into(),
                day.into(),
                Some(year).into(),
                Some(city.clone()).into(),
                Some(country.clone()).into(),
            ];
            row.extend(node_values("en", stamp(w)));
            workshops.push(row);
            let wtopic = *rng.pick(TOPICS);
            for lang in ["en", "fr"] {
                let title = match lang {
                    "fr" => format!("Atelier {p} : {}", wtopic.1),
                    _ => format!("Workshop {p}: {}", wtopic.0),
                };
                text(table!(workshop), w, "title", lang, title);
            }
            // Distinct organisations: consecutive ids from a random start.
            let first = rng.below(shape.organisations);
            for k in 0..shape.participants_per_workshop.min(shape.organisations) {
                let org = 1 + (first + k) % shape.organisations;
                participants.push(vec![
                    (w as i64).into(),
                    (org as i64).into(),
                    (*rng.pick(ROLES)).into(),
                    stamp(w).into(),
                ]);
            }
            let report = 1 + rng.below(shape.reports);
            workshop_reports.push(vec![
                (w as i64).into(),
                (report as i64).into(),
                "cited".into(),
                stamp(w).into(),
            ]);
            if rng.chance(0.3) {
                let person = 1 + rng.below(shape.people);
                let role = *rng.pick(&["speaker", "moderator"]);
                workshop_people.push(vec![
                    (w as i64).into(),
                    (person as i64).into(),
                    role.into(),
                    stamp(w).into(),
                ]);
            }
            if shape.tools > 0 && rng.chance(0.1) {
                let tool = 1 + rng.below(shape.tools);
                workshop_tools.push(vec![
                    (w as i64).into(),
                    (tool as i64).into(),
                    stamp(w).into(),
                ]);
            }
            tags.push(vec![
                ((1 + rng.below(shape.themes)) as i64).into(),
                table!(workshop).into(),
                (w as i64).into(),
                stamp(w).into(),
            ]);
        }
    }

    let mut reports =
        Table::new(node_columns!(report: id, symbol, kind, published_on, year, month));
    let mut publishers =
        Table::new(columns!(report_publisher: report_id, organisation_id, created_at));
    let mut authors = Table::new(columns!(report_author: report_id, person_id, created_at));
    for r in 1..=shape.reports {
        let un = rng.chance(0.3);
        let year = 2000 + rng.below(26) as i32;
        let month = 1 + rng.below(12) as u32;
        let published = NaiveDate::from_ymd_opt(year, month, 1 + rng.below(28) as u32);
        let symbol = un.then(|| format!("A/{}/{r}", year - 1945));
        let kind = if un {
            "un_report"
        } else {
            *rng.pick(&["background_paper", "outcome_document", "study"])
        };
        let mut row = vec![
            (r as i64).into(),
            symbol.into(),
            kind.into(),
            published.into(),
            Some(year).into(),
            Some(month as i32).into(),
        ];
        row.extend(node_values("en", stamp(r)));
        reports.push(row);
        let topic = *rng.pick(TOPICS);
        for lang in langs(&mut rng) {
            let title = match lang {
                "fr" => format!("Rapport {r} sur {}", topic.1),
                "es" => format!("Informe {r} sobre {}", topic.2),
                _ => format!("Report {r} on {}", topic.0),
            };
            text(table!(report), r, "title", lang, title);
        }
        publishers.push(vec![
            (r as i64).into(),
            ((1 + rng.below(shape.organisations)) as i64).into(),
            stamp(r).into(),
        ]);
        authors.push(vec![
            (r as i64).into(),
            ((1 + rng.below(shape.people)) as i64).into(),
            stamp(r).into(),
        ]);
        tags.push(vec![
            ((1 + rng.below(shape.themes)) as i64).into(),
            table!(report).into(),
            (r as i64).into(),
            stamp(r).into(),
        ]);
    }

    let mut tools = Table::new(node_columns!(tool: id, kind, year));
    let mut developers =
        Table::new(columns!(tool_developer: tool_id, organisation_id, role, created_at));
    for t in 1..=shape.tools {
        let kind = *rng.pick(&[
            "framework",
            "guideline",
            "indicator_set",
            "platform",
            "training",
        ]);
        let mut row = vec![
            (t as i64).into(),
            kind.into(),
            Some(2000 + rng.below(26) as i32).into(),
        ];
        row.extend(node_values("en", stamp(t)));
        tools.push(row);
        if rng.chance(0.5) {
            tags.push(vec![
                ((1 + rng.below(shape.themes)) as i64).into(),
                table!(tool).into(),
                (t as i64).into(),
                stamp(t).into(),
            ]);
        }
        text(
            table!(tool),
            t,
            "name",
            "en",
            format!("Tool {t}: {} {kind}", rng.pick(TOPICS).0),
        );
        let lead = rng.below(shape.organisations);
        for (k, role) in ["lead", "partner"].iter().enumerate() {
            let org = 1 + (lead + k) % shape.organisations;
            developers.push(vec![
                (t as i64).into(),
                (org as i64).into(),
                (*role).into(),
                stamp(t).into(),
            ]);
        }
    }

    let mut partnerships =
        Table::new(columns!(partnership: organisation_id, peer_id, level, created_at));
    for o in (2..=shape.organisations).step_by(2) {
        let level = *rng.pick(&["local", "national", "regional", "international"]);
        partnerships.push(vec![
            ((o - 1) as i64).into(),
            (o as i64).into(),
            level.into(),
            stamp(o).into(),
        ]);
    }

    let txn = crate::repo::write::begin_immediate(db).await?;
    let mut written = 0;
    let tables = [
        organisations,
        themes,
        people,
        affiliations,
        dialogues,
        workshops,
        reports,
        tools,
        participants,
        dialogue_participants,
        dialogue_people,
        dialogue_reports,
        workshop_reports,
        workshop_tools,
        workshop_people,
        publishers,
        authors,
        developers,
        partnerships,
        tags,
        texts,
    ];
    let total = tables.iter().map(|t| t.rows.len() as u64).sum();
    progress.phase("writing", total, "rows");
    let mut written_tables: Vec<&str> = tables.iter().map(|t| t.name).collect();
    for table in tables {
        let name = table.name;
        written += table.write(&txn, progress).await?;
        if txn.get_database_backend() == DbBackend::Postgres {
            // Ids were chosen here: move the sequence past them.
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence('{name}', '{id}'), (SELECT COALESCE(MAX(\"{id}\"), 0) + 1 FROM \"{name}\"), false)",
                id = crate::repo::node::column::ID
            );
            txn.execute_unprepared(&sql).await?;
        }
    }
    // The search keys of what was written (names, places, identifiers).
    crate::search::repo::write_all_keys(&txn).await?;
    txn.commit().await?;
    crate::search::repo::optimize(db).await;
    if db.get_database_backend() == DbBackend::Postgres {
        // Statistics for the planner now, not at autovacuum's next pass: a search plans
        // by how many entries a word matches.
        written_tables.push(table!(search_entry));
        db.execute_unprepared(&format!("ANALYZE {}", written_tables.join(", ")))
            .await?;
    }
    progress.finish();
    Ok(written)
}
