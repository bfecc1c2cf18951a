//! How each [`Role`] maps to LiveKit's video grants.
//!
//! Every flag is set explicitly (in `livekit-api` 0.10 the publish flags are `Option<bool>`, and
//! LiveKit treats an absent flag as *allowed*), so a token never grants more than this table.
//! The defaults ([`GrantPolicy::default`]):
//!
//! | grant | host | participant | viewer |
//! |---|---|---|---|
//! | `roomJoin` (for the one named `room`) | yes | yes | yes |
//! | `canSubscribe` | yes | yes | yes |
//! | `canPublish` | yes | yes | **no** |
//! | `canPublishSources` | all (empty list) | `camera`, `microphone` | none (empty list, `canPublish` is false) |
//! | `canPublishData` (chat, reactions) | yes | yes | **no** |
//! | `canUpdateOwnMetadata` | yes | no | no |
//! | `roomAdmin` (mute or remove others, end the room) | **yes** | no | no |
//! | `roomCreate`, `roomList`, `roomRecord`, `ingressAdmin`, `hidden`, `recorder`, `agent` | no | no | no |
//!
//! An admin may change three cells ([`GrantPolicy`], from `LIVEKIT_PARTICIPANT_SOURCES`,
//! `LIVEKIT_PARTICIPANT_CAN_PUBLISH_DATA` and `LIVEKIT_VIEWER_CAN_PUBLISH_DATA`): which sources
//! students may publish (e.g. add `screen_share`, or `none`), whether students may chat, and
//! whether observers may chat. The host's row and every "no" in the last two rows are fixed.

use livekit_api::access_token::VideoGrants;
use video_core::{Role, RoomName};

/// A kind of track a participant may publish (LiveKit's names are the provider-neutral ones).
pub use video_core::TrackSource;

/// What the admin may change in the [role table](self).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantPolicy {
    /// What a participant (student) may publish; empty means nothing (`canPublish` false).
    pub participant_sources: Vec<TrackSource>,
    /// Whether a participant may publish data (chat).
    pub participant_can_publish_data: bool,
    /// Whether a viewer (observer) may publish data (chat).
    pub viewer_can_publish_data: bool,
}

impl Default for GrantPolicy {
    /// Students publish camera and microphone and chat; observers only watch.
    fn default() -> Self {
        Self {
            participant_sources: vec![TrackSource::Camera, TrackSource::Microphone],
            participant_can_publish_data: true,
            viewer_can_publish_data: false,
        }
    }
}

impl GrantPolicy {
    /// The LiveKit grants for `role` in `room` under this policy.
    ///
    /// ```
    /// use video_core::{Role, RoomName};
    /// use video_livekit::grants::{GrantPolicy, TrackSource};
    ///
    /// let policy = GrantPolicy {
    ///     participant_sources: vec![TrackSource::Camera, TrackSource::Microphone, TrackSource::ScreenShare],
    ///     ..GrantPolicy::default()
    /// };
    /// let grants = policy.grants(Role::Participant, &RoomName::parse("physics-101")?);
    /// assert_eq!(grants.can_publish_sources, ["camera", "microphone", "screen_share"]);
    /// # Ok::<(), video_core::NameError>(())
    /// ```
    pub fn grants(&self, role: Role, room: &RoomName) -> VideoGrants {
        let (can_publish, sources, can_publish_data) = match role {
            Role::Host => (true, Vec::new(), true),
            Role::Participant => (
                !self.participant_sources.is_empty(),
                self.participant_sources
                    .iter()
                    .map(|s| s.as_str().to_owned())
                    .collect(),
                self.participant_can_publish_data,
            ),
            Role::Viewer => (false, Vec::new(), self.viewer_can_publish_data),
        };
        VideoGrants {
            room_join: true,
            room: room.as_str().to_owned(),
            room_admin: role.can_moderate(),
            can_subscribe: Some(true),
            can_publish: Some(can_publish),
            can_publish_data: Some(can_publish_data),
            can_publish_sources: sources,
            can_update_own_metadata: Some(role == Role::Host),
            room_create: false,
            room_list: false,
            room_record: false,
            ingress_admin: false,
            hidden: false,
            recorder: false,
            agent: false,
            ..VideoGrants::default()
        }
    }
}

/// The LiveKit grants for `role` in `room` under the default policy.
///
/// ```
/// use video_core::{Role, RoomName};
/// use video_livekit::grants::video_grants;
///
/// let room = RoomName::parse("physics-101")?;
/// let viewer = video_grants(Role::Viewer, &room);
/// assert_eq!(viewer.can_publish, Some(false));
/// assert!(viewer.room_join && !viewer.room_admin);
/// # Ok::<(), video_core::NameError>(())
/// ```
pub fn video_grants(role: Role, room: &RoomName) -> VideoGrants {
    GrantPolicy::default().grants(role, room)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_joins_only_the_named_room_and_can_subscribe() {
        let room = RoomName::parse("r1").unwrap();
        for role in Role::ALL {
            let grants = video_grants(role, &room);
            assert!(grants.room_join, "{role}");
            assert_eq!(grants.room, "r1", "{role}");
            assert_eq!(grants.can_subscribe, Some(true), "{role}");
            assert!(
                !grants.room_create && !grants.room_list && !grants.room_record,
                "{role}"
            );
            assert!(
                !grants.hidden && !grants.recorder && !grants.agent,
                "{role}"
            );
        }
    }

    #[test]
    fn publish_and_admin_flags_follow_the_table() {
        let room = RoomName::parse("r1").unwrap();
        let host = video_grants(Role::Host, &room);
        assert_eq!(
            (host.can_publish, host.can_publish_data, host.room_admin),
            (Some(true), Some(true), true)
        );
        assert!(
            host.can_publish_sources.is_empty(),
            "empty list = every source"
        );
        assert_eq!(host.can_update_own_metadata, Some(true));

        let student = video_grants(Role::Participant, &room);
        assert_eq!(
            (
                student.can_publish,
                student.can_publish_data,
                student.room_admin
            ),
            (Some(true), Some(true), false)
        );
        assert_eq!(student.can_publish_sources, ["camera", "microphone"]);
        assert_eq!(student.can_update_own_metadata, Some(false));

        let viewer = video_grants(Role::Viewer, &room);
        assert_eq!(
            (
                viewer.can_publish,
                viewer.can_publish_data,
                viewer.room_admin
            ),
            (Some(false), Some(false), false)
        );
        assert_eq!(viewer.can_update_own_metadata, Some(false));
    }

    #[test]
    fn the_policy_changes_only_its_three_cells() {
        let room = RoomName::parse("r1").unwrap();
        let open = GrantPolicy {
            participant_sources: TrackSource::ALL.to_vec(),
            participant_can_publish_data: false,
            viewer_can_publish_data: true,
        };
        let student = open.grants(Role::Participant, &room);
        assert_eq!(
            student.can_publish_sources,
            ["camera", "microphone", "screen_share", "screen_share_audio"]
        );
        assert_eq!(student.can_publish_data, Some(false));
        let viewer = open.grants(Role::Viewer, &room);
        assert_eq!(
            (viewer.can_publish, viewer.can_publish_data),
            (Some(false), Some(true))
        );
        assert_eq!(
            open.grants(Role::Host, &room),
            video_grants(Role::Host, &room)
        );

        let silent = GrantPolicy {
            participant_sources: Vec::new(),
            ..GrantPolicy::default()
        };
        let student = silent.grants(Role::Participant, &room);
        assert_eq!(
            student.can_publish,
            Some(false),
            "no sources = no publishing"
        );
        assert!(student.can_publish_sources.is_empty());
    }
}
