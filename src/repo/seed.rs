//! The knowledge base of the source document (`shared/seed/000_a0d6eda0df0714d6.txt`, an
//! IOM press release in French about the International Dialogue on Migration 2018), loaded
//! by `agora seed` and by `agora serve` into an empty database.
//!
//! Every record states only what the source states, in French (the original) and English;
//! what the source leaves unknown (the second workshop's date and place, for one) stays
//! null. Every record cites the source document as its provenance.

use chrono::{NaiveDate, Utc};
use entity::{
    affiliation, dialogue, dialogue_participant, dialogue_person, dialogue_report,
    enums::{
        OrganisationKind, ParticipationRole, PartnershipLevel, PersonRole, ReportKind, ReportRole,
        ThemeScheme,
    },
    organisation, partnership, person, report, report_author, report_publisher, theme, theme_tag,
    workshop, workshop_participant,
};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, Set, TransactionTrait};

use crate::{error::Result, repo::text};

/// The provenance every seeded record cites.
pub const SOURCE_DOCUMENT: &str = "IOM press release « Le Dialogue international des Nations \
Unies sur la migration 2018 appuie le Pacte mondial sur la migration » \
(shared/seed/000_a0d6eda0df0714d6.txt)";

/// The language of the source.
const ORIGINAL: &str = "fr";

/// What one run of the seed wrote: a line per record, for people to read.
#[derive(Debug, Default)]
pub struct Seeded {
    /// `type slug-or-name` of each record, in the order written.
    pub records: Vec<String>,
    /// `false` when the database already held the seed, so nothing was written.
    pub written: bool,
}

/// Fills in the record columns shared by every node table.
macro_rules! record {
    ($table:ident { $($field:ident: $value:expr),* $(,)? }) => {
        $table::ActiveModel {
            $($field: Set($value),)*
            original_lang: Set(ORIGINAL.to_string()),
            source_document: Set(Some(SOURCE_DOCUMENT.to_string())),
            version: Set(1),
            created_at: Set(Utc::now()),
            updated_at: Set(Utc::now()),
            ..Default::default()
        }
    };
}

/// Fills in the columns shared by every edge table.
macro_rules! edge {
    ($table:ident { $($field:ident: $value:expr),* $(,)? }) => {
        $table::ActiveModel {
            $($field: Set($value),)*
            created_at: Set(Utc::now()),
            ..Default::default()
        }
    };
}

fn date(y: i32, m: u32, d: u32) -> Result<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| crate::error::Error::internal("bad seed date"))
}

/// Writes `(field, [(lang, text)...])` texts of one record.
async fn texts(
    db: &impl ConnectionTrait,
    owner: &str,
    id: i64,
    fields: &[(&str, &[(&str, &str)])],
) -> Result<()> {
    for (field, values) in fields {
        text::write(db, owner, id, field, values).await?;
    }
    Ok(())
}

/// Loads the seed in one transaction, unless the database already holds it.
pub async fn seed(db: &DatabaseConnection) -> Result<Seeded> {
    let exists = crate::organisation::repo::by_slug(db, "iom")
        .await?
        .is_some();
    let txn = db.begin().await?;
    let mut out = Seeded {
        records: Vec::new(),
        written: !exists,
    };
    if !exists {
        write_all(&txn, &mut out).await?;
    }
    // The vocabularies, also into databases seeded before they were part of the seed.
    for code in super::vocab::ensure(&txn).await? {
        out.records.push(format!("Theme {code}"));
        out.written = true;
    }
    txn.commit().await?;
    Ok(out)
}

async fn write_all(db: &impl ConnectionTrait, out: &mut Seeded) -> Result<()> {
    // Organisations.
    let un = record!(organisation {
        slug: "un".into(),
        kind: OrganisationKind::Intergovernmental,
    })
    .insert(db)
    .await?;
    texts(
        db,
        "organisation",
        un.id,
        &[
            (
                "name",
                &[
                    ("fr", "Organisation des Nations Unies"),
                    ("en", "United Nations"),
                ],
            ),
            ("acronym", &[("fr", "ONU"), ("en", "UN")]),
        ],
    )
    .await?;
    out.records.push("Organisation un".into());
    let iom = record!(organisation {
        slug: "iom".into(),
        kind: OrganisationKind::UnAgency,
        parent_id: Some(un.id),
        founded_year: Some(1951),
        member_state_count: Some(175),
        country_presence_count: Some(171),
    })
    .insert(db)
    .await?;
    texts(
        db,
        "organisation",
        iom.id,
        &[
            (
                "name",
                &[
                    ("fr", "Organisation internationale pour les migrations"),
                    ("en", "International Organization for Migration"),
                ],
            ),
            ("acronym", &[("fr", "OIM"), ("en", "IOM")]),
            (
                "summary",
                &[
                    (
                        "fr",
                        "L'Organisation internationale pour les migrations (OIM) fait partie du \
système des Nations Unies et est la première organisation intergouvernementale à promouvoir \
depuis 1951 une migration humaine et ordonnée qui profite à tous, composée de 175 Etats membres \
et présente dans 171 pays. L'organisme des Nations Unies chargé des migrations.",
                    ),
                    (
                        "en",
                        "The International Organization for Migration (IOM) is part of the United \
Nations system and the leading intergovernmental organisation promoting, since 1951, humane and \
orderly migration for the benefit of all, with 175 member states and a presence in 171 \
countries. The UN migration agency.",
                    ),
                ],
            ),
        ],
    )
    .await?;
    out.records.push("Organisation iom".into());
    let governing_bodies = record!(organisation {
        slug: "iom-governing-bodies-division".into(),
        kind: OrganisationKind::Unit,
        parent_id: Some(iom.id),
    })
    .insert(db)
    .await?;
    texts(
        db,
        "organisation",
        governing_bodies.id,
        &[
            (
                "name",
                &[
                    ("fr", "Division des organes directeurs"),
                    ("en", "Governing Bodies Division"),
                ],
            ),
            (
                "summary",
                &[
                    ("fr", "Partenariats et coopération internationale."),
                    ("en", "Partnerships and international cooperation."),
                ],
            ),
        ],
    )
    .await?;
    out.records
        .push("Organisation iom-governing-bodies-division".into());
    // The offices the source lists in IOM's structure.
    let offices = [
        (
            "iom-office-of-the-chief-of-staff",
            "Bureau du Chef de Cabinet",
            "Office of the Chief of Staff",
        ),
        (
            "iom-office-of-partnerships-advocacy-and-communication",
            "Bureau des partenariats, de la sensibilisation et de la communication",
            "Office of Partnerships, Advocacy and Communication",
        ),
        (
            "iom-office-of-strategy-and-institutional-performance",
            "Bureau de la stratégie et de la performance institutionnelle",
            "Office of Strategy and Institutional Performance",
        ),
    ];
    for (slug, fr, en) in offices {
        let unit = record!(organisation {
            slug: slug.into(),
            kind: OrganisationKind::Unit,
            parent_id: Some(iom.id),
        })
        .insert(db)
        .await?;
        texts(
            db,
            "organisation",
            unit.id,
            &[("name", &[("fr", fr), ("en", en)])],
        )
        .await?;
        out.records.push(format!("Organisation {slug}"));
    }
    edge!(partnership {
        organisation_id: iom.id,
        peer_id: un.id,
        level: PartnershipLevel::International,
    })
    .insert(db)
    .await?;

    // Themes.
    let mut theme_ids = std::collections::HashMap::new();
    let themes: [(&str, ThemeScheme, &str, &str); 5] = [
        (
            "partnerships",
            ThemeScheme::Free,
            "Partenariats",
            "Partnerships",
        ),
        (
            "international-cooperation",
            ThemeScheme::Free,
            "Coopération internationale",
            "International cooperation",
        ),
        (
            "migration-governance",
            ThemeScheme::Free,
            "Gouvernance mondiale des migrations",
            "Global governance of migration",
        ),
        (
            "GCM",
            ThemeScheme::Framework,
            "Pacte mondial pour des migrations sûres, ordonnées et régulières",
            "Global Compact for Safe, Orderly and Regular Migration",
        ),
        (
            "2030-agenda",
            ThemeScheme::Framework,
            "Programme 2030",
            "2030 Agenda",
        ),
    ];
    for (code, scheme, fr, en) in themes {
        let t = record!(theme {
            code: code.into(),
            scheme: scheme
        })
        .insert(db)
        .await?;
        texts(db, "theme", t.id, &[("title", &[("fr", fr), ("en", en)])]).await?;
        theme_ids.insert(code, t.id);
        out.records.push(format!("Theme {code}"));
    }
    let tag = |code: &'static str, node_type: &'static str, node_id: i64| {
        let theme_id = theme_ids.get(code).copied().unwrap_or_default();
        edge!(theme_tag {
            theme_id: theme_id,
            node_type: node_type.into(),
            node_id: node_id
        })
    };
    tag("2030-agenda", "organisation", iom.id)
        .insert(db)
        .await?;

    // People.
    let swing = record!(person {
        name: "William Lacy Swing".into()
    })
    .insert(db)
    .await?;
    texts(
        db,
        "person",
        swing.id,
        &[(
            "summary",
            &[
                (
                    "fr",
                    "Directeur général de l'OIM ; il s'est exprimé lors de l'IDM 2017.",
                ),
                ("en", "Director General of IOM; he spoke at IDM 2017."),
            ],
        )],
    )
    .await?;
    let guterres = record!(person {
        name: "António Guterres".into()
    })
    .insert(db)
    .await?;
    texts(db, "person", guterres.id, &[("summary", &[
        ("fr", "Secrétaire général des Nations Unies, auteur du rapport « Rendre les migrations bénéfiques pour tous »."),
        ("en", "Secretary-General of the United Nations, author of the report \"Making Migration Work for All\"."),
    ])])
    .await?;
    let samri = record!(person {
        name: "Azzouz Samri".into(),
        email: Some("asamri@iom.int".into()),
    })
    .insert(db)
    .await?;
    texts(db, "person", samri.id, &[("summary", &[
        ("fr", "Contact de l'OIM pour le Dialogue international sur la migration 2018, à la Division des organes directeurs (partenariats et coopération internationale)."),
        ("en", "IOM contact for the International Dialogue on Migration 2018, at the Governing Bodies Division (partnerships and international cooperation)."),
    ])])
    .await?;
    out.records.extend(
        ["William Lacy Swing", "António Guterres", "Azzouz Samri"].map(|n| format!("Person {n}")),
    );
    // (person, organisation, position in French and English)
    type Position<'a> = Option<(&'a str, &'a str)>;
    let affiliations: [(i64, i64, Position); 3] = [
        (
            swing.id,
            iom.id,
            Some(("Directeur général", "Director General")),
        ),
        (
            guterres.id,
            un.id,
            Some(("Secrétaire général", "Secretary-General")),
        ),
        (samri.id, governing_bodies.id, None),
    ];
    for (person_id, organisation_id, position) in affiliations {
        let a = edge!(affiliation {
            person_id: person_id,
            organisation_id: organisation_id
        })
        .insert(db)
        .await?;
        if let Some((fr, en)) = position {
            texts(
                db,
                "affiliation",
                a.id,
                &[("position", &[("fr", fr), ("en", en)])],
            )
            .await?;
        }
    }

    // The report.
    let report = record!(report {
        symbol: Some("A/72/643".into()),
        kind: ReportKind::UnReport,
        year: Some(2017),
        month: Some(12),
    })
    .insert(db)
    .await?;
    texts(db, "report", report.id, &[
        ("title", &[("fr", "Rendre les migrations bénéfiques pour tous"), ("en", "Making Migration Work for All")]),
        ("summary", &[
            ("fr", "Rapport du Secrétaire général des Nations Unies, qui établit que « la gestion des migrations présente un des défis les plus urgents et sérieux de la coopération internationale à notre époque »."),
            ("en", "Report of the Secretary-General of the United Nations, which finds that managing migration is one of the most urgent and serious challenges of international cooperation in our time."),
        ]),
    ])
    .await?;
    edge!(report_publisher {
        report_id: report.id,
        organisation_id: un.id
    })
    .insert(db)
    .await?;
    edge!(report_author {
        report_id: report.id,
        person_id: guterres.id
    })
    .insert(db)
    .await?;
    tag("international-cooperation", "report", report.id)
        .insert(db)
        .await?;
    tag("migration-governance", "report", report.id)
        .insert(db)
        .await?;
    out.records.push("Report A/72/643".into());

    // Dialogues.
    let idm = record!(dialogue { slug: "idm".into() }).insert(db).await?;
    texts(db, "dialogue", idm.id, &[
        ("title", &[("fr", "Dialogue international sur la migration"), ("en", "International Dialogue on Migration")]),
        ("summary", &[
            ("fr", "Un forum de dialogue politique entre les pays d'origine, de transit et de destination des migrants, qui réunit aussi des représentants de la société civile, des groupes de migrants, des experts et d'autres participants, dans un environnement informel et non contraignant."),
            ("en", "A policy dialogue forum between countries of origin, transit and destination of migrants, which also brings together representatives of civil society, migrant groups, experts and other participants, in an informal and non-binding setting."),
        ]),
    ])
    .await?;
    edge!(dialogue_participant {
        dialogue_id: idm.id,
        organisation_id: iom.id,
        role: ParticipationRole::Organiser
    })
    .insert(db)
    .await?;

    let idm2018 = record!(dialogue {
        slug: "idm-2018".into(),
        series_id: Some(idm.id),
        start_date: Some(date(2018, 3, 26)?),
        end_date: Some(date(2018, 3, 27)?),
        year: Some(2018),
        month: Some(3),
        city: Some("New York".into()),
        country: Some("US".into()),
        website: Some("http://www.iom.int/inclusive-and-innovative-partnerships-effective-global-governance-migration".into()),
        webcast_url: Some("http://webtv.un.org".into()),
    })
    .insert(db)
    .await?;
    texts(db, "dialogue", idm2018.id, &[
        ("title", &[("fr", "Dialogue international sur la migration 2018"), ("en", "International Dialogue on Migration 2018")]),
        ("summary", &[
            ("fr", "L'IDM 2018 appuie le processus de développement du Pacte mondial pour des migrations sûres, ordonnées et régulières (GCM) en consacrant deux ateliers au thème des partenariats novateurs et ouverts à tous pour une bonne gouvernance mondiale des migrations. Les débats sont centrés sur les différents modèles de partenariat dans le domaine de la migration, aux niveaux local, national, régional et international. Le webcast est diffusé en direct dans les six langues officielles des Nations Unies."),
            ("en", "IDM 2018 supports the development of the Global Compact for Safe, Orderly and Regular Migration (GCM) by devoting two workshops to inclusive and innovative partnerships for effective global governance of migration. The discussions focus on the different models of partnership in the field of migration, at the local, national, regional and international levels. The webcast is broadcast live in the six official languages of the United Nations."),
        ]),
    ])
    .await?;
    edge!(dialogue_participant {
        dialogue_id: idm2018.id,
        organisation_id: iom.id,
        role: ParticipationRole::Organiser
    })
    .insert(db)
    .await?;
    edge!(dialogue_person {
        dialogue_id: idm2018.id,
        person_id: samri.id,
        role: PersonRole::Contact
    })
    .insert(db)
    .await?;
    edge!(dialogue_report {
        dialogue_id: idm2018.id,
        report_id: report.id,
        role: ReportRole::Cited
    })
    .insert(db)
    .await?;
    for code in ["partnerships", "migration-governance", "GCM"] {
        tag(code, "dialogue", idm2018.id).insert(db).await?;
    }

    let idm2017 = record!(dialogue {
        slug: "idm-2017".into(),
        series_id: Some(idm.id),
        year: Some(2017)
    })
    .insert(db)
    .await?;
    texts(db, "dialogue", idm2017.id, &[
        ("title", &[("fr", "Dialogue international sur la migration 2017"), ("en", "International Dialogue on Migration 2017")]),
        ("summary", &[
            ("fr", "Le Directeur général de l'OIM, William Lacy Swing, y a fait remarquer que la coopération internationale devait concerner tous les acteurs compétents : les gouvernements nationaux et locaux, les nombreux ministères, la société civile, le secteur privé, les organisations de migrants et de diasporas, les universités, les médias, etc."),
            ("en", "IOM Director General William Lacy Swing remarked there that international cooperation must involve all relevant actors: national and local governments, the many ministries, civil society, the private sector, migrant and diaspora organisations, universities, the media, and others."),
        ]),
    ])
    .await?;
    edge!(dialogue_participant {
        dialogue_id: idm2017.id,
        organisation_id: iom.id,
        role: ParticipationRole::Organiser
    })
    .insert(db)
    .await?;
    edge!(dialogue_person {
        dialogue_id: idm2017.id,
        person_id: swing.id,
        role: PersonRole::Speaker
    })
    .insert(db)
    .await?;
    tag("international-cooperation", "dialogue", idm2017.id)
        .insert(db)
        .await?;

    let stocktaking = record!(dialogue {
        slug: "gcm-stocktaking-2017".into(),
        year: Some(2017),
        month: Some(12),
        city: Some("Puerto Vallarta".into()),
        country: Some("MX".into()),
    })
    .insert(db)
    .await?;
    texts(db, "dialogue", stocktaking.id, &[
        ("title", &[("fr", "Réunion de bilan du Pacte mondial sur les migrations (GCM)"), ("en", "Global Compact for Migration (GCM) stocktaking meeting")]),
        ("summary", &[
            ("fr", "L'importance des partenariats dans la migration a été l'une des conclusions clés de la réunion de bilan du GCM."),
            ("en", "The importance of partnerships in migration was one of the key conclusions of the GCM stocktaking meeting."),
        ]),
    ])
    .await?;
    for code in ["GCM", "partnerships"] {
        tag(code, "dialogue", stocktaking.id).insert(db).await?;
    }
    out.records.extend(
        ["idm", "idm-2018", "idm-2017", "gcm-stocktaking-2017"].map(|s| format!("Dialogue {s}")),
    );

    // The two workshops of IDM 2018.
    let topic_fr = "partenariats novateurs et ouverts à tous pour une bonne gouvernance mondiale des migrations";
    let topic_en =
        "inclusive and innovative partnerships for effective global governance of migration";
    let first = record!(workshop {
        dialogue_id: idm2018.id,
        position: Some(1),
        start_date: Some(date(2018, 3, 26)?),
        end_date: Some(date(2018, 3, 27)?),
        year: Some(2018),
        city: Some("New York".into()),
        country: Some("US".into()),
    })
    .insert(db)
    .await?;
    let (fr1, en1) = (
        format!("Premier atelier de l'IDM 2018 : {topic_fr}"),
        format!("First IDM 2018 workshop: {topic_en}"),
    );
    texts(db, "workshop", first.id, &[
        ("title", &[("fr", &fr1), ("en", &en1)]),
        ("venue", &[("fr", "Siège des Nations Unies"), ("en", "United Nations Headquarters")]),
        ("summary", &[
            ("fr", "Les participants échangent des bonnes pratiques et des expériences sur les partenariats réussis aux niveaux local, national, régional et international, évaluent les réussites et les problèmes rencontrés et réfléchissent à ce qui pourrait être fait pour reproduire et intensifier ces partenariats ailleurs."),
            ("en", "Participants exchange good practices and experiences of successful partnerships at the local, national, regional and international levels, assess both successes and problems, and consider what could be done to replicate and scale up such partnerships elsewhere."),
        ]),
    ])
    .await?;
    edge!(workshop_participant {
        workshop_id: first.id,
        organisation_id: iom.id,
        role: ParticipationRole::Organiser
    })
    .insert(db)
    .await?;
    edge!(workshop_participant {
        workshop_id: first.id,
        organisation_id: un.id,
        role: ParticipationRole::Host
    })
    .insert(db)
    .await?;
    // The source gives the second workshop no date and no place: they stay unknown.
    let second = record!(workshop {
        dialogue_id: idm2018.id,
        position: Some(2),
        year: Some(2018)
    })
    .insert(db)
    .await?;
    let (fr2, en2) = (
        format!("Deuxième atelier de l'IDM 2018 : {topic_fr}"),
        format!("Second IDM 2018 workshop: {topic_en}"),
    );
    texts(
        db,
        "workshop",
        second.id,
        &[("title", &[("fr", &fr2), ("en", &en2)])],
    )
    .await?;
    edge!(workshop_participant {
        workshop_id: second.id,
        organisation_id: iom.id,
        role: ParticipationRole::Organiser
    })
    .insert(db)
    .await?;
    for w in [first.id, second.id] {
        for code in ["partnerships", "migration-governance"] {
            tag(code, "workshop", w).insert(db).await?;
        }
    }
    out.records.push(format!("Workshop 1 of idm-2018 ({en1})"));
    out.records.push(format!("Workshop 2 of idm-2018 ({en2})"));
    Ok(())
}
