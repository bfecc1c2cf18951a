//! The header and claims of a Twilio Video access token.
//!
//! Twilio's access tokens ([Twilio: access tokens][access-tokens]) are HS256 JWTs signed with an
//! API key's secret, with the header `{"typ": "JWT", "alg": "HS256", "cty": "twilio-fpa;v=1"}` and
//! these claims, as Twilio's helper libraries write them:
//!
//! | claim | value |
//! |---|---|
//! | `jti` | `{API key SID}-{iat}` |
//! | `iss` | the API key SID |
//! | `sub` | the account SID |
//! | `iat` | now (Twilio's Node.js helper writes it; the Python helper does not) |
//! | `nbf` | now (the Python helper writes it; the Node.js helper only when asked) |
//! | `exp` | now + `TWILIO_TOKEN_TTL_HOURS` (at most 24 hours) |
//! | `grants.identity` | the participant's identity (at most [`MAX_IDENTITY_LENGTH`] long) |
//! | `grants.video.room` | the room: the token admits to that room only |
//!
//! **Roles.** The video grant has no permissions: a token lets its holder publish, subscribe
//! and send data in its room, whatever the role. The role cannot be written into the token, so
//! every role gets the same claims; limits on what a viewer or a participant sends hold only in
//! a client that applies them (ours does), not at Twilio. A host's moderation (removing a
//! participant, ending the room) is done with Twilio's REST API, which this crate does not call.
//!
//! [access-tokens]: https://www.twilio.com/docs/iam/access-tokens

use serde::{Deserialize, Serialize};

/// The header's content type, which marks a Twilio access token.
pub const CONTENT_TYPE: &str = "twilio-fpa;v=1";

/// The longest participant identity Twilio Video accepts: 128 characters, "double-byte"
/// characters counting as two ([Twilio error 53200](https://www.twilio.com/docs/api/errors/53200)).
pub const MAX_IDENTITY_LENGTH: usize = 128;

/// An identity's length as Twilio counts it, read cautiously: one for an ASCII character, two
/// for any other (Twilio does not say which characters are "double-byte").
pub fn identity_length(identity: &str) -> usize {
    identity
        .chars()
        .map(|c| if c.is_ascii() { 1 } else { 2 })
        .sum()
}

/// The payload of a Twilio access token with a video grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessTokenClaims {
    /// `jti`: `{API key SID}-{iat}`.
    pub jti: String,
    /// `iss`: the API key SID whose secret signed the token.
    pub iss: String,
    /// `sub`: the account SID.
    pub sub: String,
    /// `iat`: when the token was signed (Unix seconds).
    pub iat: u64,
    /// `nbf`: not valid before (Unix seconds).
    pub nbf: u64,
    /// `exp`: not valid from (Unix seconds).
    pub exp: u64,
    /// `grants`: who the holder is and what they may join.
    pub grants: Grants,
}

/// `grants`: the identity and the video grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grants {
    /// `identity`: the participant's identity in the room.
    pub identity: String,
    /// `video`: the video grant.
    pub video: VideoGrant,
}

/// `video`: the one room the token admits to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoGrant {
    /// `room`: the room's name.
    pub room: String,
}

/// The claims of a token signed with API key `api_key_sid` of account `account_sid`, for
/// `identity` in `room`, valid from `now` for `ttl_secs` seconds.
pub fn access_token_claims(
    account_sid: &str,
    api_key_sid: &str,
    identity: &str,
    room: &str,
    now: u64,
    ttl_secs: u64,
) -> AccessTokenClaims {
    AccessTokenClaims {
        jti: format!("{api_key_sid}-{now}"),
        iss: api_key_sid.to_owned(),
        sub: account_sid.to_owned(),
        iat: now,
        nbf: now,
        exp: now.saturating_add(ttl_secs),
        grants: Grants {
            identity: identity.to_owned(),
            video: VideoGrant {
                room: room.to_owned(),
            },
        },
    }
}
