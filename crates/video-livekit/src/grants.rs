//! How each [`Role`] maps to LiveKit's video grants.
//!
//! Every flag is set explicitly (in `livekit-api` 0.10 the publish flags are `Option<bool>`, and
//! LiveKit treats an absent flag as *allowed*), so a token never grants more than this table:
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

use livekit_api::access_token::VideoGrants;
use video_core::{Role, RoomName};

/// The track sources a [`Role::Participant`] may publish.
pub const PARTICIPANT_SOURCES: [&str; 2] = ["camera", "microphone"];

/// The LiveKit grants for `role` in `room`, as in the [module table](self).
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
    let can_publish_sources = match role {
        Role::Participant => PARTICIPANT_SOURCES
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
        Role::Host | Role::Viewer => Vec::new(),
    };
    VideoGrants {
        room_join: true,
        room: room.as_str().to_owned(),
        room_admin: role.can_moderate(),
        can_subscribe: Some(true),
        can_publish: Some(role.can_publish()),
        can_publish_data: Some(role.can_publish_data()),
        can_publish_sources,
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
}
