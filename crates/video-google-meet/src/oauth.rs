//! Google's OAuth 2.0 for service accounts: the signed assertion (a JWT, RFC 7523) and the
//! access token it is exchanged for, as Google documents them in [Using OAuth 2.0 for Server to
//! Server Applications][server-to-server].
//!
//! [server-to-server]: https://developers.google.com/identity/protocols/oauth2/service-account

use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// The one scope asked for: create meeting spaces, and see and edit the ones this app created
/// (`meetings.space.created`, the narrowest Meet REST API scope that allows `spaces.create`).
pub const MEET_SCOPE: &str = "https://www.googleapis.com/auth/meetings.space.created";

/// The assertion's audience (`aud`). Google: "When making an access token request this value is
/// always `https://oauth2.googleapis.com/token`", whatever the key file's `token_uri` (where the
/// assertion is sent) says; Google's own libraries write this constant too.
pub const TOKEN_AUDIENCE: &str = "https://oauth2.googleapis.com/token";

/// The token endpoint when a key file has no `token_uri`.
pub const DEFAULT_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";

/// The `grant_type` of the token request (RFC 7523, section 2.1).
pub(crate) const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// How long an assertion is valid: Google accepts at most one hour after `iat`.
pub(crate) const ASSERTION_LIFETIME_SECS: u64 = 3600;

/// A cached access token is refreshed this long before Google's `expires_in` runs out, so that
/// no request is sent with a token about to expire on the way.
pub(crate) const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// The assertion's claims: those of Google's "Forming the JWT claim set" (`iss`, `scope`, `aud`,
/// `exp`, `iat`), with `sub` for domain-wide delegation.
#[derive(Debug, Serialize)]
pub(crate) struct AssertionClaims<'a> {
    /// The service account's email (`client_email`).
    pub(crate) iss: &'a str,
    /// The Workspace user the service account acts for (domain-wide delegation).
    pub(crate) sub: &'a str,
    /// [`MEET_SCOPE`].
    pub(crate) scope: &'a str,
    /// [`TOKEN_AUDIENCE`].
    pub(crate) aud: &'a str,
    /// Now, in Unix seconds.
    pub(crate) iat: u64,
    /// `iat` + one hour.
    pub(crate) exp: u64,
}

/// Signs the assertion for the service account `client_email` (key `private_key_id`), acting
/// for `subject`, issued at `now` (Unix seconds): RS256, with the key id in the header (`kid`).
pub(crate) fn sign_assertion(
    key: &EncodingKey,
    private_key_id: &str,
    client_email: &str,
    subject: &str,
    now: u64,
) -> Result<SecretString, jsonwebtoken::errors::Error> {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(private_key_id.to_owned());
    let claims = AssertionClaims {
        iss: client_email,
        sub: subject,
        scope: MEET_SCOPE,
        aud: TOKEN_AUDIENCE,
        iat: now,
        exp: now.saturating_add(ASSERTION_LIFETIME_SECS),
    };
    jsonwebtoken::encode(&header, &claims, key).map(SecretString::from)
}

/// The token endpoint's answer to a good assertion (RFC 6749, section 5.1).
#[derive(Deserialize)]
pub(crate) struct TokenAnswer {
    pub(crate) access_token: String,
    pub(crate) expires_in: u64,
    pub(crate) token_type: String,
}

/// An access token and when to stop using it.
pub(crate) struct CachedToken {
    pub(crate) token: SecretString,
    pub(crate) refresh_at: Instant,
}

impl CachedToken {
    /// The token of `answer`, received at `sent_at` or later: used until [`REFRESH_MARGIN`]
    /// before `expires_in` (counted from `sent_at`, the safe side) runs out.
    pub(crate) fn new(token: SecretString, expires_in: u64, sent_at: Instant) -> Self {
        let lifetime = Duration::from_secs(expires_in).saturating_sub(REFRESH_MARGIN);
        Self {
            token,
            refresh_at: sent_at + lifetime,
        }
    }

    /// Whether the token may still be sent.
    pub(crate) fn is_fresh(&self) -> bool {
        Instant::now() < self.refresh_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_used_until_a_minute_before_it_expires() {
        let sent_at = Instant::now();
        let token = CachedToken::new("t".into(), 3599, sent_at);
        assert_eq!(token.refresh_at - sent_at, Duration::from_secs(3539));
        assert!(token.is_fresh());
        // A token that lives a minute or less is never reused.
        assert!(!CachedToken::new("t".into(), 60, sent_at).is_fresh());
        assert!(!CachedToken::new("t".into(), 0, sent_at).is_fresh());
    }

    #[test]
    fn claims_are_written_in_googles_order() {
        let claims = AssertionClaims {
            iss: "a@b.iam.gserviceaccount.com",
            sub: "teacher@school.example",
            scope: MEET_SCOPE,
            aud: TOKEN_AUDIENCE,
            iat: 1,
            exp: 3601,
        };
        let json = serde_json::to_string(&claims).unwrap();
        assert_eq!(
            json,
            r#"{"iss":"a@b.iam.gserviceaccount.com","sub":"teacher@school.example","scope":"https://www.googleapis.com/auth/meetings.space.created","aud":"https://oauth2.googleapis.com/token","iat":1,"exp":3601}"#
        );
    }
}
