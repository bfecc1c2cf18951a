//! Validated names: rooms, participant identities and display names.
//!
//! # Rules
//!
//! [`RoomName`], [`ParticipantIdentity`] and [`DisplayName`] share one set of rules. A value is
//! accepted exactly when it
//!
//! 1. is not empty,
//! 2. is at most [`MAX_NAME_BYTES`] (256) bytes long when encoded as UTF-8 (so at most 256 ASCII
//!    characters, fewer for other scripts: `"é"` is two bytes, `"漢"` three), and
//! 3. contains no control character: nothing for which [`char::is_control`] holds, i.e. the
//!    Unicode general category `Cc` (U+0000–U+001F, U+007F–U+009F: NUL, tab, newline, escape…).
//!
//! Nothing else is changed or refused: values are case-sensitive, white space (other than the
//! control characters above) is kept as given and is significant, and no Unicode normalization
//! is applied. Two different inputs therefore always stay two different names; nothing is
//! trimmed, folded or repaired.

/// The longest accepted name, in bytes of UTF-8.
pub const MAX_NAME_BYTES: usize = 256;

/// Rule 3 as a regular expression over the whole value (the syntax of JSON Schema's `pattern`,
/// for API descriptions): no character from U+0000–U+001F or U+007F–U+009F, which are exactly the
/// characters for which [`char::is_control`] holds (a test checks every `char`).
pub const NO_CONTROL_CHARACTERS_PATTERN: &str = r"^[^\u0000-\u001F\u007F-\u009F]*$";

/// Why a string is not a valid name. The messages never repeat the rejected value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// The value is the empty string.
    #[error("must not be empty")]
    Empty,
    /// The value is longer than [`MAX_NAME_BYTES`] bytes of UTF-8.
    #[error("must be at most {max} bytes of UTF-8, got {len}", max = MAX_NAME_BYTES)]
    TooLong {
        /// The length of the rejected value in bytes.
        len: usize,
    },
    /// The value contains a control character.
    #[error("must not contain control characters (found one at byte {index})")]
    ControlCharacter {
        /// Byte offset of the first control character.
        index: usize,
    },
}

pub(crate) fn check(value: &str) -> Result<(), NameError> {
    if value.is_empty() {
        return Err(NameError::Empty);
    }
    if value.len() > MAX_NAME_BYTES {
        return Err(NameError::TooLong { len: value.len() });
    }
    match value.char_indices().find(|(_, c)| c.is_control()) {
        Some((index, _)) => Err(NameError::ControlCharacter { index }),
        None => Ok(()),
    }
}

macro_rules! validated_name {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Parses a value, accepting it only if it follows the [name rules](crate::names).
            pub fn parse(value: impl Into<String>) -> Result<Self, $crate::names::NameError> {
                let value = value.into();
                $crate::names::check(&value)?;
                Ok(Self(value))
            }

            /// The validated value.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Consumes the name and returns the validated value.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_tuple(stringify!($name)).field(&self.0).finish()
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::names::NameError;

            fn from_str(value: &str) -> Result<Self, $crate::names::NameError> {
                Self::parse(value)
            }
        }
    };
}

/// The same newtype for other validated strings of the crate (the provider's ids in `events`).
pub(crate) use validated_name;

validated_name!(
    /// The name of a room, e.g. `physics-101`. See the [module rules](self).
    RoomName
);
validated_name!(
    /// The stable identity of a participant, e.g. the LMS user id. See the [module rules](self).
    ///
    /// Providers use it as the participant's unique key inside a room: two connections with the
    /// same identity are the same participant.
    ParticipantIdentity
);
validated_name!(
    /// The human-readable name shown to other participants, e.g. `Ada Lovelace`. See the
    /// [module rules](self).
    DisplayName
);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_names_within_the_rules() {
        for ok in [
            "a",
            "physics-101",
            "Room with spaces",
            " leading and trailing ",
            "Ünïcødé 漢字 🎓",
            &"x".repeat(MAX_NAME_BYTES),
            &"é".repeat(MAX_NAME_BYTES / 2),
        ] {
            let room = RoomName::parse(ok).unwrap_or_else(|e| panic!("{ok:?} refused: {e}"));
            assert_eq!(room.as_str(), ok, "the value is kept exactly as given");
        }
    }

    #[test]
    fn refuses_names_outside_the_rules_with_a_reason_per_case() {
        let cases: &[(&str, NameError, &str)] = &[
            ("", NameError::Empty, "empty"),
            (
                &"x".repeat(257),
                NameError::TooLong { len: 257 },
                "257 bytes",
            ),
            (
                &"é".repeat(129),
                NameError::TooLong { len: 258 },
                "129 two-byte chars",
            ),
            ("a\0b", NameError::ControlCharacter { index: 1 }, "NUL"),
            ("tab\there", NameError::ControlCharacter { index: 3 }, "tab"),
            (
                "line\n",
                NameError::ControlCharacter { index: 4 },
                "newline",
            ),
            ("\u{7f}", NameError::ControlCharacter { index: 0 }, "DEL"),
            (
                "é\u{85}",
                NameError::ControlCharacter { index: 2 },
                "C1 NEL",
            ),
            (
                "\u{1b}[31m",
                NameError::ControlCharacter { index: 0 },
                "ESC",
            ),
        ];
        for (input, expected, why) in cases {
            assert_eq!(ParticipantIdentity::parse(*input), Err(*expected), "{why}");
        }
    }

    #[test]
    fn error_messages_state_the_rule_and_never_the_value() {
        let secretish = format!("{}{}", "s3cr3t", "y".repeat(300));
        let message = RoomName::parse(secretish).unwrap_err().to_string();
        assert_eq!(message, "must be at most 256 bytes of UTF-8, got 306");
        assert_eq!(
            RoomName::parse("s3cr3t\n").unwrap_err().to_string(),
            "must not contain control characters (found one at byte 6)"
        );
        assert_eq!(
            DisplayName::parse("").unwrap_err().to_string(),
            "must not be empty"
        );
    }

    #[test]
    fn names_convert_and_display() {
        let identity: ParticipantIdentity = "alice".parse().unwrap();
        assert_eq!(identity.to_string(), "alice");
        assert_eq!(identity.as_ref(), "alice");
        assert_eq!(format!("{identity:?}"), r#"ParticipantIdentity("alice")"#);
        assert_eq!(identity.into_string(), "alice");
    }

    /// The pattern's two ranges, read back from its text, are exactly the control characters.
    #[test]
    fn the_pattern_excludes_exactly_the_control_characters() {
        let bounds: Vec<u32> = NO_CONTROL_CHARACTERS_PATTERN
            .split("\\u")
            .skip(1)
            .map(|hex| u32::from_str_radix(&hex[..4], 16).unwrap())
            .collect();
        assert_eq!(bounds.len(), 4, "{NO_CONTROL_CHARACTERS_PATTERN}");
        let excluded = |c: char| {
            let c = u32::from(c);
            (bounds[0]..=bounds[1]).contains(&c) || (bounds[2]..=bounds[3]).contains(&c)
        };
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            assert_eq!(excluded(c), c.is_control(), "U+{:04X}", u32::from(c));
        }
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_accepts_exactly_the_rules(value in any::<String>()) {
            let expected_ok = !value.is_empty()
                && value.len() <= MAX_NAME_BYTES
                && !value.chars().any(char::is_control);
            match RoomName::parse(value.clone()) {
                Ok(room) => {
                    prop_assert!(expected_ok);
                    prop_assert_eq!(room.as_str(), value.as_str());
                }
                Err(_) => prop_assert!(!expected_ok),
            }
        }
    }
}
