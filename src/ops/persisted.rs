//! Persisted documents: automatic persisted queries (Apollo's `persistedQuery` request
//! extension: a client sends the SHA-256 hash of its query, and the query itself only
//! when the server does not know it yet), and trusted documents (a manifest of hash to
//! document, as Relay and GraphQL Code Generator write it, outside which anonymous
//! clients may not run anything).

use std::{
    collections::{HashMap, HashSet, VecDeque},
    sync::{Arc, Mutex},
};

use async_graphql::{
    Request, ServerError, Value,
    parser::types::{DocumentOperations, ExecutableDocument},
};
use sha2::{Digest, Sha256};

use crate::{auth::Principal, config::Settings, error::Error};

/// The documents a process knows by hash.
pub struct Documents {
    /// The trusted documents, by the manifest's key.
    trusted: Option<HashMap<String, String>>,
    /// The SHA-256 of each trusted document's text.
    trusted_hashes: HashSet<String>,
    /// Automatic persisted queries, oldest first.
    apq: Mutex<Apq>,
    /// Parsed documents by text, oldest first: a client sends the same few documents
    /// again and again, and parsing one costs more than copying it.
    parsed: Mutex<Parsed>,
}

/// How many parsed documents a process keeps.
const PARSED_CAPACITY: usize = 1000;

/// Parsed documents by text, oldest first.
#[derive(Default)]
struct Parsed {
    documents: HashMap<Arc<str>, Known>,
    order: VecDeque<Arc<str>>,
}

/// A parsed document, and which of its operations async-graphql validated.
struct Known {
    document: Arc<ExecutableDocument>,
    valid: Vec<Option<String>>,
}

struct Apq {
    capacity: usize,
    queries: HashMap<String, String>,
    order: VecDeque<String>,
}

/// The hex SHA-256 of a text.
pub fn sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

impl Documents {
    /// The documents that `settings` name: reads the trusted-documents manifest.
    pub fn load(settings: &Settings) -> Result<Documents, Error> {
        let trusted = match &settings.trusted_documents {
            None => None,
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    Error::bad_input(format!("cannot read the trusted documents {path}: {e}"))
                })?;
                let map: HashMap<String, String> = serde_json::from_str(&text).map_err(|e| {
                    Error::bad_input(format!(
                        "the trusted documents {path} are not a JSON object of strings: {e}"
                    ))
                })?;
                let map: HashMap<String, String> = map
                    .into_iter()
                    .map(|(key, document)| (document_key(&key), document))
                    .collect();
                Some(map)
            }
        };
        let trusted_hashes = trusted
            .iter()
            .flat_map(|m| m.values())
            .map(|d| sha256(d))
            .collect();
        Ok(Documents {
            trusted,
            trusted_hashes,
            apq: Mutex::new(Apq {
                capacity: settings.persisted_queries,
                queries: HashMap::new(),
                order: VecDeque::new(),
            }),
            parsed: Mutex::new(Parsed::default()),
        })
    }

    /// The names of the operations of the trusted documents.
    pub fn trusted_operation_names(&self) -> Vec<String> {
        let documents = self.trusted.iter().flat_map(|m| m.values());
        let parsed = documents.filter_map(|d| async_graphql::parser::parse_query(d).ok());
        let mut names = Vec::new();
        for doc in parsed {
            if let DocumentOperations::Multiple(ops) = doc.operations {
                names.extend(ops.keys().map(|n| n.to_string()));
            }
        }
        names
    }

    /// What the request asks of the persisted queries the processes share (`ops::shared`):
    /// a query this process does not know, to fetch, or one it registers, to publish.
    pub fn to_share(&self, request: &Request) -> Option<Share> {
        if self.apq.lock().unwrap_or_else(|e| e.into_inner()).capacity == 0 {
            return None;
        }
        let hash = match request.extensions.get(DOCUMENT_ID) {
            Some(Value::String(id)) => document_key(id).strip_prefix("sha256:")?.to_string(),
            _ => persisted_hash(request).ok()??.to_ascii_lowercase(),
        };
        if self.find(&hash).is_some() {
            return None;
        }
        Some(if request.query.trim().is_empty() {
            Share::Fetch(hash)
        } else {
            Share::Publish(hash)
        })
    }

    /// Remembers a query that another process registered, if its text has the hash.
    pub fn remember_shared(&self, hash: &str, query: &str) {
        if sha256(query) == hash {
            let _ = self.remember(hash, query);
        }
    }

    /// How many automatic persisted queries are kept.
    pub fn capacity(&self) -> usize {
        self.apq.lock().unwrap_or_else(|e| e.into_inner()).capacity
    }

    /// Fills in the query of a request that names a persisted document, remembers the
    /// query of a request that registers one, and refuses what `principal` may not run.
    pub fn resolve(&self, request: &mut Request, principal: &Principal) -> Result<(), Error> {
        let mut registers = None;
        if let Some(id) = document_id(request)? {
            if !request.query.trim().is_empty() {
                return Err(Error::bad_input(
                    "send either a `documentId` or a `query`, not both",
                ));
            }
            request.query = self.find(&id).ok_or(Error::PersistedQueryNotFound)?;
        } else if let Some(hash) = persisted_hash(request)? {
            if request.query.trim().is_empty() {
                request.query = self.find(&hash).ok_or(Error::PersistedQueryNotFound)?;
            } else if sha256(&request.query) == hash.to_ascii_lowercase() {
                registers = Some(hash);
            } else {
                return Err(Error::bad_input(
                    "the persistedQuery hash is not the SHA-256 of the query",
                ));
            }
        }
        if self.trusted.is_some()
            && matches!(principal, Principal::Anonymous)
            && !self.trusted_hashes.contains(&sha256(&request.query))
        {
            return Err(Error::Forbidden(
                "anonymous clients may only run this server's trusted documents; \
                 send an API key to run other operations"
                    .into(),
            ));
        }
        // Only what may run is remembered.
        match registers {
            Some(hash) => self.remember(&hash, &request.query),
            None => Ok(()),
        }
    }

    /// Parses the request's document, or gives it the one parsed for the same text
    /// before.
    pub fn parse<'r>(
        &self,
        request: &'r mut Request,
    ) -> Result<&'r ExecutableDocument, ServerError> {
        let known = self
            .parsed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .documents
            .get(request.query.as_str())
            .map(|known| known.document.clone());
        match known {
            Some(doc) => request.set_parsed_query((*doc).clone()),
            None => {
                let doc = request.parsed_query()?.clone();
                let mut parsed = self.parsed.lock().unwrap_or_else(|e| e.into_inner());
                let text: Arc<str> = Arc::from(request.query.as_str());
                let known = Known {
                    document: Arc::new(doc),
                    valid: Vec::new(),
                };
                if parsed.documents.insert(text.clone(), known).is_none() {
                    parsed.order.push_back(text);
                }
                while parsed.order.len() > PARSED_CAPACITY {
                    if let Some(oldest) = parsed.order.pop_front() {
                        parsed.documents.remove(&oldest);
                    }
                }
            }
        }
        request.parsed_query()
    }

    /// Whether async-graphql validated operation `operation` of the document `query`.
    pub fn validated(&self, query: &str, operation: Option<&str>) -> bool {
        let parsed = self.parsed.lock().unwrap_or_else(|e| e.into_inner());
        parsed
            .documents
            .get(query)
            .is_some_and(|known| known.valid.iter().any(|v| v.as_deref() == operation))
    }

    /// Remembers that async-graphql validated operation `operation` of `query` (while
    /// the document is kept).
    pub fn remember_valid(&self, query: &str, operation: Option<&str>) {
        let mut parsed = self.parsed.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(known) = parsed.documents.get_mut(query)
            && !known.valid.iter().any(|v| v.as_deref() == operation)
        {
            known.valid.push(operation.map(str::to_string));
        }
    }

    /// The document of a trusted document's key or of a persisted query's SHA-256
    /// (either with or without the `sha256:` prefix).
    fn find(&self, id: &str) -> Option<String> {
        let key = document_key(id);
        if let Some(doc) = self.trusted.as_ref().and_then(|t| t.get(&key)) {
            return Some(doc.clone());
        }
        let apq = self.apq.lock().unwrap_or_else(|e| e.into_inner());
        apq.queries
            .get(key.strip_prefix("sha256:").unwrap_or(&key))
            .cloned()
    }

    fn remember(&self, hash: &str, query: &str) -> Result<(), Error> {
        let mut apq = self.apq.lock().unwrap_or_else(|e| e.into_inner());
        if apq.capacity == 0 {
            return Err(Error::bad_input(
                "automatic persisted queries are turned off on this server",
            ));
        }
        let hash = hash.to_ascii_lowercase();
        if apq.queries.contains_key(&hash) {
            return Ok(());
        }
        while apq.queries.len() >= apq.capacity {
            match apq.order.pop_front() {
                Some(old) => {
                    apq.queries.remove(&old);
                }
                None => break,
            }
        }
        apq.order.push_back(hash.clone());
        apq.queries.insert(hash, query.to_string());
        Ok(())
    }
}

/// A persisted query to share with the other processes, by its SHA-256.
pub enum Share {
    /// This process does not know the query: another may have registered it.
    Fetch(String),
    /// The request registers the query: the other processes learn it.
    Publish(String),
}

/// The request extension under which the endpoints pass a request's `documentId` (the
/// GraphQL-over-HTTP persisted-documents convention).
pub const DOCUMENT_ID: &str = "documentId";

/// A document's key as this server stores it: a SHA-256 in lower-case hex, prefixed
/// `sha256:` (`sha256:<hex>` and a bare 64-digit hex are the same key), or any other
/// key of a manifest (Relay's ids, a SHA-1) as it is.
fn document_key(key: &str) -> String {
    let hex = key.strip_prefix("sha256:").unwrap_or(key);
    if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        format!("sha256:{}", hex.to_ascii_lowercase())
    } else {
        key.to_string()
    }
}

/// The `documentId` the endpoint found in the request, taken out of its extensions.
fn document_id(request: &mut Request) -> Result<Option<String>, Error> {
    match request.extensions.remove(DOCUMENT_ID) {
        None => Ok(None),
        Some(Value::String(id)) if !id.is_empty() && id.len() <= 256 => Ok(Some(id)),
        Some(_) => Err(Error::bad_input(
            "`documentId` must be a document's id, such as sha256:<64 hex digits>",
        )),
    }
}

/// The hash of the request's `persistedQuery` extension, when it has one.
fn persisted_hash(request: &Request) -> Result<Option<String>, Error> {
    let Some(ext) = request.extensions.get("persistedQuery") else {
        return Ok(None);
    };
    let bad =
        || Error::bad_input("persistedQuery must be {\"version\": 1, \"sha256Hash\": \"...\"}");
    let Value::Object(ext) = ext else {
        return Err(bad());
    };
    if ext.get("version") != Some(&Value::from(1)) {
        return Err(bad());
    }
    match ext.get("sha256Hash") {
        Some(Value::String(h)) if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Ok(Some(h.clone()))
        }
        _ => Err(bad()),
    }
}
