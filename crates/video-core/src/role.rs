use std::fmt;
use std::str::FromStr;

/// What a participant may do in a room.
///
/// Roles are provider-neutral; each provider maps them to its own permissions (the LiveKit
/// provider documents its mapping in `video_livekit::grants`). From most to least privileged:
///
/// | role | LMS person | may |
/// |---|---|---|
/// | [`Role::Host`] | instructor | publish any track (camera, microphone, screen), publish data (chat), subscribe, moderate the room |
/// | [`Role::Participant`] | student | publish camera and microphone, publish data (chat), subscribe |
/// | [`Role::Viewer`] | observer | subscribe only |
///
/// The wire names are the lowercase variant names: `host`, `participant`, `viewer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Role {
    /// An instructor: publishes any source, publishes data and moderates the room.
    Host,
    /// A student: publishes camera and microphone, publishes data, subscribes.
    #[default]
    Participant,
    /// An observer: subscribes only.
    Viewer,
}

impl Role {
    /// Every role, from most to least privileged.
    pub const ALL: [Role; 3] = [Role::Host, Role::Participant, Role::Viewer];

    /// The wire name: `host`, `participant` or `viewer`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Host => "host",
            Role::Participant => "participant",
            Role::Viewer => "viewer",
        }
    }

    /// The privilege rank: host 2 > participant 1 > viewer 0. A role may be lowered to one of
    /// lower rank, never raised.
    pub const fn rank(self) -> u8 {
        match self {
            Role::Host => 2,
            Role::Participant => 1,
            Role::Viewer => 0,
        }
    }

    /// Whether this role may publish audio or video tracks.
    pub const fn can_publish(self) -> bool {
        matches!(self, Role::Host | Role::Participant)
    }

    /// Whether this role may publish data messages (e.g. chat).
    pub const fn can_publish_data(self) -> bool {
        matches!(self, Role::Host | Role::Participant)
    }

    /// Whether this role may moderate the room (mute or remove others, end the session).
    pub const fn can_moderate(self) -> bool {
        matches!(self, Role::Host)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing a [`Role`] from a name that is none of the wire names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be one of: host, participant, viewer")]
pub struct UnknownRole;

impl FromStr for Role {
    type Err = UnknownRole;

    /// Parses a wire name. Matching is exact (lowercase), like every other wire value.
    fn from_str(value: &str) -> Result<Self, UnknownRole> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == value)
            .ok_or(UnknownRole)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
            assert_eq!(role.to_string(), role.as_str());
        }
    }

    #[test]
    fn unknown_names_are_refused_with_the_list() {
        for bad in ["", "Host", "admin", "instructor", " host", "viewer\n"] {
            assert_eq!(bad.parse::<Role>(), Err(UnknownRole), "{bad:?}");
        }
        assert_eq!(
            UnknownRole.to_string(),
            "must be one of: host, participant, viewer"
        );
    }

    #[test]
    fn capabilities_follow_the_table() {
        let table = [
            (Role::Host, true, true, true),
            (Role::Participant, true, true, false),
            (Role::Viewer, false, false, false),
        ];
        for (role, publish, data, moderate) in table {
            assert_eq!(role.can_publish(), publish, "{role} publish");
            assert_eq!(role.can_publish_data(), data, "{role} data");
            assert_eq!(role.can_moderate(), moderate, "{role} moderate");
        }
        assert_eq!(Role::default(), Role::Participant);
    }

    #[test]
    fn every_role_outranks_the_next_in_all() {
        for pair in Role::ALL.windows(2) {
            assert!(pair[0].rank() > pair[1].rank(), "{} > {}", pair[0], pair[1]);
        }
    }
}
