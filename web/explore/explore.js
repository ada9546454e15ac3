// Agora explorer: a researcher's page over Agora's public GraphQL API and export URLs.
//
// Plain ES module, no dependencies, nothing loaded from elsewhere: it runs under
// `default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'`, so it
// never sets inline styles and builds every element (the chart's SVG too) through the DOM.
//
// Two engines answer the same view (counts by type, year, theme, GCM objective,
// organisation and language, a page of results, download links):
// - with words to look for, `search` (ranked full-text search): the total and the page
//   come from one `search`; each facet count is the `totalCount` of one more `search`
//   with that value added, sent as aliases (at most 20 root fields per operation);
// - without words, the root lists (`dialogues`, `workshops`, ...): their `totalCount`
//   and `facets`, summed over the types shown.
// Each facet is counted under every other filter but its own, so that another value of
// it can be chosen; the total and the results are under all filters.
//
// "Linked to an organisation" means what `SearchFilter.hasOrganisation` means, in both
// engines: dialogues and workshops it takes part in, reports it published, tools it
// developed, people affiliated with it, and the organisation itself (never a theme).

const API = '/graphql';
const PAGE = 20;              // results per page of a single list
const GROUP_PAGE = 5;         // results shown per type when browsing several types
const MAX_ROOT_FIELDS = 20;   // the server's default `max_root_fields`
const PARALLEL = 3;           // operations in flight at once for the counts
const ORG_COUNT_LIMIT = 500;  // records whose organisations are read to count them (no words)
const ORG_SAMPLE = 100;       // best results of a search whose organisations are candidates
const ORG_SAMPLE_LINKS = 10;  // organisations read per record of that sample
const ORG_CANDIDATES = 20;    // organisations counted for a search (one operation of aliases)
const UI_LANGS = ['en', 'fr'];

// The node types, with what each list knows.
const TYPES = [
  { t: 'DIALOGUE', typename: 'Dialogue', list: 'dialogues', filterType: 'DialogueFilter', orderType: 'DialogueOrder',
    order: { field: 'YEAR', direction: 'DESC' }, year: true, theme: true, texts: ['title', 'summary'],
    org: (id) => ({ hasParticipant: { organisation: { id: { eq: id } } } }), rel: 'participants' },
  { t: 'WORKSHOP', typename: 'Workshop', list: 'workshops', filterType: 'WorkshopFilter', orderType: 'WorkshopOrder',
    order: { field: 'YEAR', direction: 'DESC' }, year: true, theme: true, texts: ['title', 'summary'],
    org: (id) => ({ hasParticipant: { organisation: { id: { eq: id } } } }), rel: 'participants' },
  { t: 'REPORT', typename: 'Report', list: 'reports', filterType: 'ReportFilter', orderType: 'ReportOrder',
    order: { field: 'YEAR', direction: 'DESC' }, year: true, theme: true, texts: ['title', 'summary'],
    org: (id) => ({ hasPublisher: { id: { eq: id } } }), rel: 'publishers' },
  { t: 'TOOL', typename: 'Tool', list: 'tools', filterType: 'ToolFilter', orderType: 'ToolOrder',
    order: { field: 'YEAR', direction: 'DESC' }, year: true, theme: true, texts: ['name', 'summary'],
    org: (id) => ({ hasDeveloper: { organisation: { id: { eq: id } } } }), rel: 'developers' },
  { t: 'ORGANISATION', typename: 'Organisation', list: 'organisations', filterType: 'OrganisationFilter', orderType: 'OrganisationOrder',
    order: { field: 'SLUG', direction: 'ASC' }, year: false, theme: true, texts: ['name', 'acronym'],
    org: (id) => ({ id: { eq: id } }), rel: null },
  { t: 'PERSON', typename: 'Person', list: 'people', filterType: 'PersonFilter', orderType: 'PersonOrder',
    order: { field: 'NAME', direction: 'ASC' }, year: false, theme: true, texts: ['summary'],
    org: (id) => ({ hasAffiliation: { id: { eq: id } } }), rel: 'affiliations' },
  { t: 'THEME', typename: 'Theme', list: 'themes', filterType: 'ThemeFilter', orderType: 'ThemeOrder',
    order: { field: 'CODE', direction: 'ASC' }, year: false, theme: false, texts: ['title', 'description'],
    org: null, rel: null },
  // Sources take no theme conditions (their filter has no `hasTheme`), and their one
  // organisation is their publisher.
  { t: 'SOURCE', typename: 'Source', list: 'sources', filterType: 'SourceFilter', orderType: 'SourceOrder',
    order: { field: 'YEAR', direction: 'DESC' }, year: true, theme: false, tagged: false, texts: ['title'],
    org: (id) => ({ publisherId: { eq: id } }), rel: null, relOne: 'publisher' },
];
// The organisations a record is linked to (as `org` filters them), when read with `orgLinks`.
const orgLinks = (T, first) => {
  if (T.relOne) return `${T.relOne} { id }`;
  return T.rel ? `${T.rel}(first: ${first}) { totalCount nodes { id } }` : '';
};
const linkedOrgs = (T, n) => {
  if (T.relOne) return { totalCount: n[T.relOne] ? 1 : 0, nodes: n[T.relOne] ? [n[T.relOne]] : [] };
  return T.rel ? n[T.rel] : { totalCount: 1, nodes: [{ id: n.id }] };
};
const TYPE = Object.fromEntries(TYPES.map((T) => [T.t, T]));
const BY_TYPENAME = Object.fromEntries(TYPES.map((T) => [T.typename, T]));

// ---------------------------------------------------------------------------------
// Words of the page, in English and French.

const WORDS = {
  en: {
    title: 'Agora explorer',
    skip: 'Skip to the results',
    subtitle: 'Explorer of international migration governance',
    uiLanguage: 'Language of this page',
    searchLabel: 'Search every dialogue, workshop, report, tool, organisation, person, theme and source',
    searchButton: 'Search',
    searchHelp: 'Words match their inflections in every language. "two words" is a phrase, migra* a prefix, a OR b an alternative, -word an exclusion. Leave empty to browse everything.',
    filters: 'Filters',
    clearAll: 'Clear all',
    facetType: 'Type',
    facetYear: 'Year',
    yearFrom: 'From',
    yearTo: 'to',
    yearNote: 'Or choose a year in the chart.',
    facetTheme: 'Theme',
    facetGcm: 'GCM objective',
    facetOrg: 'Organisation',
    facetLang: 'Language of the texts',
    chartCaption: 'Results per year',
    queriesSummary: 'The GraphQL behind this view',
    footer: "Built only on Agora's public GraphQL API and its export endpoints.",
    types: { DIALOGUE: ['dialogue', 'dialogues', 'Dialogue', 'Dialogues'], WORKSHOP: ['workshop', 'workshops', 'Workshop', 'Workshops'],
      REPORT: ['report', 'reports', 'Report', 'Reports'], TOOL: ['tool', 'tools', 'Tool', 'Tools'],
      ORGANISATION: ['organisation', 'organisations', 'Organisation', 'Organisations'], PERSON: ['person', 'people', 'Person', 'People'],
      THEME: ['theme', 'themes', 'Theme', 'Themes'], SOURCE: ['source', 'sources', 'Source', 'Sources'] },
    results: (n) => (n === 1 ? 'result' : 'results'),
    totalFor: (n, q) => (q ? `${n} ${n === 1 ? 'result' : 'results'} for “${q}”` : `${n} ${n === 1 ? 'record' : 'records'}`),
    loading: 'Loading…',
    updated: (n) => `${n} ${n === 1 ? 'result' : 'results'}.`,
    showing: (shown, total) => `Showing ${shown} of ${total}.`,
    more: 'More results',
    moreOf: (label) => `More ${label}`,
    noResults: 'Nothing matches. Remove a filter or change the words.',
    noValues: 'None in these results.',
    showAll: (n) => `Show all ${n}`,
    showFewer: 'Show fewer',
    remove: (label) => `Remove the filter ${label}`,
    yearChip: (a, b) => (a === b ? `Year ${a}` : a == null ? `Until ${b}` : b == null ? `From ${a}` : `${a}–${b}`),
    searchChip: (q) => `Words: ${q}`,
    chartEmpty: 'No dated results.',
    chartNoYear: (n) => `${n} ${n === 1 ? 'result has' : 'results have'} no year (organisations, people, themes, or undated records).`,
    chartBar: (y, n) => `${y}: ${n} ${n === 1 ? 'result' : 'results'}`,
    chartLabel: (a, b) => `Bar chart of the results per year, ${a} to ${b}. Choose a bar to keep that year only.`,
    downloads: 'Download this list',
    downloadsSearchNote: 'Each file holds the records of its type that this search finds, under the same filters.',
    downloadsNone: 'Nothing to download.',
    csv: 'CSV',
    jsonl: 'JSON Lines',
    jsonld: 'JSON-LD',
    bibtex: 'BibTeX',
    csl: 'CSL-JSON',
    recordLinks: 'Record',
    orgSample: (n) => `The organisations linked to the ${n} best results, each counted over all the results. Find any other by name:`,
    orgTooMany: (n) => `Counts by organisation are read from the records themselves, up to ${n}: narrow the list, or find an organisation by name.`,
    orgFind: 'Find an organisation by name',
    orgFindButton: 'Find',
    orgFindNone: 'No organisation has that name.',
    orgPartial: 'Some records list more than 100 organisations: their counts are lower bounds.',
    yearNotApplicable: 'Only dialogues, workshops, reports and tools have a year.',
    themeNone: 'No record here is tagged with a theme.',
    gcmNone: 'No record here is tagged with a GCM objective.',
    error: 'The API answered with an error',
    errorCodes: {
      BAD_USER_INPUT: 'The request was refused as invalid',
      GRAPHQL_PARSE_FAILED: 'The query could not be read',
      GRAPHQL_VALIDATION_FAILED: 'The query does not fit the schema',
      QUERY_TOO_COMPLEX: 'The question is too large for the server’s limits',
      RATE_LIMITED: 'Too many requests: wait a moment',
      SERVICE_UNAVAILABLE: 'The service is unavailable for now',
      UNAUTHENTICATED: 'An API key is needed',
      FORBIDDEN: 'This is not allowed',
      NOT_FOUND: 'Not found',
      INTERNAL: 'The server failed',
      NETWORK: 'The server could not be reached',
      PERSISTED_QUERY_NOT_FOUND: 'The stored query is unknown',
    },
    retryAfter: (s) => `Try again in ${s} s.`,
    requestId: (id) => `Request id: ${id}`,
    fallback: (lang) => `shown in ${lang}: no text in this page’s language`,
    inDialogue: 'in',
    noTitle: '(untitled)',
    theQuery: 'Operation',
    theVariables: 'Variables',
    kinds: {
      UN_REPORT: 'UN report', BACKGROUND_PAPER: 'Background paper', OUTCOME_DOCUMENT: 'Outcome document', PRESS_RELEASE: 'Press release', STUDY: 'Study',
      FRAMEWORK: 'Framework', GUIDELINE: 'Guideline', INDICATOR_SET: 'Indicator set', PLATFORM: 'Platform', TRAINING: 'Training',
      UN_AGENCY: 'UN agency', INTERGOVERNMENTAL: 'Intergovernmental', GOVERNMENT: 'Government', LOCAL_GOVERNMENT: 'Local government', CIVIL_SOCIETY: 'Civil society',
      MIGRANT_ORGANISATION: 'Migrant organisation', DIASPORA_ORGANISATION: 'Diaspora organisation', PRIVATE_SECTOR: 'Private sector', ACADEMIA: 'Academia', MEDIA: 'Media', UNIT: 'Unit',
      GCM_OBJECTIVE: 'GCM objective', SDG_GOAL: 'SDG goal', SDG_TARGET: 'SDG target', SDG_INDICATOR: 'SDG indicator', FREE: 'Free theme', OTHER: 'Other',
      UN_DOCUMENT: 'UN document', RESOLUTION: 'Resolution', WEB_PAGE: 'Web page',
    },
    position: (n) => `Workshop ${n}`,
    fields: { title: 'title', name: 'name', summary: 'summary', description: 'description', acronym: 'acronym', venue: 'venue', position: 'position' },
  },
  fr: {
    title: 'Explorateur Agora',
    skip: 'Aller aux résultats',
    subtitle: 'Explorateur de la gouvernance internationale des migrations',
    uiLanguage: 'Langue de cette page',
    searchLabel: 'Chercher dans les dialogues, ateliers, rapports, outils, organisations, personnes, thèmes et sources',
    searchButton: 'Chercher',
    searchHelp: 'Les mots trouvent leurs formes fléchies dans chaque langue. "deux mots" est une expression, migra* un préfixe, a OR b une alternative, -mot une exclusion. Laisser vide pour tout parcourir.',
    filters: 'Filtres',
    clearAll: 'Tout effacer',
    facetType: 'Type',
    facetYear: 'Année',
    yearFrom: 'De',
    yearTo: 'à',
    yearNote: 'Ou choisir une année dans le graphique.',
    facetTheme: 'Thème',
    facetGcm: 'Objectif du PMM',
    facetOrg: 'Organisation',
    facetLang: 'Langue des textes',
    chartCaption: 'Résultats par année',
    queriesSummary: 'Le GraphQL de cette vue',
    footer: "Construit uniquement sur l'API GraphQL publique d'Agora et ses adresses d'export.",
    types: { DIALOGUE: ['dialogue', 'dialogues', 'Dialogue', 'Dialogues'], WORKSHOP: ['atelier', 'ateliers', 'Atelier', 'Ateliers'],
      REPORT: ['rapport', 'rapports', 'Rapport', 'Rapports'], TOOL: ['outil', 'outils', 'Outil', 'Outils'],
      ORGANISATION: ['organisation', 'organisations', 'Organisation', 'Organisations'], PERSON: ['personne', 'personnes', 'Personne', 'Personnes'],
      THEME: ['thème', 'thèmes', 'Thème', 'Thèmes'], SOURCE: ['source', 'sources', 'Source', 'Sources'] },
    results: (n) => (n <= 1 ? 'résultat' : 'résultats'),
    totalFor: (n, q) => (q ? `${n} ${n <= 1 ? 'résultat' : 'résultats'} pour « ${q} »` : `${n} ${n <= 1 ? 'fiche' : 'fiches'}`),
    loading: 'Chargement…',
    updated: (n) => `${n} ${n <= 1 ? 'résultat' : 'résultats'}.`,
    showing: (shown, total) => `${shown} affichés sur ${total}.`,
    more: 'Plus de résultats',
    moreOf: (label) => `Plus de ${label}`,
    noResults: 'Rien ne correspond. Retirez un filtre ou changez les mots.',
    noValues: 'Aucun dans ces résultats.',
    showAll: (n) => `Afficher les ${n}`,
    showFewer: 'Afficher moins',
    remove: (label) => `Retirer le filtre ${label}`,
    yearChip: (a, b) => (a === b ? `Année ${a}` : a == null ? `Jusqu’à ${b}` : b == null ? `Depuis ${a}` : `${a}–${b}`),
    searchChip: (q) => `Mots : ${q}`,
    chartEmpty: 'Aucun résultat daté.',
    chartNoYear: (n) => `${n} ${n <= 1 ? 'résultat n’a' : 'résultats n’ont'} pas d’année (organisations, personnes, thèmes ou fiches non datées).`,
    chartBar: (y, n) => `${y} : ${n} ${n <= 1 ? 'résultat' : 'résultats'}`,
    chartLabel: (a, b) => `Histogramme des résultats par année, de ${a} à ${b}. Choisir une barre pour ne garder que cette année.`,
    downloads: 'Télécharger cette liste',
    downloadsSearchNote: 'Chaque fichier contient les fiches de son type que trouve cette recherche, selon les mêmes filtres.',
    downloadsNone: 'Rien à télécharger.',
    csv: 'CSV',
    jsonl: 'JSON Lines',
    jsonld: 'JSON-LD',
    bibtex: 'BibTeX',
    csl: 'CSL-JSON',
    recordLinks: 'Fiche',
    orgSample: (n) => `Les organisations liées aux ${n} meilleurs résultats, chacune comptée sur tous les résultats. Chercher toute autre par son nom :`,
    orgTooMany: (n) => `Les nombres par organisation sont lus dans les fiches elles-mêmes, jusqu’à ${n} : réduisez la liste, ou cherchez une organisation par son nom.`,
    orgFind: 'Chercher une organisation par son nom',
    orgFindButton: 'Chercher',
    orgFindNone: 'Aucune organisation ne porte ce nom.',
    orgPartial: 'Certaines fiches citent plus de 100 organisations : leurs nombres sont des minimums.',
    yearNotApplicable: 'Seuls les dialogues, ateliers, rapports et outils ont une année.',
    themeNone: 'Aucune fiche ici n’a de thème.',
    gcmNone: 'Aucune fiche ici n’est liée à un objectif du PMM.',
    error: 'L’API a répondu par une erreur',
    errorCodes: {
      BAD_USER_INPUT: 'La demande a été refusée comme invalide',
      GRAPHQL_PARSE_FAILED: 'La requête n’a pas pu être lue',
      GRAPHQL_VALIDATION_FAILED: 'La requête ne correspond pas au schéma',
      QUERY_TOO_COMPLEX: 'La question dépasse les limites du serveur',
      RATE_LIMITED: 'Trop de requêtes : patientez un instant',
      SERVICE_UNAVAILABLE: 'Le service est momentanément indisponible',
      UNAUTHENTICATED: 'Une clé d’API est nécessaire',
      FORBIDDEN: 'Ce n’est pas permis',
      NOT_FOUND: 'Introuvable',
      INTERNAL: 'Le serveur a échoué',
      NETWORK: 'Le serveur est injoignable',
      PERSISTED_QUERY_NOT_FOUND: 'La requête enregistrée est inconnue',
    },
    retryAfter: (s) => `Réessayez dans ${s} s.`,
    requestId: (id) => `Identifiant de la requête : ${id}`,
    fallback: (lang) => `affiché en ${lang} : pas de texte dans la langue de cette page`,
    inDialogue: 'dans',
    noTitle: '(sans titre)',
    theQuery: 'Opération',
    theVariables: 'Variables',
    kinds: {
      UN_REPORT: 'Rapport de l’ONU', BACKGROUND_PAPER: 'Document de référence', OUTCOME_DOCUMENT: 'Document final', PRESS_RELEASE: 'Communiqué de presse', STUDY: 'Étude',
      FRAMEWORK: 'Cadre', GUIDELINE: 'Lignes directrices', INDICATOR_SET: 'Jeu d’indicateurs', PLATFORM: 'Plateforme', TRAINING: 'Formation',
      UN_AGENCY: 'Agence des Nations Unies', INTERGOVERNMENTAL: 'Intergouvernementale', GOVERNMENT: 'Gouvernement', LOCAL_GOVERNMENT: 'Collectivité locale', CIVIL_SOCIETY: 'Société civile',
      MIGRANT_ORGANISATION: 'Organisation de migrants', DIASPORA_ORGANISATION: 'Organisation de la diaspora', PRIVATE_SECTOR: 'Secteur privé', ACADEMIA: 'Monde universitaire', MEDIA: 'Médias', UNIT: 'Service',
      GCM_OBJECTIVE: 'Objectif du PMM', SDG_GOAL: 'Objectif de développement durable', SDG_TARGET: 'Cible des ODD', SDG_INDICATOR: 'Indicateur des ODD', FREE: 'Thème libre', OTHER: 'Autre',
      UN_DOCUMENT: 'Document de l’ONU', RESOLUTION: 'Résolution', WEB_PAGE: 'Page web',
    },
    position: (n) => `Atelier ${n}`,
    fields: { title: 'titre', name: 'nom', summary: 'résumé', description: 'description', acronym: 'sigle', venue: 'lieu', position: 'fonction' },
  },
};

let W = WORDS.en;
const typeWord = (t, n) => W.types[t][n === 1 ? 0 : 1];
const typeLabel = (t, plural = true) => W.types[t][plural ? 3 : 2];

// ---------------------------------------------------------------------------------
// Small helpers.

const $ = (sel, root = document) => root.querySelector(sel);
const SVG_NS = 'http://www.w3.org/2000/svg';

/** An element with attributes and children (strings become text). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === 'class') el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

const fmt = (n) => new Intl.NumberFormat(state.ui).format(n);

function languageName(code) {
  try {
    const name = new Intl.DisplayNames([state.ui], { type: 'language' }).of(code);
    return name && name !== code ? name.charAt(0).toLocaleUpperCase(state.ui) + name.slice(1) : code;
  } catch { return code; }
}

function countryName(code) {
  try { return new Intl.DisplayNames([state.ui], { type: 'region' }).of(code) || code; } catch { return code; }
}

const kindLabel = (k) => (k ? W.kinds[k] || k.charAt(0) + k.slice(1).toLowerCase().replaceAll('_', ' ') : '');

function chunk(items, size) {
  const out = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Runs `tasks` (functions returning promises), at most `n` at once, in order. */
async function pool(tasks, n) {
  const results = new Array(tasks.length);
  let next = 0;
  async function worker() {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  }
  await Promise.all(Array.from({ length: Math.min(n, tasks.length) }, worker));
  return results;
}

// ---------------------------------------------------------------------------------
// The view's state, kept in the address so that a view can be shared and reloaded.
//   q     words to look for            type  node types, comma-separated (all when absent)
//   from  first year                   to    last year
//   theme a theme's code               gcm   a GCM objective's code
//   org   an organisation's global id  lang  language of the texts (ISO 639-1)
//   ui    language of the page (en, fr)

const state = { q: '', types: [], from: null, to: null, theme: null, gcm: null, org: null, lang: null, ui: 'en' };

function readAddress() {
  const p = new URLSearchParams(location.search);
  const year = (v) => (v != null && /^-?\d{1,4}$/.test(v.trim()) ? Number(v) : null);
  const code = (v) => (v && v.length <= 200 ? v : null);
  state.q = (p.get('q') || '').slice(0, 1000);
  state.types = (p.get('type') || '').split(',').map((s) => s.trim().toUpperCase()).filter((t) => TYPE[t]);
  state.types = TYPES.map((T) => T.t).filter((t) => state.types.includes(t));
  state.from = year(p.get('from'));
  state.to = year(p.get('to'));
  state.theme = code(p.get('theme'));
  state.gcm = code(p.get('gcm'));
  state.org = code(p.get('org'));
  state.lang = /^[a-z]{2,3}$/.test(p.get('lang') || '') ? p.get('lang') : null;
  const ui = p.get('ui');
  state.ui = UI_LANGS.includes(ui) ? ui
    : (navigator.languages || [navigator.language || 'en']).map((l) => l.slice(0, 2).toLowerCase()).find((l) => UI_LANGS.includes(l)) || 'en';
}

function writeAddress() {
  const p = new URLSearchParams();
  if (state.q) p.set('q', state.q);
  if (state.types.length) p.set('type', state.types.join(','));
  if (state.from != null) p.set('from', String(state.from));
  if (state.to != null) p.set('to', String(state.to));
  if (state.theme) p.set('theme', state.theme);
  if (state.gcm) p.set('gcm', state.gcm);
  if (state.org) p.set('org', state.org);
  if (state.lang) p.set('lang', state.lang);
  p.set('ui', state.ui);
  history.replaceState(null, '', `${location.pathname}?${p}`);
}

const yearActive = (s) => s.from != null || s.to != null;

/** The state without the filter of one facet (to count that facet's values). */
function without(s, facet) {
  const c = { ...s, types: [...s.types] };
  if (facet === 'type') c.types = [];
  if (facet === 'year') { c.from = null; c.to = null; }
  if (facet === 'theme') c.theme = null;
  if (facet === 'gcm') c.gcm = null;
  if (facet === 'org') c.org = null;
  if (facet === 'lang') c.lang = null;
  return c;
}

function yearCondition(s) {
  const f = {};
  if (s.from != null) f.gte = s.from;
  if (s.to != null) f.lte = s.to;
  return f;
}

// ---------------------------------------------------------------------------------
// The API.

class ApiError extends Error {
  constructor(code, message, extra = {}) {
    super(message);
    this.code = code;
    Object.assign(this, extra);
  }
}

/** Every operation sent for the current view, shown under "The GraphQL behind this view". */
let sent = [];

async function gql(query, variables, signal, record = true) {
  if (signal?.aborted) throw new DOMException('superseded by a newer view', 'AbortError');
  if (record) sent.push({ query, variables });
  let res;
  try {
    res = await fetch(API, {
      method: 'POST',
      // Accept-Language: the search snippets prefer, among equally good texts, the page's language.
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', 'accept-language': state.ui },
      body: JSON.stringify({ query, variables }),
      signal,
      credentials: 'same-origin',
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError('NETWORK', e.message);
  }
  let body = null;
  try { body = await res.json(); } catch { /* not JSON */ }
  if (signal?.aborted) throw new DOMException('superseded by a newer view', 'AbortError');
  const retryAfter = res.headers.get('retry-after');
  if (body && Array.isArray(body.errors) && body.errors.length) {
    const e = body.errors[0];
    const ext = e.extensions || {};
    throw new ApiError(ext.code || `HTTP ${res.status}`, e.message || res.statusText, {
      retryAfter, requestId: ext.requestId, field: ext.field, path: e.path,
    });
  }
  if (!res.ok || !body || !body.data) {
    throw new ApiError(`HTTP ${res.status}`, res.statusText || 'no answer', { retryAfter, requestId: res.headers.get('x-request-id') });
  }
  return body.data;
}

// The fields of a result card, for every type (in the page's language).
const CARD = `
fragment Card on Node {
  __typename
  id
  ... on Dialogue { title(lang: $ui) { text lang isFallback } summary(lang: $ui) { text lang } year startDate endDate city country }
  ... on Workshop { title(lang: $ui) { text lang isFallback } summary(lang: $ui) { text lang } year startDate endDate city country position
    dialogue { id title(lang: $ui) { text lang } } }
  ... on Report { title(lang: $ui) { text lang isFallback } summary(lang: $ui) { text lang } symbol kind year publishedOn }
  ... on Tool { name(lang: $ui) { text lang isFallback } summary(lang: $ui) { text lang } kind year }
  ... on Organisation { name(lang: $ui) { text lang isFallback } acronym(lang: $ui) { text lang } summary(lang: $ui) { text lang } kind country }
  ... on Person { name summary(lang: $ui) { text lang } }
  ... on Theme { code scheme title(lang: $ui) { text lang isFallback } description(lang: $ui) { text lang } }
  ... on Source { title(lang: $ui) { text lang isFallback } kind symbol year publishedOn url }
}`;

// ---------------------------------------------------------------------------------
// What the whole graph holds, read once: the years, themes and languages to count.

let vocabulary = null;

const VOCABULARY = `query ExploreVocabulary {
  dialogues(first: 0) { facets { year { value count } theme { value count } language { value count } } }
  workshops(first: 0) { facets { year { value count } theme { value count } language { value count } } }
  reports(first: 0) { facets { year { value count } theme { value count } language { value count } } }
  tools(first: 0) { facets { year { value count } theme { value count } language { value count } } }
  organisations(first: 0) { facets { theme { value count } language { value count } } }
  people(first: 0) { facets { theme { value count } language { value count } } }
  themes(first: 0) { facets { language { value count } } }
  sources(first: 0) { facets { year { value count } language { value count } } }
}`;

const THEMES = `query ExploreThemes($codes: [String!]!, $ui: String!, $after: String) {
  themes(first: 100, after: $after, filter: { code: { in: $codes } }) {
    pageInfo { hasNextPage endCursor }
    nodes { code scheme title(lang: $ui) { text lang } }
  }
}`;

async function loadVocabulary(signal) {
  if (!vocabulary) {
    const data = await gql(VOCABULARY, {}, signal, false);
    const years = new Set();
    const themes = new Map();
    const langs = new Map();
    for (const list of Object.values(data)) {
      const f = list.facets;
      for (const v of f.year || []) if (v.value != null) years.add(Number(v.value));
      for (const v of f.theme || []) if (v.value != null) themes.set(v.value, (themes.get(v.value) || 0) + v.count);
      for (const v of f.language || []) if (v.value != null) langs.set(v.value, (langs.get(v.value) || 0) + v.count);
    }
    vocabulary = {
      years: [...years].sort((a, b) => a - b),
      themeCodes: [...themes.keys()],
      languages: [...langs.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([l]) => l),
      themeInfo: new Map(),
      themeInfoLang: null,
    };
  }
  // The themes' titles and vocabularies, in the page's language.
  const wanted = new Set(vocabulary.themeCodes);
  for (const c of [state.theme, state.gcm]) if (c) wanted.add(c);
  const missing = [...wanted].filter((c) => !vocabulary.themeInfo.has(c));
  if (vocabulary.themeInfoLang !== state.ui || missing.length) {
    const codes = vocabulary.themeInfoLang !== state.ui ? [...wanted] : missing;
    const info = vocabulary.themeInfoLang !== state.ui ? new Map() : vocabulary.themeInfo;
    for (const part of chunk(codes, 500)) {
      let after = null;
      do {
        const d = await gql(THEMES, { codes: part, ui: state.ui, after }, signal, false);
        for (const n of d.themes.nodes) info.set(n.code, n);
        after = d.themes.pageInfo.hasNextPage ? d.themes.pageInfo.endCursor : null;
      } while (after);
    }
    vocabulary.themeInfo = info;
    vocabulary.themeInfoLang = state.ui;
  }
  return vocabulary;
}

const isGcm = (code) => vocabulary?.themeInfo.get(code)?.scheme === 'GCM_OBJECTIVE';
const themeTitle = (code) => vocabulary?.themeInfo.get(code)?.title?.text || code;

function gcmOrder(a, b) {
  const n = (c) => Number((/(\d+)$/.exec(c) || [])[1] || 0);
  return n(a) - n(b) || a.localeCompare(b);
}

// ---------------------------------------------------------------------------------
// Search mode: words to look for.

/** The arguments of `search` for a state. */
function searchArgs(s) {
  const filter = {};
  if (yearActive(s)) filter.year = yearCondition(s);
  if (s.theme) filter.hasTheme = { code: { eq: s.theme } };
  if (s.gcm) filter.hasThemeWithin = { code: { eq: s.gcm } };
  if (s.org) filter.hasOrganisation = { id: { eq: s.org } };
  return {
    q: s.q,
    types: s.types.length ? s.types : null,
    lang: s.lang,
    filter: Object.keys(filter).length ? filter : null,
  };
}

const SEARCH = `query ExploreSearch($q: String!, $types: [NodeType!], $lang: String, $filter: SearchFilter, $first: Int!, $after: String, $ui: String!) {
  search(query: $q, types: $types, lang: $lang, filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { score snippet { field lang html } node { ...Card } }
  }
}
${CARD}`;

/** One operation counting a search under several argument sets, as aliases. */
function countOperation(jobs) {
  const decl = ['$q: String!'];
  const fields = [];
  const variables = { q: jobs[0].args.q };
  jobs.forEach((job, i) => {
    decl.push(`$t${i}: [NodeType!]`, `$l${i}: String`, `$f${i}: SearchFilter`);
    fields.push(`  c${i}: search(query: $q, types: $t${i}, lang: $l${i}, filter: $f${i}, first: 0) { totalCount }`);
    variables[`t${i}`] = job.args.types;
    variables[`l${i}`] = job.args.lang;
    variables[`f${i}`] = job.args.filter;
  });
  return { query: `query ExploreSearchCounts(${decl.join(', ')}) {\n${fields.join('\n')}\n}`, variables };
}

async function runCountJobs(jobs, signal) {
  const tasks = chunk(jobs, MAX_ROOT_FIELDS).map((part) => async () => {
    const { query, variables } = countOperation(part);
    const data = await gql(query, variables, signal);
    part.forEach((job, i) => { job.count = data[`c${i}`].totalCount; });
  });
  await pool(tasks, PARALLEL);
  return jobs;
}

/** The count job of one organisation: the search under every filter but the organisation's, and that one. */
function orgJob(s, id) {
  const a = searchArgs({ ...without(s, 'org'), org: id });
  return { facet: 'org', value: id, args: a };
}

async function runSearch(s, signal) {
  const voc = await loadVocabulary(signal);
  const args = searchArgs(s);
  const first = gql(SEARCH, { ...args, first: PAGE, after: null, ui: s.ui }, signal);

  // The facets: one count per value, under every filter but the facet's own.
  const jobs = [];
  const add = (facet, value, st, change) => {
    const a = searchArgs(st);
    change(a);
    jobs.push({ facet, value, args: a });
  };
  const noType = without(s, 'type');
  for (const T of TYPES) {
    if (yearActive(s) && !T.year) continue; // never has a year: counts 0
    if (s.org && !T.org) continue; // never linked to an organisation: counts 0
    add('type', T.t, noType, (a) => { a.types = [T.t]; });
  }
  const noYear = without(s, 'year');
  for (const y of voc.years) {
    add('year', y, noYear, (a) => { a.filter = { ...(a.filter || {}), year: { eq: y } }; });
  }
  const noTheme = without(s, 'theme');
  const noGcm = without(s, 'gcm');
  const themeCodes = new Set(voc.themeCodes);
  for (const c of [s.theme, s.gcm]) if (c) themeCodes.add(c);
  for (const code of themeCodes) {
    if (isGcm(code)) add('gcm', code, noGcm, (a) => { a.filter = { ...(a.filter || {}), hasThemeWithin: { code: { eq: code } } }; });
    else add('theme', code, noTheme, (a) => { a.filter = { ...(a.filter || {}), hasTheme: { code: { eq: code } } }; });
  }
  const noLang = without(s, 'lang');
  const langs = new Set(voc.languages);
  if (s.lang) langs.add(s.lang);
  for (const l of langs) add('lang', l, noLang, (a) => { a.lang = l; });

  const [page] = await Promise.all([first, runCountJobs(jobs, signal)]);
  const counts = { type: new Map(), year: new Map(), theme: new Map(), gcm: new Map(), lang: new Map() };
  for (const T of TYPES) counts.type.set(T.t, 0);
  for (const job of jobs) counts[job.facet].set(job.value, job.count);

  const total = page.search.totalCount;
  const yearNull = yearActive(s) ? null : total - [...counts.year.values()].reduce((a, b) => a + b, 0);
  return {
    mode: 'search',
    state: s,
    total,
    counts,
    yearNull,
    org: { values: null, pending: true },
    groups: [{
      type: null,
      total,
      items: page.search.edges.map((e) => ({ node: e.node, snippet: e.snippet, score: e.score })),
      hasNext: page.search.pageInfo.hasNextPage,
      cursor: page.search.pageInfo.endCursor,
      args,
    }],
    exports: searchExports(s, counts.type),
  };
}

async function moreSearch(group, signal) {
  const d = await gql(SEARCH, { ...group.args, first: PAGE, after: group.cursor, ui: state.ui }, signal);
  group.items.push(...d.search.edges.map((e) => ({ node: e.node, snippet: e.snippet, score: e.score })));
  group.hasNext = d.search.pageInfo.hasNextPage;
  group.cursor = d.search.pageInfo.endCursor;
}

// The organisation facet of a search. No facet of the API counts by organisation, and
// there are too many organisations to count each: the candidates are the organisations
// linked to the ORG_SAMPLE best results (under every filter but the organisation), the
// most frequent first, at most ORG_CANDIDATES with the one chosen; each is then counted
// exactly, as a `search` with `hasOrganisation`, in one operation of aliases. Any other
// organisation can be found by name, and is counted the same way.
const SEARCH_ORGANISATIONS = `query ExploreSearchOrganisations($q: String!, $types: [NodeType!], $lang: String, $filter: SearchFilter, $first: Int!) {
  search(query: $q, types: $types, lang: $lang, filter: $filter, first: $first) {
    edges { node { __typename id${TYPES.filter((T) => T.rel || T.relOne).map((T) => ` ... on ${T.typename} { ${orgLinks(T, ORG_SAMPLE_LINKS)} }`).join('')} } }
  }
}`;

async function countSearchOrganisations(view, signal) {
  const s = view.state;
  const args = searchArgs(without(s, 'org'));
  const d = await gql(SEARCH_ORGANISATIONS, { ...args, first: ORG_SAMPLE }, signal);
  const seen = new Map(); // id -> [records of the sample linked to it, rank of its first one]
  d.search.edges.forEach((e, rank) => {
    const T = BY_TYPENAME[e.node.__typename];
    if (!T || !T.org) return;
    for (const id of new Set(linkedOrgs(T, e.node).nodes.map((o) => o.id))) {
      const v = seen.get(id);
      if (v) v[0] += 1; else seen.set(id, [1, rank]);
    }
  });
  const ranked = [...seen.entries()].sort((a, b) => b[1][0] - a[1][0] || a[1][1] - b[1][1]).map(([id]) => id);
  let ids = ranked.slice(0, ORG_CANDIDATES);
  if (s.org && !ids.includes(s.org)) ids = ranked.filter((id) => id !== s.org).slice(0, ORG_CANDIDATES - 1).concat(s.org);
  const [jobs, names] = await Promise.all([
    ids.length ? runCountJobs(ids.map((id) => orgJob(s, id)), signal) : [],
    organisationNames(ids, signal),
  ]);
  view.org = {
    values: jobs.map((j) => ({ id: j.value, count: j.count })).sort((a, b) => b.count - a.count
      || orgLabel(names.get(a.id)).localeCompare(orgLabel(names.get(b.id)), state.ui)),
    names,
    sample: d.search.edges.length,
    // Every result read, and each of their organisations counted: no other one counts.
    complete: d.search.edges.length < ORG_SAMPLE && ranked.every((id) => ids.includes(id)),
  };
  if (current === view) renderChips();
}

// Downloads of a search: each list's export with the words (`q`, and `qlang` for the
// language of the texts), and the other filters in that list's own filter.
function searchExports(s, typeCounts) {
  const types = (s.types.length ? s.types : TYPES.map((T) => T.t)).filter((t) => (typeCounts.get(t) || 0) > 0);
  return {
    mode: 'search',
    ready: true,
    items: types.map((t) => ({ t, count: typeCounts.get(t), filter: listFilter(TYPE[t], { ...s, lang: null }), q: s.q, qlang: s.lang }))
      .filter((it) => it.filter !== undefined),
  };
}

// ---------------------------------------------------------------------------------
// Browse mode: no words, the root lists with their facets.

/** The list filter of one type for a state; `undefined` when the type cannot match. */
function listFilter(T, s) {
  const parts = [];
  if (yearActive(s)) {
    if (!T.year) return undefined;
    parts.push({ year: yearCondition(s) });
  }
  if ((s.theme || s.gcm) && T.tagged === false) return undefined;
  if (s.theme) parts.push({ hasTheme: { code: { eq: s.theme } } });
  if (s.gcm) parts.push({ hasThemeWithin: { code: { eq: s.gcm } } });
  if (s.lang) parts.push({ or: T.texts.map((f) => ({ [f]: { lang: s.lang, isNull: false } })) });
  if (s.org) {
    if (!T.org) return undefined;
    parts.push(T.org(s.org));
  }
  if (!parts.length) return null;
  return parts.length === 1 ? parts[0] : { and: parts };
}

const shownTypes = (s) => (s.types.length ? TYPES.filter((T) => s.types.includes(T.t)) : TYPES);

/** The facet fields a type's list can give. */
function facetFields(T, wanted) {
  const f = [];
  if (wanted.has('year') && T.year) f.push('year { value count }');
  if ((wanted.has('theme') || wanted.has('gcm')) && T.theme) f.push('theme { value count }');
  if (wanted.has('lang')) f.push('language { value count }');
  return f;
}

/** Builds one operation of aliased list fields; `parts` are {alias, T, filter, body, first, after, order}. */
function listOperation(name, parts, withCard) {
  const decl = [];
  const fields = [];
  const variables = {};
  parts.forEach((p, i) => {
    decl.push(`$f${i}: ${p.T.filterType}`);
    variables[`f${i}`] = p.filter;
    let args = `filter: $f${i}, first: ${p.first}`;
    if (p.after !== undefined) { decl.push(`$a${i}: String`); variables[`a${i}`] = p.after; args += `, after: $a${i}`; }
    if (p.order) { decl.push(`$o${i}: ${p.T.orderType}`); variables[`o${i}`] = p.order; args += `, orderBy: $o${i}`; }
    fields.push(`  ${p.alias}: ${p.T.list}(${args}) { ${p.body} }`);
  });
  if (withCard) { decl.push('$ui: String!'); variables.ui = state.ui; }
  const query = `query ${name}${decl.length ? `(${decl.join(', ')})` : ''} {\n${fields.join('\n')}\n}${withCard ? `\n${CARD}` : ''}`;
  return { query, variables };
}

async function runListOperations(name, parts, withCard, signal) {
  const out = {};
  const tasks = chunk(parts, MAX_ROOT_FIELDS).map((part) => async () => {
    const { query, variables } = listOperation(name, part, withCard);
    Object.assign(out, await gql(query, variables, signal));
  });
  await pool(tasks, PARALLEL);
  return out;
}

function addFacetValues(map, values, keep = () => true) {
  for (const v of values || []) {
    if (v.value == null || !keep(v.value)) continue;
    map.set(v.value, (map.get(v.value) || 0) + v.count);
  }
}

async function runBrowse(s, signal) {
  await loadVocabulary(signal);
  const shown = shownTypes(s);
  const several = shown.length > 1;
  const active = { year: yearActive(s), theme: !!s.theme, gcm: !!s.gcm, lang: !!s.lang, org: !!s.org };

  // The main operation: every type's count (the type facet), and for the types shown a
  // first page and the facets whose filter is not set.
  const mainWanted = new Set(['year', 'theme', 'gcm', 'lang'].filter((f) => !active[f]));
  const parts = [];
  for (const T of TYPES) {
    const filter = listFilter(T, s);
    if (filter === undefined) continue;
    if (shown.includes(T)) {
      const facets = facetFields(T, mainWanted);
      parts.push({ alias: T.list, T, filter, first: several ? GROUP_PAGE : PAGE, order: T.order,
        body: `totalCount pageInfo { hasNextPage endCursor } nodes { ...Card }${facets.length ? ` facets { ${facets.join(' ')} }` : ''}` });
    } else {
      parts.push({ alias: T.list, T, filter, first: 0, body: 'totalCount' });
    }
  }
  // One more list per type shown for each facet whose filter is set, without it.
  const extra = [];
  for (const f of ['year', 'theme', 'gcm', 'lang', 'org']) {
    if (!active[f]) continue;
    const st = without(s, f);
    for (const T of shown) {
      const filter = listFilter(T, st);
      if (filter === undefined) continue;
      const body = f === 'org' ? 'totalCount' : facetFields(T, new Set([f])).map((x) => `facets { ${x} }`).join(' ');
      if (!body) continue;
      extra.push({ alias: `${T.list}_${f}`, T, filter, first: 0, body, facet: f });
    }
  }
  const [main, more] = await Promise.all([
    runListOperations('ExploreBrowse', parts, true, signal),
    extra.length ? runListOperations('ExploreBrowseFacets', extra, false, signal) : {},
  ]);

  const counts = { type: new Map(), year: new Map(), theme: new Map(), gcm: new Map(), lang: new Map() };
  for (const T of TYPES) counts.type.set(T.t, main[T.list]?.totalCount || 0);
  const from = (f) => (active[f] ? shown.map((T) => more[`${T.list}_${f}`]) : shown.map((T) => main[T.list])).filter(Boolean);
  for (const r of from('year')) addFacetValues(counts.year, r.facets?.year, (v) => /^-?\d+$/.test(v));
  for (const r of from('theme')) addFacetValues(counts.theme, r.facets?.theme, (v) => !isGcm(v));
  for (const r of from('gcm')) addFacetValues(counts.gcm, r.facets?.theme, (v) => isGcm(v));
  for (const r of from('lang')) addFacetValues(counts.lang, r.facets?.language);
  const yearCounts = new Map([...counts.year].map(([k, v]) => [Number(k), v]));
  counts.year = yearCounts;

  const total = shown.reduce((n, T) => n + (main[T.list]?.totalCount || 0), 0);
  const groups = shown.filter((T) => main[T.list] && main[T.list].totalCount > 0).map((T) => ({
    type: T.t,
    T,
    total: main[T.list].totalCount,
    items: main[T.list].nodes.map((node) => ({ node })),
    hasNext: main[T.list].pageInfo.hasNextPage,
    cursor: main[T.list].pageInfo.endCursor,
    filter: listFilter(T, s),
  }));
  const yearNull = active.year ? null : total - [...yearCounts.values()].reduce((a, b) => a + b, 0);
  const orgTotal = active.org ? shown.reduce((n, T) => n + (more[`${T.list}_org`]?.totalCount || 0), 0) : total;

  return {
    mode: 'browse',
    state: s,
    total,
    counts,
    yearNull,
    org: { total: orgTotal, values: null, pending: orgTotal <= ORG_COUNT_LIMIT },
    groups,
    exports: {
      mode: 'browse',
      ready: true,
      items: groups.map((g) => ({ t: g.type, count: g.total, filter: g.filter })),
    },
  };
}

async function moreBrowse(group, signal) {
  const { query, variables } = listOperation('ExploreBrowseMore', [{
    alias: 'page', T: group.T, filter: group.filter, first: PAGE, after: group.cursor, order: group.T.order,
    body: 'pageInfo { hasNextPage endCursor } nodes { ...Card }',
  }], true);
  const d = await gql(query, variables, signal);
  group.items.push(...d.page.nodes.map((node) => ({ node })));
  group.hasNext = d.page.pageInfo.hasNextPage;
  group.cursor = d.page.pageInfo.endCursor;
}

// The organisation facet (browse mode): no facet of the API counts records by
// organisation, so the organisations of the records themselves are read (at most
// ORG_COUNT_LIMIT records) and counted here, each record once per organisation, along
// the same relations the filter uses.
const ORG_NAMES = `query ExploreOrganisations($ids: [ID!]!, $ui: String!) {
  nodes(ids: $ids) { ... on Organisation { id name(lang: $ui) { text lang } acronym(lang: $ui) { text } } }
}`;

async function countOrganisations(view, signal) {
  const st = without(view.state, 'org');
  const lists = shownTypes(st).filter((T) => T.org).map((T) => ({ T, filter: listFilter(T, st), after: null, done: false }))
    .filter((x) => x.filter !== undefined);
  const counts = new Map();
  let partial = false;
  while (lists.some((x) => !x.done)) {
    const round = lists.filter((x) => !x.done);
    const parts = round.map((x) => ({ alias: x.T.list, T: x.T, filter: x.filter, first: 100, after: x.after,
      body: `pageInfo { hasNextPage endCursor } nodes { id ${orgLinks(x.T, 100)} }` }));
    const data = await runListOperations('ExploreOrganisationLinks', parts, false, signal);
    for (const x of round) {
      const r = data[x.T.list];
      for (const n of r.nodes) {
        const linked = linkedOrgs(x.T, n);
        if (linked.totalCount > linked.nodes.length) partial = true;
        for (const id of new Set(linked.nodes.map((o) => o.id))) counts.set(id, (counts.get(id) || 0) + 1);
      }
      x.after = r.pageInfo.endCursor;
      x.done = !r.pageInfo.hasNextPage;
    }
  }
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  const ids = ranked.map(([id]) => id);
  if (view.state.org && !counts.has(view.state.org)) ids.push(view.state.org);
  const names = await organisationNames(ids, signal);
  view.org = { total: view.org.total, values: ranked.map(([id, count]) => ({ id, count })), names, partial };
  if (current === view) renderChips();
}

const orgNameCache = new Map();

async function organisationNames(ids, signal) {
  const key = (id) => `${state.ui}|${id}`;
  const missing = [...new Set(ids)].filter((id) => !orgNameCache.has(key(id)));
  for (const part of chunk(missing, 100)) {
    const d = await gql(ORG_NAMES, { ids: part, ui: state.ui }, signal, false);
    part.forEach((id, i) => orgNameCache.set(key(id), d.nodes[i] || null));
  }
  return new Map(ids.map((id) => [id, orgNameCache.get(key(id))]));
}

const FIND_ORGS = `query ExploreFindOrganisations($text: String!, $ui: String!) {
  organisations(first: 10, orderBy: { field: SLUG }, filter: { or: [{ name: { contains: $text } }, { acronym: { contains: $text } }, { slug: { contains: $text } }] }) {
    nodes { id name(lang: $ui) { text lang } acronym(lang: $ui) { text } }
  }
}`;

function orgLabel(o) {
  if (!o) return '…';
  const name = o.name?.text || o.id;
  return o.acronym?.text && o.acronym.text !== name ? `${name} (${o.acronym.text})` : name;
}

// ---------------------------------------------------------------------------------
// Running a view.

let current = null;   // the view shown
let controller = null;
let generation = 0;   // views started; the results carry the number of the one shown

/** Where the keyboard was, as a selector that finds the same control once redrawn. */
function focusKey(el) {
  if (!el || el === document.body || !el.closest) return null;
  if (el.id) return `#${CSS.escape(el.id)}`;
  const box = el.closest('.facet, #chart');
  if (box && el.dataset.value) return `#${box.id} [data-value="${CSS.escape(el.dataset.value)}"]`;
  if (box && el.dataset.year) return `#chart .bar[data-year="${CSS.escape(el.dataset.year)}"]`;
  if (box && el.classList.contains('link-button')) return `#${box.id} .link-button`;
  if (el.classList.contains('chip')) return ['#active:not([hidden]) .chip', '#results'];
  return null;
}

function restoreFocus(key) {
  if (!key) return;
  const now = document.activeElement;
  if (now && now !== document.body && now.isConnected) return;
  for (const k of [key].flat()) {
    const el = document.querySelector(k);
    if (el) { el.focus(); return; }
  }
}

async function refresh({ focusResults = false } = {}) {
  const focus = focusKey(document.activeElement);
  writeAddress();
  if (controller) controller.abort();
  controller = new AbortController();
  const { signal } = controller;
  const s = { ...state, types: [...state.types] };
  const gen = ++generation;
  const results = $('#results');
  results.dataset.state = 'loading';
  sent = [];
  setBusy(true);
  showError(null);
  renderStatic();
  try {
    const view = s.q.trim() ? await runSearch(s, signal) : await runBrowse(s, signal);
    if (signal.aborted) return;
    current = view;
    render(view);
    setBusy(false);
    Object.assign(results.dataset, { state: 'ready', view: String(gen), total: String(view.total), mode: view.mode });
    if (focusResults) $('#results').focus();
    else restoreFocus(focus);
    announce(W.updated(fmt(view.total)));
    // Slower parts, shown when ready.
    if (view.org.pending) {
      (view.mode === 'search' ? countSearchOrganisations : countOrganisations)(view, signal)
        .then(() => { if (current === view) { renderOrgFacet(view); renderQueries(); restoreFocus(focus); } })
        .catch((e) => {
          if (e.name === 'AbortError' || signal.aborted) return;
          showError(e);
          view.org = { values: null, failed: true };
          if (current === view) renderOrgFacet(view);
        });
    }
  } catch (e) {
    if (e.name === 'AbortError' || signal.aborted) return;
    setBusy(false);
    showError(e);
    renderEmpty();
    Object.assign(results.dataset, { state: 'error', view: String(gen), total: '', mode: '' });
  }
}

// ---------------------------------------------------------------------------------
// Rendering.

function setBusy(busy) {
  $('#results').setAttribute('aria-busy', busy ? 'true' : 'false');
  document.body.classList.toggle('busy', busy);
  const loading = $('#loading');
  loading.textContent = busy ? W.loading : '';
  loading.hidden = !busy;
}

function announce(text) {
  $('#status').textContent = text;
}

function showError(e) {
  const box = $('#error');
  box.replaceChildren();
  if (!e) { box.hidden = true; return; }
  // Anything but an answer of the API is a fault of this page: say so on the console too.
  if (!(e instanceof ApiError)) console.error(e);
  const code = e.code || 'ERROR';
  const title = W.errorCodes[code] || W.error;
  box.append(
    h('p', { class: 'error-title' }, h('strong', {}, title), ' ', h('code', {}, code)),
    h('p', { class: 'error-message' }, e.message || ''),
  );
  const extra = [];
  if (e.field) extra.push(`field: ${e.field}`);
  if (e.retryAfter) extra.push(W.retryAfter(e.retryAfter));
  if (e.requestId) extra.push(W.requestId(e.requestId));
  if (extra.length) box.append(h('p', { class: 'error-extra' }, extra.join(' · ')));
  box.hidden = false;
}

/** The words of the page that do not depend on the results. */
function renderStatic() {
  document.documentElement.lang = state.ui;
  document.title = state.q ? `${state.q} · ${W.title}` : W.title;
  for (const el of document.querySelectorAll('[data-i18n]')) {
    const v = W[el.dataset.i18n];
    if (typeof v === 'string') el.textContent = v;
  }
  for (const b of document.querySelectorAll('.ui-lang-btn')) b.setAttribute('aria-pressed', String(b.dataset.ui === state.ui));
  $('#active').setAttribute('aria-label', state.ui === 'fr' ? 'Filtres actifs' : 'Active filters');
  const q = $('#q');
  if (document.activeElement !== q) q.value = state.q;
  $('#year-from').value = state.from ?? '';
  $('#year-to').value = state.to ?? '';
  const any = state.q || state.types.length || yearActive(state) || state.theme || state.gcm || state.org || state.lang;
  $('#clear-all').hidden = !any;
  renderChips();
}

function renderEmpty() {
  $('#total').textContent = '—';
  $('#result-body').replaceChildren();
  $('#downloads').replaceChildren();
  $('#chart-body').replaceChildren();
  $('#chart-note').textContent = '';
}

function render(view) {
  renderStatic();
  const s = view.state;
  $('#total').textContent = W.totalFor(fmt(view.total), s.q.trim());
  renderTypeFacet(view);
  renderValueFacet(view, 'theme');
  renderValueFacet(view, 'gcm');
  renderValueFacet(view, 'lang');
  renderYearFacet(view);
  renderOrgFacet(view);
  renderChart(view);
  renderDownloads(view);
  renderResults(view);
  renderQueries();
}

// Active filters, as removable chips.
function renderChips() {
  const list = $('#active');
  const focused = [...list.querySelectorAll('.chip')].indexOf(document.activeElement);
  list.replaceChildren();
  const chips = [];
  if (state.q) chips.push([W.searchChip(state.q), () => { state.q = ''; $('#q').value = ''; }]);
  for (const t of state.types) chips.push([typeLabel(t), () => { state.types = state.types.filter((x) => x !== t); }]);
  if (yearActive(state)) chips.push([W.yearChip(state.from, state.to), () => { state.from = null; state.to = null; }]);
  if (state.theme) chips.push([`${W.facetTheme}: ${themeTitle(state.theme)}`, () => { state.theme = null; }]);
  if (state.gcm) chips.push([`${W.facetGcm}: ${themeTitle(state.gcm)}`, () => { state.gcm = null; }]);
  if (state.org) {
    const o = orgNameCache.get(`${state.ui}|${state.org}`);
    chips.push([`${W.facetOrg}: ${o ? orgLabel(o) : state.org}`, () => { state.org = null; }]);
  }
  if (state.lang) chips.push([`${W.facetLang}: ${languageName(state.lang)}`, () => { state.lang = null; }]);
  for (const [label, clear] of chips) {
    list.append(h('li', {}, h('button', {
      type: 'button', class: 'chip', 'aria-label': W.remove(label),
      onclick: () => { clear(); refresh(); },
    }, h('span', {}, label), h('span', { class: 'chip-x', 'aria-hidden': 'true' }, '×'))));
  }
  list.hidden = chips.length === 0;
  // Redrawn while the keyboard was on a chip: keep it there.
  if (focused >= 0) {
    const now = list.querySelectorAll('.chip');
    if (now.length) now[Math.min(focused, now.length - 1)].focus();
  }
}

function renderTypeFacet(view) {
  const body = $('#facet-type .facet-body');
  body.replaceChildren();
  if (!view.counts) return;
  const ul = h('ul', { class: 'facet-list' });
  for (const T of TYPES) {
    const n = view.counts.type.get(T.t) || 0;
    const checked = state.types.includes(T.t);
    const id = `type-${T.t}`;
    ul.append(h('li', { class: ['facet-item', n === 0 && !checked && 'zero'] },
      h('input', { type: 'checkbox', id, value: T.t, checked, onchange: (e) => {
        state.types = TYPES.map((x) => x.t).filter((t) => (t === T.t ? e.target.checked : state.types.includes(t)));
        refresh();
      } }),
      h('label', { for: id }, h('span', { class: 'facet-label' }, typeLabel(T.t)), h('span', { class: 'count' }, fmt(n)))));
  }
  body.append(ul);
}

const FACET_NOTE = { theme: () => W.themeNone, gcm: () => W.gcmNone, lang: () => W.noValues };
const expanded = new Set();

function renderValueFacet(view, facet) {
  const box = $(`#facet-${facet}`);
  const body = $('.facet-body', box);
  body.replaceChildren();
  if (!view.counts) return;
  const selected = state[facet];
  const values = [...view.counts[facet].entries()].filter(([v, n]) => n > 0 || v === selected);
  if (selected && !values.some(([v]) => v === selected)) values.push([selected, 0]);
  if (facet === 'gcm') values.sort((a, b) => gcmOrder(a[0], b[0]));
  else values.sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])));
  if (!values.length) { body.append(h('p', { class: 'facet-note' }, FACET_NOTE[facet]())); return; }
  const limit = 8;
  const open = expanded.has(facet);
  const shownValues = open ? values : values.slice(0, limit);
  if (!open && selected && !shownValues.some(([v]) => v === selected)) shownValues.push(values.find(([v]) => v === selected));
  const label = (v) => (facet === 'lang' ? languageName(v) : themeTitle(v));
  const ul = h('ul', { class: 'facet-list' });
  for (const [value, n] of shownValues) {
    const pressed = value === selected;
    ul.append(h('li', { class: ['facet-item', n === 0 && !pressed && 'zero'] }, h('button', {
      type: 'button', class: 'facet-value', 'aria-pressed': String(pressed), dataset: { value }, title: value,
      onclick: () => { state[facet] = pressed ? null : value; refresh(); },
    }, h('span', { class: 'facet-label', lang: facet === 'lang' ? null : vocabulary?.themeInfo.get(value)?.title?.lang },
      label(value)), h('span', { class: 'count' }, fmt(n)))));
  }
  body.append(ul);
  if (values.length > limit) {
    body.append(h('button', { type: 'button', class: 'link-button', 'aria-expanded': String(open), onclick: () => {
      if (open) expanded.delete(facet); else expanded.add(facet);
      renderValueFacet(current, facet);
      $(`#facet-${facet} .link-button`)?.focus();
    } }, open ? W.showFewer : W.showAll(values.length)));
  }
}

function renderYearFacet(view) {
  const note = $('#facet-year .facet-note');
  note.textContent = state.types.length && state.types.every((t) => !TYPE[t].year) ? W.yearNotApplicable : W.yearNote;
}

function renderOrgFacet(view) {
  const box = $('#facet-org');
  const body = $('.facet-body', box);
  body.replaceChildren();
  const org = view.org;
  box.dataset.state = org.pending ? 'loading' : 'ready';
  if (org.pending) { body.append(h('p', { class: 'facet-note' }, W.loading)); return; }
  const search = view.mode === 'search';
  if (org.values) {
    const values = org.values.slice();
    if (state.org && !values.some((v) => v.id === state.org)) values.push({ id: state.org, count: 0 });
    if (!values.length) body.append(h('p', { class: 'facet-note' }, W.noValues));
    const limit = 8;
    const open = expanded.has('org');
    let shownValues = open ? values : values.slice(0, limit);
    if (!open && state.org && !shownValues.some((v) => v.id === state.org)) shownValues = shownValues.concat(values.filter((v) => v.id === state.org));
    const ul = h('ul', { class: 'facet-list' });
    for (const { id, count } of shownValues) {
      const pressed = id === state.org;
      const o = org.names.get(id);
      ul.append(h('li', { class: ['facet-item', count === 0 && !pressed && 'zero'] }, h('button', {
        type: 'button', class: 'facet-value', 'aria-pressed': String(pressed), dataset: { value: id, count },
        onclick: () => { state.org = pressed ? null : id; refresh(); },
      }, h('span', { class: 'facet-label', lang: o?.name?.lang }, orgLabel(o)), h('span', { class: 'count' }, fmt(count)))));
    }
    if (values.length) body.append(ul);
    if (values.length > limit) {
      body.append(h('button', { type: 'button', class: 'link-button', 'aria-expanded': String(open), onclick: () => {
        if (open) expanded.delete('org'); else expanded.add('org');
        renderOrgFacet(current);
        $('#facet-org .link-button')?.focus();
      } }, open ? W.showFewer : W.showAll(values.length)));
    }
    if (org.partial) body.append(h('p', { class: 'facet-note' }, W.orgPartial));
    // Browsing, or a search whose every linked organisation is listed: nothing else to find.
    if (!search || org.complete) return;
    body.append(h('p', { class: 'facet-note' }, W.orgSample(fmt(org.sample))));
  } else {
    // Too many records to count their organisations (or the counting failed): find one by name.
    if (!org.failed) body.append(h('p', { class: 'facet-note' }, W.orgTooMany(fmt(ORG_COUNT_LIMIT))));
    if (state.org) {
      const o = orgNameCache.get(`${state.ui}|${state.org}`);
      const ul = h('ul', { class: 'facet-list' });
      ul.append(h('li', { class: 'facet-item' }, h('button', {
        type: 'button', class: 'facet-value', 'aria-pressed': 'true', dataset: { value: state.org, count: view.total },
        onclick: () => { state.org = null; refresh(); },
      }, h('span', { class: 'facet-label' }, o ? orgLabel(o) : state.org), h('span', { class: 'count' }, fmt(view.total)))));
      body.append(ul);
      if (!o) organisationNames([state.org]).then(() => { if (current === view) { renderOrgFacet(view); renderChips(); } }).catch(() => {});
    }
  }
  body.append(...orgFindBox(view));
}

/** A box to find an organisation by name; in a search, each one found is counted too. */
function orgFindBox(view) {
  const results = h('ul', { class: 'facet-list', id: 'org-found' });
  const input = h('input', { type: 'search', id: 'org-find', autocomplete: 'off', maxlength: '200' });
  const form = h('form', { class: 'org-find', role: 'search', onsubmit: async (e) => {
    e.preventDefault();
    const text = input.value.trim();
    results.replaceChildren();
    results.removeAttribute('data-state');
    if (!text) return;
    try {
      const d = await gql(FIND_ORGS, { text, ui: state.ui }, controller?.signal, false);
      if (current !== view) return;
      if (!d.organisations.nodes.length) results.append(h('li', { class: 'facet-note' }, W.orgFindNone));
      const spans = new Map();
      for (const o of d.organisations.nodes) {
        orgNameCache.set(`${state.ui}|${o.id}`, o);
        const count = h('span', { class: 'count' });
        spans.set(o.id, count);
        results.append(h('li', { class: 'facet-item' }, h('button', {
          type: 'button', class: 'facet-value', 'aria-pressed': String(o.id === state.org), dataset: { value: o.id },
          onclick: () => { state.org = o.id; refresh(); },
        }, h('span', { class: 'facet-label', lang: o.name?.lang }, orgLabel(o)), count)));
      }
      if (view.mode === 'search' && spans.size) {
        const jobs = await runCountJobs([...spans.keys()].map((id) => orgJob(view.state, id)), controller?.signal);
        if (current !== view) return;
        for (const j of jobs) {
          spans.get(j.value).textContent = fmt(j.count);
          spans.get(j.value).parentElement.dataset.count = String(j.count);
        }
        renderQueries();
      }
      results.dataset.state = 'ready';
    } catch (err) { if (err.name !== 'AbortError') showError(err); }
  } },
  h('label', { for: 'org-find', class: 'vh' }, W.orgFind),
  h('div', { class: 'org-find-row' }, input, h('button', { type: 'submit' }, W.orgFindButton)));
  input.setAttribute('placeholder', W.orgFind);
  return [form, results];
}

// The chart: one bar per year, drawn as SVG by this script.
function renderChart(view) {
  const body = $('#chart-body');
  const note = $('#chart-note');
  body.replaceChildren();
  note.textContent = '';
  if (!view.counts) return;
  const entries = [...view.counts.year.entries()].filter(([, n]) => n > 0).map(([y, n]) => [Number(y), n]);
  if (!entries.length) {
    body.append(h('p', { class: 'chart-empty' }, W.chartEmpty));
    if (view.yearNull) note.textContent = W.chartNoYear(fmt(view.yearNull));
    return;
  }
  let lo = Math.min(...entries.map(([y]) => y));
  let hi = Math.max(...entries.map(([y]) => y));
  if (state.from != null && state.from >= lo - 50) lo = Math.min(lo, state.from);
  if (state.to != null && state.to <= hi + 50) hi = Math.max(hi, state.to);
  const years = [];
  for (let y = lo; y <= hi; y++) years.push(y);
  const count = (y) => view.counts.year.get(y) || 0;
  const max = Math.max(...years.map(count));
  const Wd = 720;
  const Ht = 200;
  const m = { l: 36, r: 8, t: 10, b: 26 };
  const iw = Wd - m.l - m.r;
  const ih = Ht - m.t - m.b;
  const step = iw / years.length;
  const bw = Math.max(2, Math.min(40, step * 0.78));
  const yScale = (n) => (max ? (n / max) * ih : 0);
  const root = svg('svg', {
    viewBox: `0 0 ${Wd} ${Ht}`, class: 'chart-svg', role: 'group',
    'aria-label': W.chartLabel(lo, hi),
  });
  // Grid lines and their values.
  const ticks = niceTicks(max);
  const grid = svg('g', { class: 'grid', 'aria-hidden': 'true' });
  for (const t of ticks) {
    const y = m.t + ih - yScale(t);
    grid.append(svg('line', { x1: m.l, x2: Wd - m.r, y1: y, y2: y }));
    grid.append(svg('text', { x: m.l - 6, y: y + 4, class: 'tick', 'text-anchor': 'end' }, fmtPlain(t)));
  }
  root.append(grid);
  const inRange = (y) => (state.from == null || y >= state.from) && (state.to == null || y <= state.to);
  const labelEvery = Math.max(1, Math.ceil(years.length / 12));
  const bars = svg('g', { class: 'bars' });
  years.forEach((y, i) => {
    const n = count(y);
    const x = m.l + i * step + (step - bw) / 2;
    const bh = yScale(n);
    const selected = yearActive(state) && inRange(y);
    const dim = yearActive(state) && !inRange(y);
    const label = W.chartBar(y, fmt(n));
    const g = svg('g', {
      class: ['bar', selected && 'selected', dim && 'dim', n === 0 && 'zero'],
      tabindex: '0', role: 'button', 'aria-label': label,
      'aria-pressed': String(state.from === y && state.to === y), dataset: { year: y, count: n },
    });
    g.append(svg('title', {}, label));
    g.append(svg('rect', { class: 'hit', x: m.l + i * step, y: m.t, width: step, height: ih }));
    g.append(svg('rect', { class: 'fill', x, y: m.t + ih - bh, width: bw, height: Math.max(bh, n > 0 ? 1 : 0) }));
    const choose = () => {
      if (state.from === y && state.to === y) { state.from = null; state.to = null; } else { state.from = y; state.to = y; }
      refresh();
    };
    g.addEventListener('click', choose);
    g.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); choose(); }
      if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
        e.preventDefault();
        const sib = e.key === 'ArrowRight' ? g.nextElementSibling : g.previousElementSibling;
        if (sib) sib.focus();
      }
    });
    bars.append(g);
    if (i % labelEvery === 0 || i === years.length - 1 && years.length <= 12) {
      root.append(svg('text', { x: m.l + i * step + step / 2, y: Ht - 8, class: 'tick', 'text-anchor': 'middle', 'aria-hidden': 'true' }, String(y)));
    }
  });
  root.append(bars);
  root.append(svg('line', { x1: m.l, x2: Wd - m.r, y1: m.t + ih, y2: m.t + ih, class: 'axis', 'aria-hidden': 'true' }));
  body.append(root);
  if (view.yearNull) note.textContent = W.chartNoYear(fmt(view.yearNull));
}

const fmtPlain = (n) => new Intl.NumberFormat(state.ui, { maximumFractionDigits: 0 }).format(n);

function niceTicks(max) {
  if (max <= 0) return [0];
  const raw = max / 3;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((k) => k * p).find((s) => s >= raw && Number.isInteger(s)) || Math.ceil(raw);
  const out = [];
  for (let t = 0; t <= max + 1e-9; t += Math.max(1, Math.round(step))) out.push(t);
  return out;
}

// Download links of the list shown, through the public export endpoints. A search's
// links carry its words (`q`, with `qlang` for the language of the texts): each lists
// the records of its type that the search finds, under the list's own `filter`.
function exportUrl(t, ext, it) {
  const p = new URLSearchParams();
  if (it.q) p.set('q', it.q);
  if (it.q && it.qlang) p.set('qlang', it.qlang);
  if (it.filter) p.set('filter', JSON.stringify(it.filter));
  p.set('lang', state.ui);
  return `/export/${TYPE[t].list}.${ext}?${p}`;
}

function renderDownloads(view) {
  const box = $('#downloads');
  box.replaceChildren();
  const ex = view.exports;
  box.dataset.state = ex ? 'ready' : 'none';
  if (!ex) return;
  box.append(h('h3', { class: 'downloads-title' }, W.downloads));
  if (!ex.items.length) { box.append(h('p', { class: 'downloads-note' }, W.downloadsNone)); return; }
  if (ex.mode === 'search') box.append(h('p', { class: 'downloads-note' }, W.downloadsSearchNote));
  const ul = h('ul', { class: 'downloads-list' });
  for (const it of ex.items) {
    const label = `${typeLabel(it.t)} (${fmt(it.count)})`;
    ul.append(h('li', { dataset: { type: it.t, count: it.count } },
      h('span', { class: 'downloads-type' }, label), ' ',
      h('a', { href: exportUrl(it.t, 'csv', it), class: 'dl dl-csv', download: `${TYPE[it.t].list}.csv`, dataset: { format: 'csv', type: it.t } }, W.csv),
      ' · ',
      h('a', { href: exportUrl(it.t, 'jsonl', it), class: 'dl dl-jsonl', download: `${TYPE[it.t].list}.jsonl`, dataset: { format: 'jsonl', type: it.t } }, W.jsonl)));
  }
  box.append(ul);
}

// The results.
function renderResults(view) {
  const body = $('#result-body');
  body.replaceChildren();
  if (!view.total) { body.append(h('p', { class: 'empty' }, W.noResults)); return; }
  const several = view.mode === 'browse' && view.groups.length > 1;
  for (const group of view.groups) {
    const section = h('section', { class: 'group', dataset: { type: group.type || 'all' } });
    if (view.mode === 'browse') {
      section.append(h('h3', { class: 'group-title' }, typeLabel(group.type), ' ', h('span', { class: 'count' }, fmt(group.total))));
    }
    const ol = h('ol', { class: 'cards' });
    for (const item of group.items) ol.append(card(item));
    section.append(ol);
    const shown = group.items.length;
    const foot = h('div', { class: 'group-foot' });
    foot.append(h('p', { class: 'shown' }, W.showing(fmt(shown), fmt(group.total))));
    if (group.hasNext) {
      const label = view.mode === 'browse' && several ? W.moreOf(typeWord(group.type, 2)) : W.more;
      const button = h('button', { type: 'button', class: 'more secondary', onclick: async () => {
        button.disabled = true;
        const before = group.items.length;
        try {
          await (view.mode === 'search' ? moreSearch(group, controller.signal) : moreBrowse(group, controller.signal));
          if (current !== view) return;
          renderResults(view);
          renderQueries();
          // Keep the keyboard where the new results start.
          const cards = document.querySelectorAll(`.group[data-type="${group.type || 'all'}"] .card`);
          cards[before]?.querySelector('.card-title')?.focus();
        } catch (e) {
          if (e.name !== 'AbortError') showError(e);
          button.disabled = false;
        }
      } }, label);
      foot.append(button);
    }
    section.append(foot);
    body.append(section);
  }
}

function textOf(t) { return t && t.text ? t.text : null; }

function card(item) {
  const n = item.node;
  if (!n) return h('li', { class: 'card' }, W.noTitle);
  const T = BY_TYPENAME[n.__typename];
  const titleField = n.title || n.name;
  const titleText = typeof titleField === 'string' ? titleField : textOf(titleField) || W.noTitle;
  const titleLang = typeof titleField === 'object' && titleField ? titleField.lang : null;
  const meta = [];
  if (n.__typename === 'Dialogue' || n.__typename === 'Workshop') {
    if (n.__typename === 'Workshop' && n.position) meta.push(W.position(n.position));
    meta.push(dateRange(n.startDate, n.endDate) || (n.year != null ? String(n.year) : null));
    meta.push([n.city, n.country ? countryName(n.country) : null].filter(Boolean).join(', ') || null);
  } else if (n.__typename === 'Report') {
    meta.push(n.symbol, kindLabel(n.kind), n.publishedOn ? formatDate(n.publishedOn) : n.year != null ? String(n.year) : null);
  } else if (n.__typename === 'Tool') {
    meta.push(kindLabel(n.kind), n.year != null ? String(n.year) : null);
  } else if (n.__typename === 'Organisation') {
    meta.push(textOf(n.acronym), kindLabel(n.kind), n.country ? countryName(n.country) : null);
  } else if (n.__typename === 'Theme') {
    meta.push(n.code, kindLabel(n.scheme));
  } else if (n.__typename === 'Source') {
    meta.push(n.symbol, kindLabel(n.kind), n.publishedOn ? formatDate(n.publishedOn) : n.year != null ? String(n.year) : null);
  }
  const titleId = `t-${n.id}`;
  const li = h('li', { class: 'card', dataset: { id: n.id, type: T ? T.t : '' } });
  const article = h('article', { 'aria-labelledby': titleId });
  article.append(h('p', { class: 'card-meta' },
    h('span', { class: ['badge', T && `badge-${T.t.toLowerCase()}`] }, T ? typeLabel(T.t, false) : n.__typename),
    meta.filter(Boolean).map((m) => [' ', h('span', { class: 'meta-item' }, m)])));
  // A snippet taken from the title marks the title itself; the summary then follows.
  const snippetText = item.snippet ? snippetNodes(item.snippet.html).map((x) => (typeof x === 'string' ? x : x.textContent)).join('') : null;
  const titleSnippet = item.snippet && ['title', 'name'].includes(item.snippet.field) && snippetText === titleText;
  const title = h('h4', { class: 'card-title', id: titleId, tabindex: '-1' },
    h('span', { lang: titleLang }, titleSnippet ? snippetNodes(item.snippet.html) : titleText));
  if (titleField && titleField.isFallback) {
    title.append(' ', h('span', { class: 'fallback', title: W.fallback(languageName(titleField.lang)) }, `(${titleField.lang})`));
  }
  article.append(title);
  if (n.__typename === 'Workshop' && n.dialogue) {
    article.append(h('p', { class: 'card-context' }, `${W.inDialogue} `, h('span', { lang: n.dialogue.title?.lang }, textOf(n.dialogue.title))));
  }
  if (item.snippet && !titleSnippet) {
    article.append(h('p', { class: 'snippet' },
      h('span', { class: 'snippet-src' }, `${W.fields[item.snippet.field] || item.snippet.field} (${item.snippet.lang})`), ' ',
      h('span', { lang: item.snippet.lang }, snippetNodes(item.snippet.html))));
  } else {
    const summary = n.summary || n.description;
    if (summary && summary.text) article.append(h('p', { class: 'summary', lang: summary.lang }, truncate(summary.text, 260)));
  }
  const links = [h('a', { href: `/export/${encodeURIComponent(n.id)}.jsonld`, class: 'rec-jsonld', type: 'application/ld+json' }, W.jsonld)];
  if (n.__typename === 'Report') {
    const lang = `?lang=${encodeURIComponent(state.ui)}`;
    links.push(h('a', { href: `/export/${encodeURIComponent(n.id)}.bib${lang}`, class: 'rec-bibtex', download: `${n.symbol ? n.symbol.replace(/[^\w.-]+/g, '-') : n.id}.bib` }, W.bibtex));
    links.push(h('a', { href: `/export/${encodeURIComponent(n.id)}.csl.json${lang}`, class: 'rec-csl', download: `${n.symbol ? n.symbol.replace(/[^\w.-]+/g, '-') : n.id}.csl.json` }, W.csl));
  }
  article.append(h('p', { class: 'card-links' }, h('span', { class: 'vh' }, `${W.recordLinks}: `), links.map((a, i) => (i ? [' · ', a] : a))));
  li.append(article);
  return li;
}

/** The snippet's HTML (escaped text with `<mark>` elements) as DOM nodes, without innerHTML. */
function snippetNodes(html) {
  const out = [];
  const unescape = (s) => s.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_, e) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'" })[e]);
  const re = /<mark>(.*?)<\/mark>/gs;
  let at = 0;
  let m;
  while ((m = re.exec(html))) {
    if (m.index > at) out.push(unescape(html.slice(at, m.index).replace(/<[^>]*>/g, '')));
    out.push(h('mark', {}, unescape(m[1].replace(/<[^>]*>/g, ''))));
    at = re.lastIndex;
  }
  if (at < html.length) out.push(unescape(html.slice(at).replace(/<[^>]*>/g, '')));
  return out;
}

function truncate(text, n) {
  if (text.length <= n) return text;
  const cut = text.slice(0, n);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), n - 20))}…`;
}

function formatDate(d) {
  try {
    return new Intl.DateTimeFormat(state.ui, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' }).format(new Date(`${d}T00:00:00Z`));
  } catch { return d; }
}

function dateRange(a, b) {
  if (!a) return null;
  if (!b || a === b) return formatDate(a);
  try {
    return new Intl.DateTimeFormat(state.ui, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' })
      .formatRange(new Date(`${a}T00:00:00Z`), new Date(`${b}T00:00:00Z`));
  } catch { return `${formatDate(a)} – ${formatDate(b)}`; }
}

// The operations sent for this view, for researchers who want to run them elsewhere.
function renderQueries() {
  const body = $('#queries-body');
  body.replaceChildren();
  for (const { query, variables } of sent) {
    body.append(h('div', { class: 'query' },
      h('p', { class: 'query-label' }, W.theQuery),
      h('pre', {}, h('code', {}, query)),
      h('p', { class: 'query-label' }, W.theVariables),
      h('pre', {}, h('code', {}, JSON.stringify(variables, null, 2)))));
  }
}

// ---------------------------------------------------------------------------------
// Events.

function setUi(lang) {
  state.ui = lang;
  W = WORDS[lang];
}

function clearAll() {
  Object.assign(state, { q: '', types: [], from: null, to: null, theme: null, gcm: null, org: null, lang: null });
  $('#q').value = '';
  expanded.clear();
}

function readYear(input) {
  const v = input.value.trim();
  if (!v) return null;
  const n = Number(v);
  return Number.isInteger(n) && n >= 1 && n <= 9999 ? n : null;
}

function init() {
  readAddress();
  setUi(state.ui);
  $('#search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    state.q = $('#q').value.trim();
    refresh({ focusResults: false });
  });
  for (const b of document.querySelectorAll('.ui-lang-btn')) {
    b.addEventListener('click', () => { if (b.dataset.ui !== state.ui) { setUi(b.dataset.ui); refresh(); } });
  }
  $('#clear-all').addEventListener('click', () => { clearAll(); refresh(); $('#q').focus(); });
  const onYear = () => {
    let from = readYear($('#year-from'));
    let to = readYear($('#year-to'));
    if (from != null && to != null && from > to) [from, to] = [to, from];
    if (from === state.from && to === state.to) return;
    state.from = from;
    state.to = to;
    refresh();
  };
  $('#year-from').addEventListener('change', onYear);
  $('#year-to').addEventListener('change', onYear);
  // "/" puts the cursor in the search box, as on many search pages.
  document.addEventListener('keydown', (e) => {
    if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t.isContentEditable) return;
    e.preventDefault();
    $('#q').focus();
  });
  refresh();
}

init();
