//! Who is asking: API keys, their scopes, and what each scope may do.
//!
//! A key is `agora_` followed by 43 characters (256 random bits, URL-safe base64). Only
//! its SHA-256 is stored: a slow hash would add nothing to a secret that long. Keys belong
//! to one partner organisation and carry scopes: `read` (private fields, history, change
//! feed), `write` (also create records, and change those whose provenance is the
//! partner's), `admin` (also change any record, and assign records to partners).

pub mod keys;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// What a key may do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scopes {
    /// Read private fields, history and the change feed.
    pub read: bool,
    /// Write the partner's own records (implies `read`).
    pub write: bool,
    /// Write any record (implies `write`).
    pub admin: bool,
}

impl Scopes {
    /// Reads a comma-separated list such as `read,write`.
    pub fn parse(text: &str) -> Result<Scopes> {
        let mut s = Scopes::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part {
                "read" => s.read = true,
                "write" => s.write = true,
                "admin" => s.admin = true,
                other => {
                    return Err(Error::bad_input(format!(
                        "unknown scope `{other}`: use read, write or admin"
                    )));
                }
            }
        }
        if s.admin {
            s.write = true;
        }
        if s.write {
            s.read = true;
        }
        if !s.read {
            return Err(Error::bad_input("a key needs at least one scope"));
        }
        Ok(s)
    }

    /// The stored form, such as `read,write`.
    pub fn to_text(self) -> String {
        let mut parts = Vec::new();
        if self.read {
            parts.push("read");
        }
        if self.write {
            parts.push("write");
        }
        if self.admin {
            parts.push("admin");
        }
        parts.join(",")
    }
}

/// The caller of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// No key: public data only.
    Anonymous,
    /// A valid key.
    Partner {
        /// The key's id.
        key_id: i64,
        /// The organisation the key belongs to.
        organisation_id: i64,
        /// What the key may do.
        scopes: Scopes,
    },
}

impl Principal {
    /// Fails unless the caller has a key (any scope): for private fields and history.
    pub fn require_read(&self) -> Result<()> {
        match self {
            Principal::Anonymous => Err(Error::Unauthenticated(
                "this needs an API key (Authorization: Bearer <key>)".into(),
            )),
            Principal::Partner { .. } => Ok(()),
        }
    }

    /// Fails unless the caller may write: `UNAUTHENTICATED` without a key, `FORBIDDEN`
    /// with a key lacking the `write` scope.
    pub fn require_write(&self) -> Result<()> {
        match self {
            Principal::Anonymous => Err(Error::Unauthenticated(
                "writing needs an API key (Authorization: Bearer <key>)".into(),
            )),
            Principal::Partner { scopes, .. } if !scopes.write => {
                Err(Error::Forbidden("this API key may not write".into()))
            }
            Principal::Partner { .. } => Ok(()),
        }
    }

    /// Whether the caller has the `admin` scope.
    pub fn is_admin(&self) -> bool {
        matches!(self, Principal::Partner { scopes, .. } if scopes.admin)
    }

    /// The caller's organisation, if it has a key.
    pub fn organisation(&self) -> Option<i64> {
        match self {
            Principal::Anonymous => None,
            Principal::Partner {
                organisation_id, ..
            } => Some(*organisation_id),
        }
    }

    /// The caller's key, if any.
    pub fn key(&self) -> Option<i64> {
        match self {
            Principal::Anonymous => None,
            Principal::Partner { key_id, .. } => Some(*key_id),
        }
    }

    /// Fails unless the caller may change a record supplied by `partner`: admins may
    /// change anything, partners the records whose provenance is their own.
    pub fn may_change(&self, partner: Option<i64>) -> Result<()> {
        self.require_write()?;
        if self.is_admin() || (partner.is_some() && partner == self.organisation()) {
            Ok(())
        } else {
            Err(Error::Forbidden(
                "this record was supplied by another partner: only its supplier or an admin may change it"
                    .into(),
            ))
        }
    }
}

/// A new random key (the secret shown once) and the hash to store.
pub fn new_key() -> Result<(String, String)> {
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| Error::internal(format!("no randomness: {e}")))?;
    let key = format!("agora_{}", URL_SAFE_NO_PAD.encode(bytes));
    let hash = hash_key(&key);
    Ok((key, hash))
}

/// The stored form of a key.
pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// The key in an `Authorization: Bearer <key>` header value.
pub fn bearer(header: &str) -> Option<&str> {
    let (scheme, key) = header.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(key.trim())
        .filter(|k| !k.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_imply_each_other() {
        let admin = Scopes::parse("admin").unwrap();
        assert!(admin.read && admin.write && admin.admin);
        assert_eq!(Scopes::parse("write").unwrap().to_text(), "read,write");
        assert!(Scopes::parse("root").is_err());
        assert!(Scopes::parse("").is_err());
    }

    #[test]
    fn keys_are_long_random_and_hashed() {
        let (a, ha) = new_key().unwrap();
        let (b, _) = new_key().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), "agora_".len() + 43);
        assert_eq!(hash_key(&a), ha);
        assert_eq!(bearer(&format!("Bearer {a}")), Some(a.as_str()));
        assert_eq!(bearer("Basic abc"), None);
    }

    #[test]
    fn the_access_matrix() {
        let partner = |org, scopes: &str| Principal::Partner {
            key_id: 1,
            organisation_id: org,
            scopes: Scopes::parse(scopes).unwrap(),
        };
        let code = |r: Result<()>| r.err().map(|e| e.code());
        assert_eq!(
            code(Principal::Anonymous.may_change(Some(1))),
            Some("UNAUTHENTICATED")
        );
        assert_eq!(
            code(partner(1, "read").may_change(Some(1))),
            Some("FORBIDDEN")
        );
        assert_eq!(code(partner(1, "write").may_change(Some(1))), None);
        assert_eq!(
            code(partner(1, "write").may_change(Some(2))),
            Some("FORBIDDEN")
        );
        assert_eq!(
            code(partner(1, "write").may_change(None)),
            Some("FORBIDDEN")
        );
        assert_eq!(code(partner(1, "admin").may_change(Some(2))), None);
        assert_eq!(code(partner(1, "admin").may_change(None)), None);
    }
}
