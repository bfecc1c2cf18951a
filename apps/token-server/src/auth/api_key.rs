//! `TOKEN_SERVER_AUTH=api-key`: the LMS back end presents one of the configured keys.

use std::fmt;

use sha2::{Digest, Sha256};
use subtle::{Choice, ConstantTimeEq};
use video_core::config::ConfigError;

const RULE: &str = "must be a comma-separated list of keys, each at least 32 printable ASCII characters \
                    without spaces or commas";

/// The accepted API keys, kept only as SHA-256 digests. `Debug` shows how many there are.
#[derive(Clone)]
pub struct ApiKeys {
    digests: Vec<[u8; 32]>,
}

impl ApiKeys {
    /// The shortest accepted key, in characters.
    pub const MIN_CHARS: usize = 32;

    /// Parses `TOKEN_SERVER_API_KEYS`: one or more keys, comma-separated (white space around a
    /// key is ignored), each at least 32 printable ASCII characters with no space or comma.
    /// Several keys let an admin rotate without downtime: add the new key, move the LMS to
    /// it, remove the old one.
    pub fn parse(list: &str) -> Result<Self, ConfigError> {
        let mut digests = Vec::new();
        for key in list.split(',').map(str::trim) {
            let printable = key.bytes().all(|b| b.is_ascii_graphic());
            if key.len() < Self::MIN_CHARS || !printable {
                return Err(ConfigError::invalid("TOKEN_SERVER_API_KEYS", RULE));
            }
            digests.push(Sha256::digest(key.as_bytes()).into());
        }
        Ok(Self { digests })
    }

    /// Whether `presented` is one of the keys. Takes the same time whichever key matches, or
    /// none: the presented key is hashed, and every digest is compared in constant time.
    pub fn verify(&self, presented: &str) -> bool {
        let presented: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        let mut matched = Choice::from(0);
        for digest in &self.digests {
            matched |= digest.ct_eq(&presented);
        }
        matched.into()
    }

    /// How many keys are accepted.
    pub fn len(&self) -> usize {
        self.digests.len()
    }

    /// Never true: parsing refuses an empty list.
    pub fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }
}

impl fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKeys")
            .field("count", &self.digests.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_A: &str = "lms-backend-key-a-0123456789abcdef01";
    const KEY_B: &str = "lms-backend-key-b-0123456789abcdef01";

    #[test]
    fn accepts_every_listed_key_and_nothing_else() {
        let keys = ApiKeys::parse(&format!(" {KEY_A} ,{KEY_B}")).unwrap();
        assert_eq!(keys.len(), 2);
        assert!(keys.verify(KEY_A) && keys.verify(KEY_B));
        for wrong in [
            "",
            "lms-backend-key-a",
            &format!("{KEY_A} "),
            &KEY_A.to_uppercase(),
            "x",
        ] {
            assert!(!keys.verify(wrong), "{wrong:?}");
        }
    }

    #[test]
    fn refuses_short_or_unprintable_keys_without_echoing_them() {
        for bad in [
            "",
            "short",
            &format!("{KEY_A},"),
            &format!("{KEY_A},tiny"),
            "a key with spaces in it 0123456789",
            "ключ-ключ-ключ-ключ-ключ-ключ-ключ",
        ] {
            let error = ApiKeys::parse(bad).unwrap_err();
            assert_eq!(
                error,
                ConfigError::invalid("TOKEN_SERVER_API_KEYS", RULE),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn debug_shows_only_the_count() {
        let keys = ApiKeys::parse(KEY_A).unwrap();
        assert_eq!(format!("{keys:?}"), "ApiKeys { count: 1 }");
        assert!(!keys.is_empty());
    }
}
