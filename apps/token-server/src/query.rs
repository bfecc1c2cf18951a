//! The query string of `GET /api/video/token`, decoded strictly into typed parameters.
//!
//! [`decode_query_component`] decodes one `application/x-www-form-urlencoded` value (a query
//! parameter) strictly: `+` is a space, `%XX` must be followed by exactly two hexadecimal digits,
//! and the decoded bytes must be valid UTF-8. Anything else is refused with a
//! [`QueryDecodeError`]; it is never repaired with replacement characters.
//! [`parse_token_query`] splits the query into its parameters and parses each into its domain
//! type once.

use std::borrow::Cow;

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{IntoParams, PartialSchema, ToSchema};
use video_core::{
    DisplayName, MAX_NAME_BYTES, NO_CONTROL_CHARACTERS_PATTERN, NameError, ParticipantIdentity,
    Role, RoomName,
};

use crate::problem::ApiError;

/// The query parameters of `GET /api/video/token`, parsed: what [`parse_token_query`] returns
/// and, through `IntoParams`, what the OpenAPI document says about each parameter.
///
/// Names follow the rules of `video_core::names`: 1 to 256 bytes of UTF-8 (`maxLength` counts
/// characters, so it is only an upper bound: 256 two-byte characters are too long), no control
/// characters (the `pattern`), kept exactly as given. The query must be valid
/// `application/x-www-form-urlencoded` UTF-8 (`+` is a space, `%2B` a plus sign); each parameter
/// may appear once, and no other parameter is accepted.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenQuery {
    /// The room to join, e.g. `physics-101`. LiveKit creates it on first join.
    #[param(value_type = NameSchema, inline, example = "physics-101")]
    pub room: RoomName,
    /// The participant's stable identity, e.g. the LMS user id. Required, except with
    /// `TOKEN_SERVER_AUTH=jwt`, where it defaults to the session token's `sub` (and must equal
    /// it when given).
    #[param(value_type = Option<NameSchema>, inline, example = "student-42")]
    pub user: Option<ParticipantIdentity>,
    /// The name other participants see (optional).
    #[param(value_type = Option<NameSchema>, inline, example = "Ada Lovelace")]
    pub name: Option<DisplayName>,
    /// The role: `host` (instructor), `participant` (student) or `viewer` (observer, subscribe
    /// only). Defaults to `participant`; with `TOKEN_SERVER_AUTH=jwt`, to the session token's
    /// role, which may be lowered but never raised.
    #[param(value_type = Option<RoleSchema>, inline, example = "participant")]
    pub role: Option<Role>,
    /// The video provider to issue the ticket for, when the server has several enabled
    /// (`VIDEO_PROVIDERS`, during a migration from one to another); the default
    /// (`VIDEO_PROVIDER`) when absent. One the server has not enabled is refused with
    /// `provider_not_enabled`. The answer's `provider` says which SDK joins with the ticket.
    #[param(value_type = Option<ProviderSchema>, inline, example = "livekit")]
    pub provider: Option<String>,
}

/// The schema of a provider's name: the providers this server knows.
pub(crate) struct ProviderSchema;

impl PartialSchema for ProviderSchema {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("A video provider's name."))
            .enum_values(Some(crate::providers::known_names()))
            .into()
    }
}

impl ToSchema for ProviderSchema {}

/// The schema of a name parameter, from the name rules themselves.
pub(crate) struct NameSchema;

impl PartialSchema for NameSchema {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .max_length(Some(MAX_NAME_BYTES))
            .pattern(Some(NO_CONTROL_CHARACTERS_PATTERN))
            .into()
    }
}

impl ToSchema for NameSchema {}

/// The schema of `role`: its wire names, from [`Role::ALL`].
struct RoleSchema;

impl PartialSchema for RoleSchema {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("A role's wire name."))
            .enum_values(Some(Role::ALL.map(Role::as_str)))
            .into()
    }
}

impl ToSchema for RoleSchema {}

/// The parameters of `GET /api/video/token`, in the order [`parse_token_query`] takes them.
pub const TOKEN_PARAMETERS: &[&str] = &["room", "user", "name", "role", "provider"];

/// Decodes `query` strictly into the values of `names` (each at most once, in that order):
/// valid percent-encoding and UTF-8, no other parameter, empty pairs skipped.
pub fn parse_pairs<const N: usize>(
    query: &str,
    names: &'static [&'static str],
) -> Result<[Option<String>; N], ApiError> {
    let mut values: [Option<String>; N] = std::array::from_fn(|_| None);
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode_query_component(raw_key).map_err(ApiError::MalformedQuery)?;
        let value = decode_query_component(raw_value).map_err(ApiError::MalformedQuery)?;
        let index = names
            .iter()
            .position(|name| *name == key)
            .filter(|index| *index < N)
            .ok_or(ApiError::UnknownParameter(names))?;
        if values[index].replace(value.into_owned()).is_some() {
            return Err(ApiError::DuplicateParameter(names[index]));
        }
    }
    Ok(values)
}

/// Parses the raw query string strictly: each of `room`, `user`, `name`, `role`, `provider` at
/// most once, nothing else, valid form encoding, valid names. `room` is required here; whether
/// `user` is depends on the caller (see [`crate::auth::Caller::authorize`]); whether `provider`
/// names an enabled provider, on the server (`crate::providers::Providers::select`).
pub fn parse_token_query(query: &str) -> Result<TokenQuery, ApiError> {
    let [room, user, name, role, provider] = parse_pairs::<5>(query, TOKEN_PARAMETERS)?;
    let invalid = |parameter| move |source: NameError| ApiError::InvalidName { parameter, source };
    let room = RoomName::parse(room.ok_or(ApiError::MissingParameter("room"))?)
        .map_err(invalid("room"))?;
    let user = user
        .map(ParticipantIdentity::parse)
        .transpose()
        .map_err(invalid("user"))?;
    let name = name
        .map(DisplayName::parse)
        .transpose()
        .map_err(invalid("name"))?;
    let role = role
        .map(|role| role.parse::<Role>())
        .transpose()
        .map_err(|_| ApiError::UnknownRole)?;
    Ok(TokenQuery {
        room,
        user,
        name,
        role,
        provider,
    })
}

/// Why a query-string component could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QueryDecodeError {
    /// A `%` that is not followed by two hexadecimal digits.
    #[error("malformed percent-encoding at byte {index}")]
    MalformedPercentEncoding {
        /// Byte offset of the offending `%` in the raw component.
        index: usize,
    },
    /// The decoded bytes are not valid UTF-8.
    #[error("decoded bytes are not valid UTF-8")]
    InvalidUtf8,
}

/// Decodes one `application/x-www-form-urlencoded` component strictly.
///
/// `+` becomes a space and `%XX` the byte `0xXX`. A `%` without two hexadecimal digits after it,
/// or a result that is not UTF-8, is an error: the input is never repaired, so two different
/// inputs never decode to the same string. Borrows the input when there is nothing to decode.
///
/// ```
/// use token_server::query::{QueryDecodeError, decode_query_component};
///
/// assert_eq!(decode_query_component("Ada+L%C3%B6we").unwrap(), "Ada Löwe");
/// assert_eq!(
///     decode_query_component("100%"),
///     Err(QueryDecodeError::MalformedPercentEncoding { index: 3 })
/// );
/// assert_eq!(decode_query_component("%FF"), Err(QueryDecodeError::InvalidUtf8));
/// ```
pub fn decode_query_component(raw: &str) -> Result<Cow<'_, str>, QueryDecodeError> {
    if !raw.bytes().any(|b| b == b'%' || b == b'+') {
        return Ok(Cow::Borrowed(raw));
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let hex = |offset: usize| bytes.get(i + offset).and_then(|b| hex_value(*b));
                match (hex(1), hex(2)) {
                    (Some(high), Some(low)) => out.push(high << 4 | low),
                    _ => return Err(QueryDecodeError::MalformedPercentEncoding { index: i }),
                }
                i += 3;
            }
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    String::from_utf8(out)
        .map(Cow::Owned)
        .map_err(|_| QueryDecodeError::InvalidUtf8)
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use video_core::JoinRequest;

    use super::*;

    /// What an unauthenticated (development) caller's query becomes.
    fn parse_join_request(query: &str) -> Result<JoinRequest, ApiError> {
        Ok(crate::auth::Caller::Anyone.authorize(parse_token_query(query)?)?)
    }

    #[test]
    fn parses_a_full_query() {
        let request =
            parse_join_request("room=physics+101&user=s%C3%A9b&name=S%C3%A9b+B.&role=viewer")
                .unwrap();
        assert_eq!(request.room().as_str(), "physics 101");
        assert_eq!(request.identity().as_str(), "séb");
        assert_eq!(
            request.display_name().map(DisplayName::as_str),
            Some("Séb B.")
        );
        assert_eq!(request.role(), Role::Viewer);
    }

    #[test]
    fn role_defaults_to_participant_and_empty_pairs_are_skipped() {
        let request = parse_join_request("&room=a&&user=b&").unwrap();
        assert_eq!(request.role(), Role::Participant);
        assert_eq!(request.display_name(), None);
    }

    #[test]
    fn refuses_bad_queries_with_the_right_code() {
        let long = "x".repeat(257);
        let cases = [
            ("", "missing_parameter"),
            ("room=a", "missing_parameter"),
            ("user=a", "missing_parameter"),
            ("room=&user=a", "empty_parameter"),
            ("room&user=a", "empty_parameter"),
            ("room=a&user=a&name=", "empty_parameter"),
            (&format!("room={long}&user=a") as &str, "parameter_too_long"),
            ("room=a&user=a%0A", "invalid_characters"),
            ("room=a&room=b&user=c", "duplicate_parameter"),
            ("room=a&user=b&admin=1", "unknown_parameter"),
            ("room=a%&user=b", "malformed_query"),
            ("room=a&user=%FF", "malformed_query"),
            ("ro%zzom=a&user=b", "malformed_query"),
            ("room=a&user=b&role=admin", "unknown_role"),
            ("room=a&user=b&role=Host", "unknown_role"),
        ];
        for (query, code) in cases {
            let error = parse_join_request(query).map(|_| ()).unwrap_err();
            assert_eq!(error.code(), code, "{query}");
        }
    }

    #[test]
    fn decodes_form_encoding() {
        let cases = [
            ("plain", "plain"),
            ("a+b", "a b"),
            ("a%2Bb", "a+b"),
            ("%41%62%63", "Abc"),
            ("%e6%bc%a2", "漢"),
            ("%25", "%"),
            ("", ""),
        ];
        for (raw, decoded) in cases {
            assert_eq!(decode_query_component(raw).unwrap(), decoded, "{raw}");
        }
    }

    #[test]
    fn refuses_malformed_encoding_instead_of_repairing_it() {
        use QueryDecodeError::*;
        let cases = [
            ("%", MalformedPercentEncoding { index: 0 }),
            ("ab%4", MalformedPercentEncoding { index: 2 }),
            ("%zz", MalformedPercentEncoding { index: 0 }),
            ("%4g", MalformedPercentEncoding { index: 0 }),
            ("ok%20then%", MalformedPercentEncoding { index: 9 }),
            ("%FF", InvalidUtf8),
            ("%C3", InvalidUtf8),
            ("%C3%28", InvalidUtf8),
            ("%ED%A0%80", InvalidUtf8), // an encoded UTF-16 surrogate
        ];
        for (raw, expected) in cases {
            assert_eq!(decode_query_component(raw), Err(expected), "{raw}");
        }
    }

    fn encode(value: &str) -> String {
        value
            .bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                b' ' => "+".to_owned(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    }

    proptest! {
        #[test]
        fn decoding_round_trips_every_string(value in any::<String>()) {
            let encoded = encode(&value);
            prop_assert_eq!(decode_query_component(&encoded).unwrap(), value);
        }

        #[test]
        fn decoding_never_panics_and_fails_only_on_bad_escapes_or_utf8(raw in "[%+a-fA-F0-9zé]{0,16}") {
            match decode_query_component(&raw) {
                // A replacement character appears only when the input spelled it out.
                Ok(decoded) => {
                    let replacement = decoded.contains(char::REPLACEMENT_CHARACTER);
                    prop_assert!(!replacement || raw.to_ascii_uppercase().contains("%EF%BF%BD"));
                }
                Err(QueryDecodeError::MalformedPercentEncoding { index }) => {
                    prop_assert_eq!(raw.as_bytes()[index], b'%');
                }
                Err(QueryDecodeError::InvalidUtf8) => prop_assert!(raw.contains('%')),
            }
        }
    }
}
