//! Room administration on LiveKit's RoomService, with `livekit-api`'s [`RoomClient`].
//!
//! [`LiveKitRoomAdmin`] implements [`RoomAdmin`]:
//!
//! | operation | RoomService calls |
//! |---|---|
//! | open a room | `CreateRoom` (LiveKit returns the room as it is when it is already open) |
//! | list rooms, describe one | `ListRooms` |
//! | end a room | `DeleteRoom`: every participant is disconnected (reason `ROOM_DELETED`) |
//! | list participants | `ListParticipants`, then `ListRooms` when the list is empty (an unknown room lists nobody) |
//! | describe a participant | `GetParticipant` |
//! | remove a participant | `RemoveParticipant` with `revoke_token_ts` = now (reason `PARTICIPANT_REMOVED`) |
//! | mute a track | `GetParticipant` (the track must be there), then `MutePublishedTrack` |
//! | change what one may publish | `GetParticipant`, then `UpdateParticipant` with the permission changed |
//!
//! `revoke_token_ts` asks LiveKit to refuse the tokens issued to the participant before the
//! removal. LiveKit Cloud honours it; the open-source LiveKit server (v1.13.5) ignores it: a
//! removed participant can rejoin with the token they still hold. The token server closes that
//! gap itself (see `docs/security.md`).
//!
//! Every operation, whatever the number of calls it makes, is bounded by
//! [`LiveKitSettings::api_timeout`]: past it, the operation fails with
//! [`RoomAdminError::Unavailable`]. LiveKit's errors are mapped, never passed through: `not_found`
//! becomes [`RoomAdminError::NotFound`] (telling a missing room from a missing participant with
//! one more `ListRooms`), an unreachable server, an answer that is not LiveKit's and LiveKit's
//! `unavailable` become [`RoomAdminError::Unavailable`], and everything else (refused credentials
//! among them) [`RoomAdminError::Internal`]; the original goes to the error's `source`, for the
//! log.

use std::collections::BTreeSet;
use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::FutureExt as _;
use livekit_api::services::room::{
    CreateRoomOptions, RemoveParticipantOptions, RoomClient, UpdateParticipantOptions,
};
use livekit_api::services::{ServerError, ServerErrorCode, ServiceError};
use livekit_protocol as proto;
use secrecy::ExposeSecret;
use video_core::{
    BoxFuture, DisplayName, Missing, ParticipantIdentity, ParticipantInfo, Role, RoomAdmin,
    RoomAdminError, RoomInfo, RoomName, RoomOptions, TrackId, TrackInfo, TrackKind, TrackSource,
};

use crate::LiveKitSettings;
use crate::provider::PROVIDER;
use crate::webhooks::ROLE_ATTRIBUTE;

/// The room the readiness check asks about; nobody uses it.
const PROBE_ROOM: &str = "openconnect-readiness-probe";

/// LiveKit's room administration for one deployment: its RoomService at
/// [`LiveKitSettings::api_url`], signed with the deployment's key pair.
pub struct LiveKitRoomAdmin {
    client: RoomClient,
    timeout: Duration,
}

impl fmt::Debug for LiveKitRoomAdmin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `RoomClient`'s own Debug hides the secret too; this shows only what is safe to show.
        f.debug_struct("LiveKitRoomAdmin")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl LiveKitRoomAdmin {
    /// The room administration of the deployment `settings` describe.
    pub fn new(settings: &LiveKitSettings) -> Self {
        let client = RoomClient::with_api_key(
            settings.api_url(),
            settings.api_key(),
            settings.api_secret().expose_secret(),
        )
        .with_request_timeout(settings.api_timeout());
        Self {
            client,
            timeout: settings.api_timeout(),
        }
    }

    /// Runs one operation within the timeout; a panic inside `livekit-api` (it unwraps some of
    /// LiveKit's answers) becomes an internal error instead of taking the caller down.
    async fn bounded<T>(
        &self,
        operation: impl Future<Output = Result<T, RoomAdminError>>,
    ) -> Result<T, RoomAdminError> {
        match tokio::time::timeout(self.timeout, AssertUnwindSafe(operation).catch_unwind()).await {
            Ok(Ok(result)) => result,
            Ok(Err(_panic)) => Err(RoomAdminError::Internal {
                provider: PROVIDER,
                source: "livekit-api panicked on LiveKit's answer".into(),
            }),
            Err(_elapsed) => Err(unavailable(format!(
                "LiveKit's room service did not answer within {} ms",
                self.timeout.as_millis()
            ))),
        }
    }

    async fn find_room(&self, room: &RoomName) -> Result<Option<proto::Room>, RoomAdminError> {
        let rooms = self
            .client
            .list_rooms(vec![room.as_str().to_owned()])
            .await
            .map_err(|e| map_error(e, Missing::Room))?;
        Ok(rooms.into_iter().find(|r| r.name == room.as_str()))
    }

    /// `error` from a call about a participant, with a `not_found` told apart: is the room gone,
    /// or only the participant?
    async fn participant_error(&self, room: &RoomName, error: ServiceError) -> RoomAdminError {
        match map_error(error, Missing::Participant) {
            RoomAdminError::NotFound(Missing::Participant) => match self.find_room(room).await {
                Ok(None) => RoomAdminError::NotFound(Missing::Room),
                Ok(Some(_)) => RoomAdminError::NotFound(Missing::Participant),
                Err(error) => error,
            },
            error => error,
        }
    }

    async fn get_participant(
        &self,
        room: &RoomName,
        identity: &ParticipantIdentity,
    ) -> Result<proto::ParticipantInfo, RoomAdminError> {
        match self
            .client
            .get_participant(room.as_str(), identity.as_str())
            .await
        {
            Ok(info) => Ok(info),
            Err(error) => Err(self.participant_error(room, error).await),
        }
    }
}

impl RoomAdmin for LiveKitRoomAdmin {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    fn open_room<'a>(
        &'a self,
        room: &'a RoomName,
        options: &'a RoomOptions,
    ) -> BoxFuture<'a, Result<RoomInfo, RoomAdminError>> {
        Box::pin(self.bounded(async move {
            let options = CreateRoomOptions {
                max_participants: options.max_participants.unwrap_or(0),
                empty_timeout: options
                    .empty_timeout
                    .map_or(0, |t| u32::try_from(t.as_secs()).unwrap_or(u32::MAX)),
                metadata: options.metadata.clone().unwrap_or_default(),
                ..CreateRoomOptions::default()
            };
            let created = self
                .client
                .create_room(room.as_str(), options)
                .await
                .map_err(|e| map_error(e, Missing::Room))?;
            room_info(&created).ok_or_else(|| internal("LiveKit created a room with another name"))
        }))
    }

    fn list_rooms(&self) -> BoxFuture<'_, Result<Vec<RoomInfo>, RoomAdminError>> {
        Box::pin(self.bounded(async move {
            let rooms = self
                .client
                .list_rooms(Vec::new())
                .await
                .map_err(|e| map_error(e, Missing::Room))?;
            // A room named by another application outside our name rules is not listed.
            let mut rooms: Vec<RoomInfo> = rooms.iter().filter_map(room_info).collect();
            rooms.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(rooms)
        }))
    }

    fn room<'a>(&'a self, room: &'a RoomName) -> BoxFuture<'a, Result<RoomInfo, RoomAdminError>> {
        Box::pin(self.bounded(async move {
            self.find_room(room)
                .await?
                .as_ref()
                .and_then(room_info)
                .ok_or(RoomAdminError::NotFound(Missing::Room))
        }))
    }

    fn end_room<'a>(&'a self, room: &'a RoomName) -> BoxFuture<'a, Result<(), RoomAdminError>> {
        Box::pin(self.bounded(async move {
            self.client
                .delete_room(room.as_str())
                .await
                .map_err(|e| map_error(e, Missing::Room))
        }))
    }

    fn participants<'a>(
        &'a self,
        room: &'a RoomName,
    ) -> BoxFuture<'a, Result<Vec<ParticipantInfo>, RoomAdminError>> {
        Box::pin(self.bounded(async move {
            let listed = self
                .client
                .list_participants(room.as_str())
                .await
                .map_err(|e| map_error(e, Missing::Room))?;
            if listed.is_empty() && self.find_room(room).await?.is_none() {
                return Err(RoomAdminError::NotFound(Missing::Room));
            }
            let mut participants: Vec<ParticipantInfo> =
                listed.iter().filter_map(participant_info).collect();
            participants.sort_by_key(|p| (p.joined_at, p.identity.clone()));
            Ok(participants)
        }))
    }

    fn participant<'a>(
        &'a self,
        room: &'a RoomName,
        identity: &'a ParticipantIdentity,
    ) -> BoxFuture<'a, Result<ParticipantInfo, RoomAdminError>> {
        Box::pin(self.bounded(async move {
            let info = self.get_participant(room, identity).await?;
            participant_info(&info).ok_or_else(|| internal("LiveKit described another participant"))
        }))
    }

    fn remove_participant<'a>(
        &'a self,
        room: &'a RoomName,
        identity: &'a ParticipantIdentity,
    ) -> BoxFuture<'a, Result<(), RoomAdminError>> {
        Box::pin(self.bounded(async move {
            let options = RemoveParticipantOptions {
                revoke_token_ts: unix_millis(SystemTime::now()),
            };
            match self
                .client
                .remove_participant_with_options(room.as_str(), identity.as_str(), options)
                .await
            {
                Ok(()) => Ok(()),
                Err(error) => Err(self.participant_error(room, error).await),
            }
        }))
    }

    fn mute_track<'a>(
        &'a self,
        room: &'a RoomName,
        identity: &'a ParticipantIdentity,
        track: &'a TrackId,
        muted: bool,
    ) -> BoxFuture<'a, Result<TrackInfo, RoomAdminError>> {
        Box::pin(self.bounded(async move {
            // LiveKit answers a mute of a track that is not published with no track, which
            // `livekit-api` unwraps: look first, so that a missing track is a clean "not found".
            let participant = self.get_participant(room, identity).await?;
            if !participant.tracks.iter().any(|t| t.sid == track.as_str()) {
                return Err(RoomAdminError::NotFound(Missing::Track));
            }
            let result = self
                .client
                .mute_published_track(room.as_str(), identity.as_str(), track.as_str(), muted)
                .await;
            match result {
                Ok(info) => track_info(&info).ok_or(RoomAdminError::NotFound(Missing::Track)),
                Err(ServiceError::Twirp(ServerError::Twirp(code)))
                    if code.code == ServerErrorCode::FAILED_PRECONDITION && !muted =>
                {
                    Err(RoomAdminError::RemoteUnmuteDisabled { provider: PROVIDER })
                }
                Err(error) => Err(self.participant_error(room, error).await),
            }
        }))
    }

    fn set_publish_sources<'a>(
        &'a self,
        room: &'a RoomName,
        identity: &'a ParticipantIdentity,
        sources: &'a [TrackSource],
    ) -> BoxFuture<'a, Result<ParticipantInfo, RoomAdminError>> {
        Box::pin(self.bounded(async move {
            let current = self.get_participant(room, identity).await?;
            let sources: BTreeSet<TrackSource> = sources.iter().copied().collect();
            let permission = proto::ParticipantPermission {
                can_publish: !sources.is_empty(),
                can_publish_sources: sources.iter().map(|s| proto_source(*s) as i32).collect(),
                // Everything else stays as the participant's token granted it.
                ..current.permission.unwrap_or_default()
            };
            let options = UpdateParticipantOptions {
                permission: Some(permission),
                ..UpdateParticipantOptions::default()
            };
            let updated = match self
                .client
                .update_participant(room.as_str(), identity.as_str(), options)
                .await
            {
                Ok(updated) => updated,
                Err(error) => return Err(self.participant_error(room, error).await),
            };
            participant_info(&updated)
                .ok_or_else(|| internal("LiveKit described another participant"))
        }))
    }

    fn check_reachable(&self) -> BoxFuture<'_, Result<(), RoomAdminError>> {
        Box::pin(self.bounded(async move {
            self.client
                .list_rooms(vec![PROBE_ROOM.to_owned()])
                .await
                .map(drop)
                .map_err(|e| map_error(e, Missing::Room))
        }))
    }
}

/// LiveKit's error as a [`RoomAdminError`]; `missing` is what a `not_found` is about.
fn map_error(error: ServiceError, missing: Missing) -> RoomAdminError {
    match &error {
        ServiceError::Twirp(ServerError::Twirp(code)) => match code.code.as_str() {
            ServerErrorCode::NOT_FOUND => RoomAdminError::NotFound(missing),
            ServerErrorCode::UNAVAILABLE
            | ServerErrorCode::DEADLINE_EXCEEDED
            | ServerErrorCode::CANCELED
            | ServerErrorCode::ABORTED => unavailable(error),
            _ => internal(error),
        },
        // An answer that is not LiveKit's error JSON: LiveKit refusing the key pair (its 401 is
        // plain text), or a proxy's error page while LiveKit restarts. The status is not kept by
        // `livekit-api`, so the log names both.
        ServiceError::Twirp(ServerError::Request(request)) if request.is_decode() => {
            unavailable(format!(
                "LiveKit's room service answered with something other than a RoomService answer \
                 (a refused LIVEKIT_API_KEY/LIVEKIT_API_SECRET, or a proxy's error page): {error}"
            ))
        }
        // Not reachable, or no answer.
        ServiceError::Twirp(ServerError::Request(_)) => unavailable(error),
        _ => internal(error),
    }
}

fn unavailable(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> RoomAdminError {
    RoomAdminError::Unavailable {
        provider: PROVIDER,
        source: source.into(),
    }
}

fn internal(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> RoomAdminError {
    RoomAdminError::Internal {
        provider: PROVIDER,
        source: source.into(),
    }
}

fn unix_millis(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// LiveKit's milliseconds, or its seconds when it gave no milliseconds.
fn time_of(millis: i64, seconds: i64) -> SystemTime {
    let millis = if millis > 0 {
        millis
    } else {
        seconds.saturating_mul(1000)
    };
    UNIX_EPOCH + Duration::from_millis(u64::try_from(millis).unwrap_or(0))
}

fn room_info(room: &proto::Room) -> Option<RoomInfo> {
    Some(RoomInfo {
        name: RoomName::parse(room.name.as_str()).ok()?,
        participants: room.num_participants,
        created_at: time_of(room.creation_time_ms, room.creation_time),
        max_participants: (room.max_participants > 0).then_some(room.max_participants),
        empty_timeout: (room.empty_timeout > 0)
            .then(|| Duration::from_secs(u64::from(room.empty_timeout))),
        metadata: room.metadata.clone(),
    })
}

/// A participant as LiveKit describes them; `None` for an identity outside our name rules
/// (a participant admitted by another application's token).
fn participant_info(info: &proto::ParticipantInfo) -> Option<ParticipantInfo> {
    let permission = info.permission.clone().unwrap_or_default();
    let publish_sources = if !permission.can_publish {
        Vec::new()
    } else if permission.can_publish_sources.is_empty() {
        // LiveKit: publishing allowed and no list means every source.
        TrackSource::ALL.to_vec()
    } else {
        let listed: BTreeSet<TrackSource> = permission
            .can_publish_sources
            .iter()
            .filter_map(|s| core_source(*s))
            .collect();
        listed.into_iter().collect()
    };
    Some(ParticipantInfo {
        identity: ParticipantIdentity::parse(info.identity.as_str()).ok()?,
        display_name: DisplayName::parse(info.name.as_str()).ok(),
        role: info
            .attributes
            .get(ROLE_ATTRIBUTE)
            .and_then(|role| role.parse::<Role>().ok()),
        joined_at: time_of(info.joined_at_ms, info.joined_at),
        publish_sources,
        tracks: info.tracks.iter().filter_map(track_info).collect(),
    })
}

/// A published audio or video track; `None` for data tracks.
fn track_info(track: &proto::TrackInfo) -> Option<TrackInfo> {
    let kind = match proto::TrackType::try_from(track.r#type).ok()? {
        proto::TrackType::Audio => TrackKind::Audio,
        proto::TrackType::Video => TrackKind::Video,
        _ => return None,
    };
    Some(TrackInfo {
        id: TrackId::parse(track.sid.as_str()).ok()?,
        kind,
        source: core_source(track.source),
        muted: track.muted,
        name: track.name.clone(),
    })
}

fn core_source(source: i32) -> Option<TrackSource> {
    match proto::TrackSource::try_from(source).ok()? {
        proto::TrackSource::Camera => Some(TrackSource::Camera),
        proto::TrackSource::Microphone => Some(TrackSource::Microphone),
        proto::TrackSource::ScreenShare => Some(TrackSource::ScreenShare),
        proto::TrackSource::ScreenShareAudio => Some(TrackSource::ScreenShareAudio),
        _ => None,
    }
}

fn proto_source(source: TrackSource) -> proto::TrackSource {
    match source {
        TrackSource::Camera => proto::TrackSource::Camera,
        TrackSource::Microphone => proto::TrackSource::Microphone,
        TrackSource::ScreenShare => proto::TrackSource::ScreenShare,
        TrackSource::ScreenShareAudio => proto::TrackSource::ScreenShareAudio,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn twirp(code: &str) -> ServiceError {
        ServiceError::Twirp(ServerError::Twirp(ServerErrorCode {
            code: code.to_owned(),
            msg: "LiveKit's own words, never shown".to_owned(),
            meta: HashMap::new(),
        }))
    }

    #[test]
    fn livekit_errors_are_mapped_never_passed_through() {
        assert!(matches!(
            map_error(twirp("not_found"), Missing::Track),
            RoomAdminError::NotFound(Missing::Track)
        ));
        for code in ["unavailable", "deadline_exceeded", "canceled", "aborted"] {
            assert!(
                matches!(
                    map_error(twirp(code), Missing::Room),
                    RoomAdminError::Unavailable { .. }
                ),
                "{code}"
            );
        }
        for code in [
            "unauthenticated",
            "permission_denied",
            "internal",
            "invalid_argument",
        ] {
            let error = map_error(twirp(code), Missing::Room);
            assert!(matches!(error, RoomAdminError::Internal { .. }), "{code}");
            assert!(!error.to_string().contains("LiveKit's own words"), "{code}");
        }
    }

    #[test]
    fn sources_map_both_ways() {
        for source in TrackSource::ALL {
            assert_eq!(core_source(proto_source(source) as i32), Some(source));
        }
        assert_eq!(core_source(proto::TrackSource::Unknown as i32), None);
        assert_eq!(core_source(99), None);
    }

    #[test]
    fn participants_are_described_in_our_words() {
        let info = proto::ParticipantInfo {
            identity: "ada".to_owned(),
            name: "Ada Lovelace".to_owned(),
            joined_at: 1_700_000_000,
            attributes: HashMap::from([(ROLE_ATTRIBUTE.to_owned(), "viewer".to_owned())]),
            permission: Some(proto::ParticipantPermission {
                can_publish: true,
                can_publish_sources: vec![
                    proto::TrackSource::Microphone as i32,
                    proto::TrackSource::Camera as i32,
                ],
                ..Default::default()
            }),
            tracks: vec![
                proto::TrackInfo {
                    sid: "TR_a".to_owned(),
                    r#type: proto::TrackType::Audio as i32,
                    source: proto::TrackSource::Microphone as i32,
                    muted: true,
                    ..Default::default()
                },
                proto::TrackInfo {
                    sid: "TR_d".to_owned(),
                    r#type: proto::TrackType::Data as i32,
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        let participant = participant_info(&info).unwrap();
        assert_eq!(participant.identity.as_str(), "ada");
        assert_eq!(
            participant.display_name.as_ref().map(DisplayName::as_str),
            Some("Ada Lovelace")
        );
        assert_eq!(participant.role, Some(Role::Viewer));
        assert_eq!(
            participant.joined_at,
            UNIX_EPOCH + Duration::from_secs(1_700_000_000)
        );
        assert_eq!(
            participant.publish_sources,
            [TrackSource::Camera, TrackSource::Microphone]
        );
        assert_eq!(participant.tracks.len(), 1, "data tracks are not media");
        assert_eq!(
            (participant.tracks[0].kind, participant.tracks[0].muted),
            (TrackKind::Audio, true)
        );

        let host = proto::ParticipantInfo {
            identity: "host".to_owned(),
            permission: Some(proto::ParticipantPermission {
                can_publish: true,
                ..Default::default()
            }),
            ..Default::default()
        };
        let host = participant_info(&host).unwrap();
        assert_eq!(host.publish_sources, TrackSource::ALL, "no list = all");
        assert_eq!((host.display_name, host.role), (None, None));

        let outsider = proto::ParticipantInfo {
            identity: "bad\nidentity".to_owned(),
            ..Default::default()
        };
        assert_eq!(participant_info(&outsider), None);
    }

    #[test]
    fn rooms_are_described_in_our_words() {
        let room = proto::Room {
            name: "physics-101".to_owned(),
            num_participants: 2,
            creation_time: 1_700_000_000,
            creation_time_ms: 1_700_000_000_250,
            max_participants: 0,
            empty_timeout: 300,
            metadata: "course-7".to_owned(),
            ..Default::default()
        };
        let info = room_info(&room).unwrap();
        assert_eq!(
            info.created_at,
            UNIX_EPOCH + Duration::from_millis(1_700_000_000_250)
        );
        assert_eq!(info.max_participants, None, "0 = no limit");
        assert_eq!(info.empty_timeout, Some(Duration::from_secs(300)));
        assert_eq!((info.participants, info.metadata.as_str()), (2, "course-7"));
    }

    #[test]
    fn debug_shows_no_secret() {
        let settings = LiveKitSettings::new(
            "ws://127.0.0.1:1",
            "APIkey",
            "a-secret-that-must-never-be-shown-0123".into(),
        )
        .unwrap();
        let debug = format!("{:?}", LiveKitRoomAdmin::new(&settings));
        assert!(!debug.contains("never-be-shown"), "{debug}");
    }
}
