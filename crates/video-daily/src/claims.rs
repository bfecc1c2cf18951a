//! The claims of a self-signed Daily meeting token, and how each [`Role`] maps to them.
//!
//! Daily accepts meeting tokens signed (HS256) with the domain's API key, whose claims use
//! abbreviated names ([Daily: self-signing meeting tokens][self-signing]). Only claims listed
//! there are used:
//!
//! | claim | Daily property | value |
//! |---|---|---|
//! | `r` | `room_name` | the requested room: the token admits to that room only |
//! | `d` | `domain_id` | `DAILY_DOMAIN_ID` |
//! | `iat` | (issue time) | now |
//! | `nbf` | `nbf` | now |
//! | `exp` | `exp` | now + `DAILY_TOKEN_TTL_HOURS` |
//! | `ud` | `user_id` | the participant's identity (Daily keeps at most 36 characters) |
//! | `u` | `user_name` | the display name, when one was given |
//! | `o` | `is_owner` | see the role table |
//! | `ss` | `enable_screenshare` | see the role table |
//! | `vo`, `ao` | `start_video_off`, `start_audio_off` | `true` for a viewer only (absent otherwise) |
//! | `p` | `permissions` | `hp` (`hasPresence`), `cs` (`canSend`), `cr` (`canReceive`) with `b` (`base`) |
//!
//! The role table (every flag set explicitly, so a room's or domain's defaults never widen it;
//! Daily applies the token first, then the room, then the domain):
//!
//! | role | `o` (owner) | `ss` | `p.hp` | `p.cs` | `p.cr.b` | `vo`, `ao` |
//! |---|---|---|---|---|---|---|
//! | host | **`true`** | `true` | `true` | `"v,a,sv,sa"` (video, audio, screen video, screen audio) | `true` | absent |
//! | participant | `false` | `false` | `true` | `"v,a"` (camera and microphone) | `true` | absent |
//! | viewer | `false` | `false` | `true` | **`false`** (nothing) | `true` | `true` |
//!
//! A host is a meeting owner (`o`): Daily lets an owner do what its `canAdmin` permission grants
//! (change others' permissions, remove them, start streaming or transcription), which is our
//! host's moderation, so no `canAdmin` claim is written. Daily's `permissions` (`p`) are the
//! defaults of participants who are not owners; the host's are written all the same.
//! What the table cannot say: Daily's permissions cover media only, so no role can be kept
//! from sending app messages (chat), and a viewer can chat.
//!
//! [self-signing]: https://docs.daily.co/reference/rest-api/meeting-tokens/self-signing-tokens

use serde::{Deserialize, Serialize};
use video_core::{JoinRequest, Role};

/// The longest `user_id` Daily keeps, in characters (Daily's `user_id` property: "a limit of
/// 36 characters").
pub const MAX_USER_ID_CHARS: usize = 36;

/// The payload of a self-signed Daily meeting token, with Daily's abbreviated names on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingTokenClaims {
    /// `r`: the one room the token admits to.
    #[serde(rename = "r")]
    pub room_name: String,
    /// `d`: the Daily domain's id.
    #[serde(rename = "d")]
    pub domain_id: String,
    /// `iat`: when the token was signed (Unix seconds).
    pub iat: u64,
    /// `nbf`: not valid before (Unix seconds).
    pub nbf: u64,
    /// `exp`: not valid from (Unix seconds).
    pub exp: u64,
    /// `ud`: the participant's identity, which Daily reports as the participant's `user_id`.
    #[serde(rename = "ud")]
    pub user_id: String,
    /// `u`: the name other participants see.
    #[serde(rename = "u", default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// `o`: a meeting owner (our host).
    #[serde(rename = "o")]
    pub is_owner: bool,
    /// `ss`: may share a screen.
    #[serde(rename = "ss")]
    pub enable_screenshare: bool,
    /// `vo`: join with the camera off.
    #[serde(rename = "vo", default, skip_serializing_if = "Option::is_none")]
    pub start_video_off: Option<bool>,
    /// `ao`: join with the microphone off.
    #[serde(rename = "ao", default, skip_serializing_if = "Option::is_none")]
    pub start_audio_off: Option<bool>,
    /// `p`: what the participant may send and receive.
    #[serde(rename = "p")]
    pub permissions: Permissions,
}

/// `p`: Daily's `permissions` property, abbreviated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permissions {
    /// `hp`: whether the participant appears in the call (`hasPresence`).
    #[serde(rename = "hp")]
    pub has_presence: bool,
    /// `cs`: what media the participant may send (`canSend`).
    #[serde(rename = "cs")]
    pub can_send: CanSend,
    /// `cr`: what media the participant may receive (`canReceive`).
    #[serde(rename = "cr")]
    pub can_receive: CanReceive,
}

/// `cs`: `true` or `false` for all or nothing, or a comma-separated list of `v` (video), `a`
/// (audio), `sv` (screen video) and `sa` (screen audio).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CanSend {
    /// All (`true`) or nothing (`false`).
    All(bool),
    /// The listed kinds, e.g. `"v,a"`.
    Kinds(String),
}

/// `cr`: what media the participant may receive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CanReceive {
    /// `b` (`base`): everything (`true`) or nothing (`false`) from every participant.
    #[serde(rename = "b")]
    pub base: bool,
}

/// The claims of a token for `request` in domain `domain_id`, valid from `now` for `ttl_secs`
/// seconds, with the permissions of the request's role (see the [role table](self)).
///
/// The identity is copied into `ud` as it is; [`crate::DailyProvider`] refuses identities longer
/// than [`MAX_USER_ID_CHARS`] before calling this.
pub fn meeting_token_claims(
    request: &JoinRequest,
    domain_id: &str,
    now: u64,
    ttl_secs: u64,
) -> MeetingTokenClaims {
    claims_for(
        request.room().as_str(),
        request.identity().as_str(),
        request.display_name().map(|name| name.as_str()),
        request.role(),
        domain_id,
        now,
        ttl_secs,
    )
}

/// The claims of [`meeting_token_claims`], from the request's parts.
pub(crate) fn claims_for(
    room: &str,
    user_id: &str,
    user_name: Option<&str>,
    role: Role,
    domain_id: &str,
    now: u64,
    ttl_secs: u64,
) -> MeetingTokenClaims {
    let (can_send, enable_screenshare) = match role {
        Role::Host => (CanSend::Kinds("v,a,sv,sa".to_owned()), true),
        Role::Participant => (CanSend::Kinds("v,a".to_owned()), false),
        Role::Viewer => (CanSend::All(false), false),
    };
    let starts_off = (role == Role::Viewer).then_some(true);
    MeetingTokenClaims {
        room_name: room.to_owned(),
        domain_id: domain_id.to_owned(),
        iat: now,
        nbf: now,
        exp: now.saturating_add(ttl_secs),
        user_id: user_id.to_owned(),
        user_name: user_name.map(str::to_owned),
        is_owner: role.can_moderate(),
        enable_screenshare,
        start_video_off: starts_off,
        start_audio_off: starts_off,
        permissions: Permissions {
            has_presence: true,
            can_send,
            can_receive: CanReceive { base: true },
        },
    }
}
