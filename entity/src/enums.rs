//! The closed vocabularies stored in enum columns, shared by the database and the GraphQL API.

use sea_orm::entity::prelude::*;

/// What kind of body an organisation is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum OrganisationKind {
    /// A specialised agency, fund or programme of the United Nations system.
    #[sea_orm(string_value = "un_agency")]
    UnAgency,
    /// An intergovernmental body, such as the United Nations itself or a regional organisation.
    #[sea_orm(string_value = "intergovernmental")]
    Intergovernmental,
    /// A national government or one of its ministries.
    #[sea_orm(string_value = "government")]
    Government,
    /// A city, region or other local authority.
    #[sea_orm(string_value = "local_government")]
    LocalGovernment,
    /// A civil-society organisation or network.
    #[sea_orm(string_value = "civil_society")]
    CivilSociety,
    /// An organisation of migrants.
    #[sea_orm(string_value = "migrant_organisation")]
    MigrantOrganisation,
    /// A diaspora organisation.
    #[sea_orm(string_value = "diaspora_organisation")]
    DiasporaOrganisation,
    /// A company or business association.
    #[sea_orm(string_value = "private_sector")]
    PrivateSector,
    /// A university or research institute.
    #[sea_orm(string_value = "academia")]
    Academia,
    /// A media outlet.
    #[sea_orm(string_value = "media")]
    Media,
    /// A division, office or department inside another organisation (see `parent`).
    #[sea_orm(string_value = "unit")]
    Unit,
    /// Any other kind of organisation.
    #[sea_orm(string_value = "other")]
    #[default]
    Other,
}

/// The part an organisation plays in a dialogue or workshop.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ParticipationRole {
    /// Convenes and runs the event.
    #[sea_orm(string_value = "organiser")]
    Organiser,
    /// Provides the venue.
    #[sea_orm(string_value = "host")]
    Host,
    /// Takes the floor through one of its representatives.
    #[sea_orm(string_value = "speaker")]
    Speaker,
    /// Takes part.
    #[sea_orm(string_value = "participant")]
    #[default]
    Participant,
}

/// The part a person plays in a dialogue or workshop.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum PersonRole {
    /// Speaks at the event.
    #[sea_orm(string_value = "speaker")]
    #[default]
    Speaker,
    /// Chairs or moderates a session.
    #[sea_orm(string_value = "moderator")]
    Moderator,
    /// Is the named contact for the event.
    #[sea_orm(string_value = "contact")]
    Contact,
}

/// How a dialogue or workshop relates to a report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ReportRole {
    /// Prepared for the event as a basis for discussion.
    #[sea_orm(string_value = "background")]
    BackgroundPaper,
    /// Produced by the event.
    #[sea_orm(string_value = "outcome")]
    Outcome,
    /// Cited in or around the event.
    #[sea_orm(string_value = "cited")]
    #[default]
    Cited,
}

/// What kind of document a report is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum ReportKind {
    /// A report of a United Nations organ, such as a report of the Secretary-General.
    #[sea_orm(string_value = "un_report")]
    UnReport,
    /// A background or working paper.
    #[sea_orm(string_value = "background_paper")]
    BackgroundPaper,
    /// An outcome document, declaration or summary of conclusions.
    #[sea_orm(string_value = "outcome_document")]
    OutcomeDocument,
    /// A press release or news item.
    #[sea_orm(string_value = "press_release")]
    PressRelease,
    /// A study or research publication.
    #[sea_orm(string_value = "study")]
    Study,
    /// Any other document.
    #[sea_orm(string_value = "other")]
    #[default]
    Other,
}

/// What kind of cooperation tool a tool is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ToolKind {
    /// A policy or cooperation framework.
    #[sea_orm(string_value = "framework")]
    Framework,
    /// A guideline, handbook or set of principles.
    #[sea_orm(string_value = "guideline")]
    Guideline,
    /// A set of indicators.
    #[sea_orm(string_value = "indicator_set")]
    IndicatorSet,
    /// An online platform or database.
    #[sea_orm(string_value = "platform")]
    Platform,
    /// A training course or curriculum.
    #[sea_orm(string_value = "training")]
    Training,
    /// Any other tool.
    #[sea_orm(string_value = "other")]
    #[default]
    Other,
}

/// The part an organisation played in developing a tool.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum DeveloperRole {
    /// Led the development.
    #[sea_orm(string_value = "lead")]
    Lead,
    /// Contributed as a partner.
    #[sea_orm(string_value = "partner")]
    #[default]
    Partner,
}

/// The level at which two organisations work in partnership.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum PartnershipLevel {
    /// A city or local partnership.
    #[sea_orm(string_value = "local")]
    Local,
    /// Within one country.
    #[sea_orm(string_value = "national")]
    National,
    /// Across a region.
    #[sea_orm(string_value = "regional")]
    Regional,
    /// Worldwide.
    #[sea_orm(string_value = "international")]
    #[default]
    International,
}

/// The vocabulary a theme belongs to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ThemeScheme {
    /// A whole framework or agenda, such as the Global Compact for Migration or the 2030 Agenda.
    #[sea_orm(string_value = "framework")]
    Framework,
    /// One of the 23 objectives of the Global Compact for Safe, Orderly and Regular Migration.
    #[sea_orm(string_value = "gcm_objective")]
    GcmObjective,
    /// A Sustainable Development Goal.
    #[sea_orm(string_value = "sdg_goal")]
    SdgGoal,
    /// A target of a Sustainable Development Goal.
    #[sea_orm(string_value = "sdg_target")]
    SdgTarget,
    /// An indicator of a target of a Sustainable Development Goal.
    #[sea_orm(string_value = "sdg_indicator")]
    SdgIndicator,
    /// A free theme outside the controlled vocabularies.
    #[sea_orm(string_value = "free")]
    #[default]
    Free,
}

/// What kind of document or page a source is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum SourceKind {
    /// A press release or news item.
    #[sea_orm(string_value = "press_release")]
    PressRelease,
    /// A document of the United Nations with a document symbol (a report, a note).
    #[sea_orm(string_value = "un_document")]
    UnDocument,
    /// A resolution of the General Assembly or another body.
    #[sea_orm(string_value = "resolution")]
    Resolution,
    /// A web page or an online database.
    #[sea_orm(string_value = "web_page")]
    WebPage,
    /// Any other source.
    #[sea_orm(string_value = "other")]
    #[default]
    Other,
}
