//! Authorization: what an authenticated [`Caller`] may have, turning the parsed query into the
//! [`JoinRequest`] the provider is asked for.

use video_core::{DisplayName, JoinRequest, ParticipantIdentity, Role, RoomName};

use crate::query::TokenQuery;

/// Who is asking.
#[derive(Debug)]
pub enum Caller {
    /// Anyone (`TOKEN_SERVER_AUTH=none`).
    Anyone,
    /// The LMS back end (`api-key`): trusted with `user` and `role`.
    Backend,
    /// A user with an LMS session token (`jwt`).
    User(UserGrant),
}

/// What an LMS session token allows.
#[derive(Debug)]
pub struct UserGrant {
    /// The token's `sub`.
    pub identity: ParticipantIdentity,
    /// The highest role the token grants (`None`: the claim is absent or not a role).
    pub role: Option<Role>,
    /// The rooms the token allows.
    pub rooms: RoomPatterns,
    /// The token's `name`, used when the query has none.
    pub name: Option<DisplayName>,
}

/// Room names or `prefix*` patterns from the rooms claim.
#[derive(Debug, Default)]
pub struct RoomPatterns {
    exact: Vec<String>,
    prefixes: Vec<String>,
}

impl RoomPatterns {
    /// No room at all.
    pub fn none() -> Self {
        Self::default()
    }

    /// `name` matches exactly; `prefix*` matches every room starting with `prefix` (`*` alone
    /// matches every room). A `*` anywhere else is a literal character.
    pub fn new<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Self {
        let mut rooms = Self::default();
        for pattern in patterns {
            match pattern.strip_suffix('*') {
                Some(prefix) => rooms.prefixes.push(prefix.to_owned()),
                None => rooms.exact.push(pattern.to_owned()),
            }
        }
        rooms
    }

    /// Whether `room` is allowed.
    pub fn allows(&self, room: &RoomName) -> bool {
        let room = room.as_str();
        self.exact.iter().any(|r| r == room)
            || self.prefixes.iter().any(|p| room.starts_with(p.as_str()))
    }
}

/// Why an authenticated caller may not have the token asked for (403), or what is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// `user` is not the session token's `sub`.
    UserMismatch,
    /// The room is not among the token's rooms.
    RoomNotAllowed,
    /// The role asked for is above the token's role, or the token grants none.
    RoleNotAllowed,
    /// `user` is required (no session token names the caller).
    MissingUser,
}

impl Caller {
    /// Decides what `query` becomes for this caller.
    pub fn authorize(self, query: TokenQuery) -> Result<JoinRequest, Denied> {
        // The provider is the server's to pick (`Providers::select`), not the caller's grant.
        let TokenQuery {
            room,
            user,
            name,
            role,
            provider: _,
        } = query;
        let (identity, role, name) = match self {
            Caller::Anyone | Caller::Backend => (
                user.ok_or(Denied::MissingUser)?,
                role.unwrap_or_default(),
                name,
            ),
            Caller::User(grant) => {
                if user.is_some_and(|user| user != grant.identity) {
                    return Err(Denied::UserMismatch);
                }
                if !grant.rooms.allows(&room) {
                    return Err(Denied::RoomNotAllowed);
                }
                let granted = grant.role.ok_or(Denied::RoleNotAllowed)?;
                let role = role.unwrap_or(granted);
                if role.rank() > granted.rank() {
                    return Err(Denied::RoleNotAllowed);
                }
                (grant.identity, role, name.or(grant.name))
            }
        };
        let request = JoinRequest::new(room, identity, role);
        Ok(match name {
            Some(name) => request.with_display_name(name),
            None => request,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_patterns() {
        let rooms = RoomPatterns::new(["physics-101", "chem-*", "a*b"]);
        let room = |r: &str| RoomName::parse(r).unwrap();
        assert!(
            rooms.allows(&room("physics-101"))
                && rooms.allows(&room("chem-lab-2"))
                && rooms.allows(&room("chem-"))
        );
        assert!(
            !rooms.allows(&room("physics-1010"))
                && !rooms.allows(&room("Chem-1"))
                && !rooms.allows(&room("axb"))
        );
        assert!(RoomPatterns::new(["*"]).allows(&room("anything")));
        assert!(!RoomPatterns::none().allows(&room("anything")));
    }

    fn user(role: Option<Role>, rooms: &[&str]) -> Caller {
        Caller::User(UserGrant {
            identity: ParticipantIdentity::parse("u1").unwrap(),
            role,
            rooms: RoomPatterns::new(rooms.iter().copied()),
            name: Some(DisplayName::parse("From Token").unwrap()),
        })
    }

    fn query(user: Option<&str>, role: Option<Role>) -> TokenQuery {
        TokenQuery {
            room: RoomName::parse("r1").unwrap(),
            user: user.map(|u| ParticipantIdentity::parse(u).unwrap()),
            name: None,
            provider: None,
            role,
        }
    }

    #[test]
    fn users_may_lower_their_role_never_raise_it() {
        let request = user(Some(Role::Participant), &["r1"])
            .authorize(query(None, None))
            .unwrap();
        assert_eq!(
            (request.identity().as_str(), request.role()),
            ("u1", Role::Participant)
        );
        assert_eq!(request.display_name().unwrap().as_str(), "From Token");
        let lowered = user(Some(Role::Host), &["r1"])
            .authorize(query(Some("u1"), Some(Role::Viewer)))
            .unwrap();
        assert_eq!(lowered.role(), Role::Viewer);
        let raised =
            user(Some(Role::Participant), &["r1"]).authorize(query(None, Some(Role::Host)));
        assert_eq!(raised.unwrap_err(), Denied::RoleNotAllowed);
        assert_eq!(
            user(None, &["r1"])
                .authorize(query(None, None))
                .unwrap_err(),
            Denied::RoleNotAllowed
        );
    }

    #[test]
    fn users_are_held_to_their_identity_and_rooms() {
        assert_eq!(
            user(Some(Role::Host), &["r1"])
                .authorize(query(Some("u2"), None))
                .unwrap_err(),
            Denied::UserMismatch
        );
        assert_eq!(
            user(Some(Role::Host), &["r2", "x*"])
                .authorize(query(None, None))
                .unwrap_err(),
            Denied::RoomNotAllowed
        );
        assert_eq!(
            user(Some(Role::Host), &[])
                .authorize(query(None, None))
                .unwrap_err(),
            Denied::RoomNotAllowed
        );
    }

    #[test]
    fn trusted_callers_name_the_user_and_default_to_participant() {
        assert_eq!(
            Caller::Backend.authorize(query(None, None)).unwrap_err(),
            Denied::MissingUser
        );
        let request = Caller::Anyone.authorize(query(Some("u9"), None)).unwrap();
        assert_eq!(
            (request.identity().as_str(), request.role()),
            ("u9", Role::Participant)
        );
    }
}
