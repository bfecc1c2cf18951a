//! `/api/video/rooms`: room administration for instructors and the LMS back end. Open, list,
//! describe and end rooms; list, describe and remove participants; mute a track; change what a
//! participant may publish (invite to speak, send back).
//!
//! A request goes: authenticate the caller → may it administer this room ([`may_administer`])?
//! → [`RoomAdmin`] (`video-core`), implemented by the provider's crate → the provider. Every
//! action that changes something, and every read of who is in a room, writes an audit record:
//! who, what, to whom, which room; never a token or a secret.

use std::collections::BTreeMap;
use std::time::SystemTime;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::openapi::{RefOr, Response};
use utoipa::{IntoParams, IntoResponses, ToSchema};
use video_core::{
    Missing, NameError, ParticipantIdentity, ParticipantInfo, Role, RoomAdmin, RoomAdminError,
    RoomInfo, RoomName, RoomOptions, TrackId, TrackInfo, TrackSource,
};

use crate::auth::{AuthError, Caller, Denied};
use crate::problem::{ApiError, ErrorDoc, error_responses};
use crate::query::{NameSchema, ProviderSchema, parse_pairs};
use crate::routes::token::{authorization, rfc3339};
use crate::startup::AppState;
use crate::telemetry;

/// The most participants a room may be opened for.
pub(crate) const MAX_PARTICIPANTS: u32 = 10_000;
/// The longest empty timeout a room may be opened with: a day.
pub(crate) const MAX_EMPTY_TIMEOUT_SECONDS: u32 = 86_400;
/// The longest room metadata, in characters.
pub(crate) const MAX_METADATA_CHARS: usize = 1024;

/// An open room.
#[derive(Serialize, ToSchema)]
pub(crate) struct RoomResponse {
    /// The room's name.
    #[schema(example = "physics-101")]
    name: String,
    /// How many participants are in it now.
    #[schema(example = 2)]
    participants: u32,
    /// When it was opened.
    #[schema(format = DateTime, example = "2026-12-01T08:00:00Z")]
    created_at: String,
    /// The most participants it admits at once; `null` for no limit of ours.
    #[schema(example = 40)]
    max_participants: Option<u32>,
    /// How long it stays open with no one in it, in seconds; `null` for the provider's default.
    #[schema(example = 600)]
    empty_timeout_seconds: Option<u64>,
    /// The application's metadata; empty when none was set.
    #[schema(example = "course-42")]
    metadata: String,
}

impl From<&RoomInfo> for RoomResponse {
    fn from(room: &RoomInfo) -> Self {
        Self {
            name: room.name.as_str().to_owned(),
            participants: room.participants,
            created_at: rfc3339(room.created_at),
            max_participants: room.max_participants,
            empty_timeout_seconds: room.empty_timeout.map(|t| t.as_secs()),
            metadata: room.metadata.clone(),
        }
    }
}

/// The open rooms the caller may administer.
#[derive(Serialize, ToSchema)]
pub(crate) struct RoomsResponse {
    /// By name.
    pub(crate) rooms: Vec<RoomResponse>,
}

/// A published track.
#[derive(Serialize, ToSchema)]
pub(crate) struct TrackResponse {
    /// The provider's id of the track.
    #[schema(example = "TR_AMkd8SwJx3vC")]
    id: String,
    /// `audio` or `video`.
    #[schema(example = "audio")]
    kind: &'static str,
    /// `camera`, `microphone`, `screen_share` or `screen_share_audio`; `null` when unknown.
    #[schema(example = "microphone")]
    source: Option<&'static str>,
    /// Whether it is muted now.
    #[schema(example = false)]
    muted: bool,
    /// The name the publishing client gave it; may be empty.
    #[schema(example = "")]
    name: String,
}

impl From<&TrackInfo> for TrackResponse {
    fn from(track: &TrackInfo) -> Self {
        Self {
            id: track.id.as_str().to_owned(),
            kind: track.kind.as_str(),
            source: track.source.map(TrackSource::as_str),
            muted: track.muted,
            name: track.name.clone(),
        }
    }
}

/// A participant in a room.
#[derive(Serialize, ToSchema)]
pub(crate) struct ParticipantResponse {
    /// Their identity (the LMS user id).
    #[schema(example = "student-42")]
    identity: String,
    /// The name others see, if any.
    #[schema(example = "Bob Brown")]
    display_name: Option<String>,
    /// `host`, `participant` or `viewer`, as their token granted; `null` when not known.
    #[schema(example = "participant")]
    role: Option<&'static str>,
    /// When they joined.
    #[schema(format = DateTime, example = "2026-12-01T08:00:05Z")]
    joined_at: String,
    /// What they may publish now; empty when nothing.
    #[schema(example = json!(["camera", "microphone"]))]
    publish_sources: Vec<&'static str>,
    /// The tracks they publish now.
    tracks: Vec<TrackResponse>,
}

impl From<&ParticipantInfo> for ParticipantResponse {
    fn from(participant: &ParticipantInfo) -> Self {
        Self {
            identity: participant.identity.as_str().to_owned(),
            display_name: participant
                .display_name
                .as_ref()
                .map(|n| n.as_str().to_owned()),
            role: participant.role.map(Role::as_str),
            joined_at: rfc3339(participant.joined_at),
            publish_sources: participant
                .publish_sources
                .iter()
                .map(|s| s.as_str())
                .collect(),
            tracks: participant.tracks.iter().map(TrackResponse::from).collect(),
        }
    }
}

/// The participants in a room.
#[derive(Serialize, ToSchema)]
pub(crate) struct ParticipantsResponse {
    /// By time of joining.
    pub(crate) participants: Vec<ParticipantResponse>,
}

/// How to open a room. Only `name` is required.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OpenRoomRequest {
    /// The room, by the name rules of the token endpoint.
    #[schema(value_type = NameSchema, inline, example = "physics-101")]
    name: String,
    /// The most participants it admits at once, 1 to 10000.
    #[schema(value_type = Option<u32>, example = 40, minimum = 1, maximum = 10000)]
    max_participants: Option<serde_json::Number>,
    /// How long it stays open with no one in it, in seconds, 1 to 86400.
    #[schema(value_type = Option<u32>, example = 600, minimum = 1, maximum = 86400)]
    empty_timeout_seconds: Option<serde_json::Number>,
    /// Free text for the application, at most 1024 characters; visible to participants.
    #[schema(example = "course-42", max_length = 1024)]
    metadata: Option<String>,
}

/// Mute or unmute one track.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MuteRequest {
    /// `true` to mute; `false` to unmute (only where the provider allows it).
    #[schema(example = true)]
    muted: bool,
}

/// What a participant may publish from now on.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PermissionsRequest {
    /// Any of the sources (a repeated one counts once); empty for nothing. `["camera", "microphone"]`
    /// invites a student to speak; `[]` sends them back.
    #[schema(example = json!(["camera", "microphone"]), max_items = 4)]
    publish_sources: Vec<SourceName>,
}

/// A kind of track: the provider-neutral names of [`TrackSource`].
#[derive(Deserialize, ToSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum SourceName {
    /// The camera.
    Camera,
    /// The microphone.
    Microphone,
    /// A shared screen or window.
    ScreenShare,
    /// The audio of a shared screen or tab.
    ScreenShareAudio,
}

impl From<SourceName> for TrackSource {
    fn from(name: SourceName) -> Self {
        match name {
            SourceName::Camera => Self::Camera,
            SourceName::Microphone => Self::Microphone,
            SourceName::ScreenShare => Self::ScreenShare,
            SourceName::ScreenShareAudio => Self::ScreenShareAudio,
        }
    }
}

/// The body of a request, parsed strictly: declared `application/json`, JSON, no unknown member.
/// serde's messages can quote the input, so the answer says only which shape was expected.
fn body<T: for<'de> Deserialize<'de>>(
    request: &HttpRequest,
    bytes: &[u8],
    shape: &'static str,
) -> Result<T, ApiError> {
    let json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(ApiError::UnsupportedMediaType);
    }
    serde_json::from_slice(bytes).map_err(|_| ApiError::InvalidBody(shape))
}

/// A JSON number from 1 to `max` that is a whole number, written as JSON Schema's `integer`
/// allows (`40` or `40.0`).
fn whole(number: &serde_json::Number, max: u32) -> Result<u32, ApiError> {
    let value = match number.as_u64() {
        Some(value) => Some(value),
        None => number
            .as_f64()
            .filter(|value| value.fract() == 0.0 && (1.0..=f64::from(max)).contains(value))
            .map(|value| value as u64),
    };
    value
        .and_then(|value| u32::try_from(value).ok())
        .filter(|value| (1..=max).contains(value))
        .ok_or(ApiError::InvalidBody(OPEN_ROOM_SHAPE))
}

fn path_name<T>(
    parameter: &'static str,
    value: String,
    parse: fn(String) -> Result<T, NameError>,
) -> Result<T, ApiError> {
    parse(value).map_err(|source| ApiError::InvalidPathName { parameter, source })
}

fn room_in_path(room: String) -> Result<RoomName, ApiError> {
    path_name("room", room, RoomName::parse)
}

fn identity_in_path(identity: String) -> Result<ParticipantIdentity, ApiError> {
    path_name("identity", identity, ParticipantIdentity::parse)
}

/// The query parameters of every room route: only `provider`.
pub(crate) const ROOMS_PARAMETERS: &[&str] = &["provider"];

/// The query of every room route, for the OpenAPI document.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Read by `parse_pairs` from the raw query; this is its documentation.
pub(crate) struct RoomsQuery {
    /// The provider whose rooms to administer, when the server has several enabled
    /// (`VIDEO_PROVIDERS`); the default (`VIDEO_PROVIDER`) when absent. A provider without
    /// this operation answers 501.
    #[param(value_type = Option<ProviderSchema>, inline, example = "livekit")]
    provider: Option<String>,
}

/// The room administration of the provider the request names (`provider=`, or the default),
/// authenticating the caller; `operation` is the [`RoomAdmin`] method the route calls, named
/// in the 501 of a provider without room administration.
async fn caller<'a>(
    request: &HttpRequest,
    state: &'a AppState,
    operation: &'static str,
) -> Result<(&'a dyn RoomAdmin, Caller), ApiError> {
    if let Some(peer) = request.peer_addr() {
        state.limiter.check_ip(peer.ip()).map_err(|limited| {
            state.metrics.rate_limited("ip");
            ApiError::RateLimited(limited)
        })?;
    }
    let caller = state
        .auth
        .authenticate(authorization(request))
        .await
        .map_err(|error| {
            state.metrics.auth_failure(&error);
            ApiError::Unauthenticated(error)
        })?;
    let [provider] = parse_pairs::<1>(request.query_string(), ROOMS_PARAMETERS)?;
    let provider = state.providers.select(provider.as_deref())?;
    let admin = provider
        .rooms
        .as_deref()
        .ok_or(ApiError::Rooms(RoomAdminError::Unsupported {
            provider: provider.name(),
            operation,
        }))?;
    Ok((admin, caller))
}

/// Whether `caller` may administer `room`: the LMS back end and (development) anyone may; a
/// user may when the session token allows the room and grants `host`.
pub(crate) fn may_administer(caller: &Caller, room: &RoomName) -> Result<(), ApiError> {
    if let Caller::User(grant) = caller {
        if !grant.rooms.allows(room) {
            return Err(ApiError::Forbidden(Denied::RoomNotAllowed));
        }
        if grant.role != Some(Role::Host) {
            return Err(ApiError::NotRoomHost);
        }
    }
    Ok(())
}

/// Who acted, for the audit record: the user's identity, or how the caller was vouched for.
fn actor(caller: &Caller) -> String {
    match caller {
        Caller::Anyone => "anyone".to_owned(),
        Caller::Backend => "api-key".to_owned(),
        Caller::User(grant) => format!("{:?}", grant.identity.as_str()),
    }
}

/// The audit record of one action: `room <action> room="…" [identity="…" …] by=… auth=…`, the
/// same from the routes and from the `rooms` command (`by=cli auth=operator`).
pub(crate) fn audit_record(
    action: &str,
    room: &RoomName,
    detail: &str,
    by: &str,
    auth: &str,
) -> String {
    format!(
        "room {action} room={:?}{detail} by={by} auth={auth}",
        room.as_str()
    )
}

fn audit(
    request: &HttpRequest,
    state: &AppState,
    caller: &Caller,
    action: &str,
    room: &RoomName,
    detail: String,
) {
    telemetry::audit(request, || {
        audit_record(
            action,
            room,
            &detail,
            &actor(caller),
            &state.auth.mode().to_string(),
        )
    });
}

fn rooms_error(error: RoomAdminError) -> ApiError {
    ApiError::Rooms(error)
}

struct RoomErrors;

/// The 401 and 403 of a route that only the LMS back end or a host of the room may call (the
/// room routes and the attendance report).
pub(crate) fn host_only_errors() -> [ErrorDoc; 2] {
    [
        ErrorDoc {
            description: "Credentials are missing or invalid.",
            headers: &[(
                "WWW-Authenticate",
                "`Bearer`, or `Bearer error=\"invalid_token\"`",
            )],
            samples: vec![ApiError::Unauthenticated(AuthError::Missing)],
        },
        ErrorDoc {
            description: "The session token does not allow this room, or does not grant `host`.",
            headers: &[],
            samples: vec![
                ApiError::Forbidden(Denied::RoomNotAllowed),
                ApiError::NotRoomHost,
            ],
        },
    ]
}

/// The errors every room route may answer, besides its own 400s and 404s.
fn common_errors(mut bad_request: Vec<ApiError>, not_found: Vec<ApiError>) -> Vec<ErrorDoc> {
    bad_request.extend([
        ApiError::ProviderNotEnabled(vec!["livekit", "daily"]),
        ApiError::UnknownParameter(ROOMS_PARAMETERS),
    ]);
    let mut docs = vec![
        ErrorDoc {
            description: "A name in the path or the body breaks the rules, or the body is not \
                the JSON this route takes; or the query has a parameter other than `provider`, \
                or `provider` names a provider this server has not enabled.",
            headers: &[],
            samples: bad_request,
        },
        ErrorDoc {
            description: "The provider has no such operation: today Daily, Twilio and Google Meet \
                have no room administration here (docs/providers says what each provider \
                supports).",
            headers: &[],
            samples: vec![ApiError::Rooms(RoomAdminError::Unsupported {
                provider: "daily",
                operation: "end_room",
            })],
        },
        ErrorDoc {
            description: "Too many requests from this address.",
            headers: &[("Retry-After", "Seconds to wait before retrying.")],
            samples: vec![ApiError::RateLimited(std::time::Duration::from_secs(1))],
        },
        ErrorDoc {
            description: "The video provider's room service failed (logged).",
            headers: &[],
            samples: vec![ApiError::Rooms(RoomAdminError::Internal {
                provider: "livekit",
                source: "the provider's reason, logged only".into(),
            })],
        },
        ErrorDoc {
            description: "The video provider's room service cannot be reached or did not answer \
                within `LIVEKIT_API_TIMEOUT_MS`.",
            headers: &[("Retry-After", "Seconds to wait before retrying.")],
            samples: vec![ApiError::Rooms(RoomAdminError::Unavailable {
                provider: "livekit",
                source: "the provider's reason, logged only".into(),
            })],
        },
    ];
    if !not_found.is_empty() {
        docs.push(ErrorDoc {
            description: "The room is not open, or the participant or track is not in it.",
            headers: &[],
            samples: not_found,
        });
    }
    docs.extend(host_only_errors());
    docs
}

/// The 413 and 415 of the routes that take a body.
fn body_errors() -> [ErrorDoc; 2] {
    [
        ErrorDoc {
            description: "The body is larger than 16384 bytes, or chunked.",
            headers: &[],
            samples: vec![ApiError::PayloadTooLarge],
        },
        ErrorDoc {
            description: "The body is not declared `Content-Type: application/json`.",
            headers: &[],
            samples: vec![ApiError::UnsupportedMediaType],
        },
    ]
}

fn invalid_room() -> ApiError {
    ApiError::InvalidPathName {
        parameter: "room",
        source: NameError::TooLong { len: 257 },
    }
}

fn not_found(what: &[Missing]) -> Vec<ApiError> {
    what.iter()
        .map(|m| ApiError::Rooms(RoomAdminError::NotFound(*m)))
        .collect()
}

impl IntoResponses for RoomErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        error_responses(common_errors(
            vec![invalid_room()],
            not_found(&[Missing::Room]),
        ))
    }
}

struct OpenRoomErrors;

impl IntoResponses for OpenRoomErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut docs = common_errors(
            vec![
                ApiError::InvalidBodyName {
                    field: "name",
                    source: NameError::Empty,
                },
                ApiError::InvalidBody(OPEN_ROOM_SHAPE),
            ],
            Vec::new(),
        );
        docs.extend(body_errors());
        error_responses(docs)
    }
}

struct ListErrors;

impl IntoResponses for ListErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut docs = common_errors(Vec::new(), Vec::new());
        docs.retain(|doc| !doc.samples.is_empty());
        error_responses(docs)
    }
}

struct ParticipantErrors;

impl IntoResponses for ParticipantErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        error_responses(common_errors(
            vec![invalid_room()],
            not_found(&[Missing::Room, Missing::Participant]),
        ))
    }
}

struct MuteErrors;

impl IntoResponses for MuteErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut docs = common_errors(
            vec![invalid_room(), ApiError::InvalidBody(MUTE_SHAPE)],
            not_found(&[Missing::Room, Missing::Participant, Missing::Track]),
        );
        docs.push(ErrorDoc {
            description: "Unmuting someone else's track is not allowed by the provider's \
                configuration (LiveKit: `room.enable_remote_unmute`).",
            headers: &[],
            samples: vec![ApiError::Rooms(RoomAdminError::RemoteUnmuteDisabled {
                provider: "livekit",
            })],
        });
        docs.extend(body_errors());
        error_responses(docs)
    }
}

struct PermissionsErrors;

impl IntoResponses for PermissionsErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut docs = common_errors(
            vec![invalid_room(), ApiError::InvalidBody(PERMISSIONS_SHAPE)],
            not_found(&[Missing::Room, Missing::Participant]),
        );
        docs.extend(body_errors());
        error_responses(docs)
    }
}

const OPEN_ROOM_SHAPE: &str = "a JSON object with `name` (a room name) and, optionally, \
    `max_participants` (1 to 10000), `empty_timeout_seconds` (1 to 86400) and `metadata` (at \
    most 1024 characters)";
const MUTE_SHAPE: &str = "a JSON object with `muted`, `true` or `false`";
const PERMISSIONS_SHAPE: &str = "a JSON object with `publish_sources`, a list of `camera`, \
    `microphone`, `screen_share` or `screen_share_audio` (at most four)";

/// Open a room.
///
/// Opens the room with the options given, or returns it as it is when it is already open (the
/// options then change nothing). The LMS calls this when an instructor clicks "Start Live
/// Session", before handing out tokens. The LMS back end (`api-key`) may open any room; a session
/// token (`jwt`) only a room it grants `host` for.
#[utoipa::path(
    post,
    path = "/api/video/rooms",
    tag = "rooms",
    params(RoomsQuery),
    request_body = OpenRoomRequest,
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The room, open.", body = RoomResponse),
        OpenRoomErrors,
    )
)]
pub(crate) async fn open_room(
    request: HttpRequest,
    state: web::Data<AppState>,
    bytes: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (admin, caller) = caller(&request, &state, "open_room").await?;
    let open: OpenRoomRequest = body(&request, &bytes, OPEN_ROOM_SHAPE)?;
    let room = RoomName::parse(open.name).map_err(|source| ApiError::InvalidBodyName {
        field: "name",
        source,
    })?;
    let mut options = RoomOptions::default();
    if let Some(max) = &open.max_participants {
        options = options.with_max_participants(whole(max, MAX_PARTICIPANTS)?);
    }
    if let Some(seconds) = &open.empty_timeout_seconds {
        let seconds = whole(seconds, MAX_EMPTY_TIMEOUT_SECONDS)?;
        options = options.with_empty_timeout(std::time::Duration::from_secs(seconds.into()));
    }
    if let Some(metadata) = open.metadata {
        if metadata.chars().count() > MAX_METADATA_CHARS {
            return Err(ApiError::InvalidBody(OPEN_ROOM_SHAPE));
        }
        options = options.with_metadata(metadata);
    }
    may_administer(&caller, &room)?;
    let opened = admin
        .open_room(&room, &options)
        .await
        .map_err(rooms_error)?;
    audit(&request, &state, &caller, "opened", &room, String::new());
    Ok(HttpResponse::Ok().json(RoomResponse::from(&opened)))
}

/// List open rooms.
///
/// Every open room for the LMS back end (`api-key`); for a session token (`jwt`) that grants
/// `host`, the open rooms its rooms claim allows.
#[utoipa::path(
    get,
    path = "/api/video/rooms",
    tag = "rooms",
    params(RoomsQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The open rooms, by name.", body = RoomsResponse),
        ListErrors,
    )
)]
pub(crate) async fn list_rooms(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (admin, caller) = caller(&request, &state, "list_rooms").await?;
    if let Caller::User(grant) = &caller
        && grant.role != Some(Role::Host)
    {
        return Err(ApiError::NotRoomHost);
    }
    let rooms = admin.list_rooms().await.map_err(rooms_error)?;
    let rooms = rooms
        .iter()
        .filter(|room| may_administer(&caller, &room.name).is_ok())
        .map(RoomResponse::from)
        .collect();
    Ok(HttpResponse::Ok().json(RoomsResponse { rooms }))
}

/// Describe an open room.
#[utoipa::path(
    get,
    path = "/api/video/rooms/{room}",
    tag = "rooms",
    params(("room" = inline(NameSchema), Path, description = "The room, e.g. `physics-101`.",
        example = "physics-101"), RoomsQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The room.", body = RoomResponse),
        RoomErrors,
    )
)]
pub(crate) async fn get_room(
    request: HttpRequest,
    room: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let room = room_in_path(room.into_inner())?;
    let (admin, caller) = caller(&request, &state, "room").await?;
    may_administer(&caller, &room)?;
    let info = admin.room(&room).await.map_err(rooms_error)?;
    Ok(HttpResponse::Ok().json(RoomResponse::from(&info)))
}

/// End a room's session for everyone.
///
/// Disconnects every participant (their pages say the session ended) and closes the room.
#[utoipa::path(
    delete,
    path = "/api/video/rooms/{room}",
    tag = "rooms",
    params(("room" = inline(NameSchema), Path, description = "The room, e.g. `physics-101`.",
        example = "physics-101"), RoomsQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 204, description = "The session ended; the room is closed."),
        RoomErrors,
    )
)]
pub(crate) async fn end_room(
    request: HttpRequest,
    room: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let room = room_in_path(room.into_inner())?;
    let (admin, caller) = caller(&request, &state, "end_room").await?;
    may_administer(&caller, &room)?;
    admin.end_room(&room).await.map_err(rooms_error)?;
    audit(&request, &state, &caller, "ended", &room, String::new());
    Ok(HttpResponse::NoContent().finish())
}

/// List a room's participants.
///
/// Who is in the room now, with their role, what they may publish and the tracks they publish.
/// Reading it is audited: it says who attends.
#[utoipa::path(
    get,
    path = "/api/video/rooms/{room}/participants",
    tag = "rooms",
    params(("room" = inline(NameSchema), Path, description = "The room, e.g. `physics-101`.",
        example = "physics-101"), RoomsQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The participants, by time of joining.",
            body = ParticipantsResponse),
        RoomErrors,
    )
)]
pub(crate) async fn list_participants(
    request: HttpRequest,
    room: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let room = room_in_path(room.into_inner())?;
    let (admin, caller) = caller(&request, &state, "participants").await?;
    may_administer(&caller, &room)?;
    let participants = admin.participants(&room).await.map_err(rooms_error)?;
    audit(
        &request,
        &state,
        &caller,
        "participants listed",
        &room,
        format!(" count={}", participants.len()),
    );
    Ok(HttpResponse::Ok().json(ParticipantsResponse {
        participants: participants.iter().map(ParticipantResponse::from).collect(),
    }))
}

/// The path of a participant: `/api/video/rooms/{room}/participants/{identity}`.
type ParticipantPath = web::Path<(String, String)>;

fn participant_in_path(path: ParticipantPath) -> Result<(RoomName, ParticipantIdentity), ApiError> {
    let (room, identity) = path.into_inner();
    Ok((room_in_path(room)?, identity_in_path(identity)?))
}

/// Describe a participant.
#[utoipa::path(
    get,
    path = "/api/video/rooms/{room}/participants/{identity}",
    tag = "rooms",
    params(
        ("room" = inline(NameSchema), Path, description = "The room, e.g. `physics-101`.",
            example = "physics-101"),
        ("identity" = inline(NameSchema), Path, description = "The participant's identity.",
            example = "student-42"),
        RoomsQuery,
    ),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The participant.", body = ParticipantResponse),
        ParticipantErrors,
    )
)]
pub(crate) async fn get_participant(
    request: HttpRequest,
    path: ParticipantPath,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (room, identity) = participant_in_path(path)?;
    let (admin, caller) = caller(&request, &state, "participant").await?;
    may_administer(&caller, &room)?;
    let participant = admin
        .participant(&room, &identity)
        .await
        .map_err(rooms_error)?;
    Ok(HttpResponse::Ok().json(ParticipantResponse::from(&participant)))
}

/// Remove a participant.
///
/// Disconnects them (their page says they were removed). The tokens issued to them for this room
/// before now no longer let them in: LiveKit Cloud refuses them; with a self-hosted LiveKit
/// server, which does not, the token server removes them again as soon as LiveKit reports that
/// they joined with one (its webhook). A token issued after the removal admits them.
#[utoipa::path(
    delete,
    path = "/api/video/rooms/{room}/participants/{identity}",
    tag = "rooms",
    params(
        ("room" = inline(NameSchema), Path, description = "The room, e.g. `physics-101`.",
            example = "physics-101"),
        ("identity" = inline(NameSchema), Path, description = "The participant's identity.",
            example = "student-42"),
        RoomsQuery,
    ),
    security((), ("bearer" = [])),
    responses(
        (status = 204, description = "The participant was removed."),
        ParticipantErrors,
    )
)]
pub(crate) async fn remove_participant(
    request: HttpRequest,
    path: ParticipantPath,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (room, identity) = participant_in_path(path)?;
    let (admin, caller) = caller(&request, &state, "remove_participant").await?;
    may_administer(&caller, &room)?;
    let removed_at = SystemTime::now();
    admin
        .remove_participant(&room, &identity)
        .await
        .map_err(rooms_error)?;
    if let Some(attendance) = &state.attendance {
        attendance
            .store
            .revoke_tokens(&room, &identity, removed_at)
            .await
            .map_err(|error| {
                state.metrics.database_error("revocation", &error);
                ApiError::Attendance(error)
            })?;
    }
    audit(
        &request,
        &state,
        &caller,
        "participant removed",
        &room,
        format!(" identity={:?}", identity.as_str()),
    );
    Ok(HttpResponse::NoContent().finish())
}

/// The path of a track: `/api/video/rooms/{room}/participants/{identity}/tracks/{track}/mute`.
type TrackPath = web::Path<(String, String, String)>;

/// Mute or unmute a participant's track.
///
/// Muting always works; unmuting someone else's track only where the provider is configured to
/// allow it (a participant turns their own microphone back on).
#[utoipa::path(
    post,
    path = "/api/video/rooms/{room}/participants/{identity}/tracks/{track}/mute",
    tag = "rooms",
    params(
        ("room" = inline(NameSchema), Path, description = "The room, e.g. `physics-101`.",
            example = "physics-101"),
        ("identity" = inline(NameSchema), Path, description = "The participant's identity.",
            example = "student-42"),
        ("track" = inline(NameSchema), Path, description = "The track's id, as listed.",
            example = "TR_AMkd8SwJx3vC"),
        RoomsQuery,
    ),
    request_body = MuteRequest,
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The track, as it is now.", body = TrackResponse),
        MuteErrors,
    )
)]
pub(crate) async fn mute_track(
    request: HttpRequest,
    path: TrackPath,
    state: web::Data<AppState>,
    bytes: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (room, identity, track) = path.into_inner();
    let (room, identity) = (room_in_path(room)?, identity_in_path(identity)?);
    let track = path_name("track", track, TrackId::parse)?;
    let (admin, caller) = caller(&request, &state, "mute_track").await?;
    let mute: MuteRequest = body(&request, &bytes, MUTE_SHAPE)?;
    may_administer(&caller, &room)?;
    let info = admin
        .mute_track(&room, &identity, &track, mute.muted)
        .await
        .map_err(rooms_error)?;
    audit(
        &request,
        &state,
        &caller,
        if mute.muted {
            "track muted"
        } else {
            "track unmuted"
        },
        &room,
        format!(
            " identity={:?} track={:?} source={}",
            identity.as_str(),
            track.as_str(),
            info.source.map_or("unknown", TrackSource::as_str)
        ),
    );
    Ok(HttpResponse::Ok().json(TrackResponse::from(&info)))
}

/// Change what a participant may publish.
///
/// Takes effect at once, without reconnecting: `["camera", "microphone"]` invites a student or a
/// viewer to speak; `[]` sends them back to listening, and the provider stops the tracks they
/// publish.
#[utoipa::path(
    put,
    path = "/api/video/rooms/{room}/participants/{identity}/permissions",
    tag = "rooms",
    params(
        ("room" = inline(NameSchema), Path, description = "The room, e.g. `physics-101`.",
            example = "physics-101"),
        ("identity" = inline(NameSchema), Path, description = "The participant's identity.",
            example = "student-42"),
        RoomsQuery,
    ),
    request_body = PermissionsRequest,
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The participant, as they are now.",
            body = ParticipantResponse),
        PermissionsErrors,
    )
)]
pub(crate) async fn set_permissions(
    request: HttpRequest,
    path: ParticipantPath,
    state: web::Data<AppState>,
    bytes: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (room, identity) = participant_in_path(path)?;
    let (admin, caller) = caller(&request, &state, "set_publish_sources").await?;
    let permissions: PermissionsRequest = body(&request, &bytes, PERMISSIONS_SHAPE)?;
    if permissions.publish_sources.len() > TrackSource::ALL.len() {
        return Err(ApiError::InvalidBody(PERMISSIONS_SHAPE));
    }
    let sources: Vec<TrackSource> = permissions
        .publish_sources
        .iter()
        .map(|&name| name.into())
        .collect();
    may_administer(&caller, &room)?;
    let participant = admin
        .set_publish_sources(&room, &identity, &sources)
        .await
        .map_err(rooms_error)?;
    let names: Vec<&str> = participant
        .publish_sources
        .iter()
        .map(|s| s.as_str())
        .collect();
    audit(
        &request,
        &state,
        &caller,
        "permissions changed",
        &room,
        format!(
            " identity={:?} publish_sources={}",
            identity.as_str(),
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(",")
            }
        ),
    );
    Ok(HttpResponse::Ok().json(ParticipantResponse::from(&participant)))
}
