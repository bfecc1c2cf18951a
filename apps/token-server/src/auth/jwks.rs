//! The public keys of the LMS, from a JWKS file or URL, cached and refreshed.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};

/// The largest JWKS document accepted.
const MAX_JWKS_BYTES: u64 = 1024 * 1024;

/// Where the keys come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwksSource {
    /// `AUTH_JWKS_FILE`: read from disk (again on an unknown `kid`, so a rotated file is seen).
    File(PathBuf),
    /// `AUTH_JWKS_URL`: fetched over HTTP(S).
    Url(String),
}

/// Why a JWKS could not be loaded. Never contains key material.
#[derive(Debug, thiserror::Error)]
pub enum JwksError {
    /// Reading the file failed.
    #[error("could not read the JWKS file")]
    Read(#[source] std::io::Error),
    /// Fetching the URL failed (connection, timeout, non-2xx status, oversized body).
    #[error("could not fetch the JWKS URL")]
    Fetch(#[source] Box<ureq::Error>),
    /// The document is not a JWKS.
    #[error("the JWKS is not a valid JSON Web Key Set")]
    Parse(#[source] serde_json::Error),
    /// The document holds no RS256 or ES256 signing key.
    #[error("the JWKS holds no RS256 or ES256 signing key")]
    NoUsableKey,
}

/// One usable key: what it verifies and with which algorithm. Shared (`Arc`) so that a lookup
/// per request costs a reference count, not a copy of the key.
pub(crate) struct PublicKey {
    pub(crate) key: DecodingKey,
    pub(crate) algorithm: Algorithm,
}

#[derive(Default)]
struct KeySet {
    by_kid: HashMap<String, Arc<PublicKey>>,
    without_kid: Vec<Arc<PublicKey>>,
}

impl KeySet {
    fn len(&self) -> usize {
        self.by_kid.len() + self.without_kid.len()
    }

    /// The key for `kid`; a token without `kid` is accepted only when the set has one key.
    fn find(&self, kid: Option<&str>) -> Option<Arc<PublicKey>> {
        match kid {
            Some(kid) => self.by_kid.get(kid).cloned(),
            None if self.len() == 1 => self
                .by_kid
                .values()
                .chain(&self.without_kid)
                .next()
                .cloned(),
            None => None,
        }
    }
}

/// Parses a JWKS, keeping only RS256 (RSA) and ES256 (EC P-256) signature keys. Symmetric
/// (`oct`) keys, encryption keys and other algorithms are ignored: they could open the door to
/// algorithm confusion.
fn parse(text: &str) -> Result<KeySet, JwksError> {
    let set: JwkSet = serde_json::from_str(text).map_err(JwksError::Parse)?;
    let mut keys = KeySet::default();
    for jwk in &set.keys {
        if matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption)) {
            continue;
        }
        let declared = jwk.common.key_algorithm;
        let algorithm = match &jwk.algorithm {
            AlgorithmParameters::RSA(_) if matches!(declared, None | Some(KeyAlgorithm::RS256)) => {
                Algorithm::RS256
            }
            AlgorithmParameters::EllipticCurve(ec)
                if ec.curve == EllipticCurve::P256
                    && matches!(declared, None | Some(KeyAlgorithm::ES256)) =>
            {
                Algorithm::ES256
            }
            _ => continue,
        };
        let Ok(key) = DecodingKey::from_jwk(jwk) else {
            continue;
        };
        let key = Arc::new(PublicKey { key, algorithm });
        match &jwk.common.key_id {
            Some(kid) => {
                keys.by_kid.insert(kid.clone(), key);
            }
            None => keys.without_kid.push(key),
        }
    }
    if keys.len() == 0 {
        return Err(JwksError::NoUsableKey);
    }
    Ok(keys)
}

/// A cached JWKS.
///
/// Keys are loaded at startup, reloaded in the background once they are older than the cache
/// lifetime, and reloaded at once when a token names an unknown `kid` (at most once per
/// minimum interval, so random `kid`s cannot make us hammer the LMS). A failed load keeps the
/// keys we have: tokens that verified before still verify.
pub(crate) struct Jwks {
    source: JwksSource,
    timeout: Duration,
    cache_for: Duration,
    min_refresh_interval: Duration,
    keys: RwLock<Arc<KeySet>>,
    loaded_at: RwLock<Option<Instant>>,
    last_attempt: RwLock<Option<Instant>>,
    refreshing: AtomicBool,
}

/// What looking a key up can end in.
pub(crate) enum Lookup {
    /// The key to verify with.
    Found(Arc<PublicKey>),
    /// The set has keys, but none for this `kid` (or the token has no `kid` and the set has
    /// several keys).
    Unknown,
    /// No key could be loaded at all.
    Unavailable,
}

impl Jwks {
    pub(crate) fn new(
        source: JwksSource,
        timeout: Duration,
        cache_for: Duration,
        min_refresh_interval: Duration,
    ) -> Self {
        Self {
            source,
            timeout,
            cache_for,
            min_refresh_interval,
            keys: RwLock::new(Arc::new(KeySet::default())),
            loaded_at: RwLock::new(None),
            last_attempt: RwLock::new(None),
            refreshing: AtomicBool::new(false),
        }
    }

    /// Loads the keys now (blocking) and replaces the cached set on success. Returns how many
    /// usable keys were loaded.
    pub(crate) fn load(&self) -> Result<usize, JwksError> {
        write(&self.last_attempt, Some(Instant::now()));
        let text = match &self.source {
            JwksSource::File(path) => std::fs::read_to_string(path).map_err(JwksError::Read)?,
            JwksSource::Url(url) => self.fetch(url)?,
        };
        let keys = parse(&text)?;
        let count = keys.len();
        write(&self.keys, Arc::new(keys));
        write(&self.loaded_at, Some(Instant::now()));
        Ok(count)
    }

    fn fetch(&self, url: &str) -> Result<String, JwksError> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(self.timeout))
            .max_redirects(3)
            .build()
            .into();
        let fetch = || -> Result<String, ureq::Error> {
            agent
                .get(url)
                .header("Accept", "application/jwk-set+json, application/json")
                .call()?
                .body_mut()
                .with_config()
                .limit(MAX_JWKS_BYTES)
                .read_to_string()
        };
        fetch().map_err(|error| JwksError::Fetch(Box::new(error)))
    }

    /// How many usable keys are cached.
    pub(crate) fn key_count(&self) -> usize {
        read(&self.keys).len()
    }

    /// The key for a token's `kid`, reloading the set first when the `kid` is unknown.
    pub(crate) async fn lookup(self: &Arc<Self>, kid: Option<&str>) -> Lookup {
        let keys = read(&self.keys);
        if let Some(key) = keys.find(kid) {
            if self.is_stale() {
                self.refresh_in_background();
            }
            return Lookup::Found(key);
        }
        if self.may_refresh_now() {
            let jwks = Arc::clone(self);
            let outcome = actix_web::web::block(move || jwks.load()).await;
            if let Ok(Err(error)) = outcome {
                log::warn!(
                    "JWKS reload for an unknown key failed: {}",
                    crate::telemetry::error_chain(&error)
                );
            }
        }
        let keys = read(&self.keys);
        match keys.find(kid) {
            Some(key) => Lookup::Found(key),
            None if keys.len() == 0 => Lookup::Unavailable,
            None => Lookup::Unknown,
        }
    }

    fn is_stale(&self) -> bool {
        read(&self.loaded_at).is_none_or(|at| at.elapsed() >= self.cache_for)
    }

    fn may_refresh_now(&self) -> bool {
        read(&self.last_attempt).is_none_or(|at| at.elapsed() >= self.min_refresh_interval)
    }

    fn refresh_in_background(self: &Arc<Self>) {
        if !self.may_refresh_now() || self.refreshing.swap(true, Ordering::AcqRel) {
            return;
        }
        let jwks = Arc::clone(self);
        std::thread::spawn(move || {
            if let Err(error) = jwks.load() {
                log::warn!(
                    "JWKS background reload failed, keeping the cached keys: {}",
                    crate::telemetry::error_chain(&error)
                );
            }
            jwks.refreshing.store(false, Ordering::Release);
        });
    }
}

/// Reads a lock, recovering from poisoning (the data is replaced whole, so it is never torn).
fn read<T: Clone>(lock: &RwLock<T>) -> T {
    lock.read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

fn write<T>(lock: &RwLock<T>, value: T) {
    *lock
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = value;
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSA_JWK: &str = r#"{"kty":"RSA","kid":"r1","n":"sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw","e":"AQAB","alg":"RS256","use":"sig"}"#;

    #[test]
    fn keeps_only_signature_keys_of_accepted_algorithms() {
        let text = format!(
            r#"{{"keys":[{RSA_JWK},
            {{"kty":"oct","kid":"sym","k":"c2VjcmV0"}},
            {{"kty":"RSA","kid":"enc","use":"enc","n":"sXch","e":"AQAB"}},
            {{"kty":"RSA","kid":"ps","alg":"PS256","n":"sXch","e":"AQAB"}}]}}"#
        );
        let keys = parse(&text).unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys.find(Some("r1")).unwrap().algorithm, Algorithm::RS256);
        assert!(
            keys.find(Some("sym")).is_none(),
            "symmetric keys are never taken from a JWKS"
        );
        assert!(
            keys.find(None).is_some(),
            "one key: a token without kid may use it"
        );
    }

    #[test]
    fn refuses_documents_without_usable_keys() {
        assert!(matches!(
            parse(r#"{"keys":[]}"#),
            Err(JwksError::NoUsableKey)
        ));
        assert!(matches!(parse("not json"), Err(JwksError::Parse(_))));
        assert!(matches!(
            parse(r#"{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}"#),
            Err(JwksError::NoUsableKey)
        ));
    }
}
