//! Which Meet meeting space each room uses: [`MeetingSpace`], the [`SpaceDirectory`] that keeps
//! the room → space map, and its in-memory default, [`InMemorySpaceDirectory`].

use std::collections::HashMap;
use std::error::Error as StdError;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use serde::{Deserialize, Serialize};
use url::Url;
use video_core::{BoxFuture, RoomName, RoomRecords};

/// The longest meeting code the Meet REST API documents: 128 characters.
const MAX_MEETING_CODE_CHARS: usize = 128;

/// A Meet meeting space, as `spaces.create` describes it: its resource name, the link that joins
/// it and its meeting code (the fields of the [Space resource] this crate uses).
///
/// Built only through [`MeetingSpace::new`], which checks the three fields, so a space read back
/// from a durable [`SpaceDirectory`] is as sound as one Google just returned.
///
/// [Space resource]: https://developers.google.com/workspace/meet/api/reference/rest/v2/spaces
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingSpace {
    name: String,
    meeting_uri: String,
    meeting_code: String,
}

/// Why a [`MeetingSpace`] could not be built: which field breaks which rule (never its value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a Meet meeting space: {0}")]
pub struct InvalidMeetingSpace(&'static str);

impl MeetingSpace {
    /// A space from the Space resource's `name` (`spaces/{space}`), `meetingUri` (an `https` URL,
    /// `https://meet.google.com/{meetingCode}` as Google documents it) and `meetingCode` (1 to
    /// 128 letters, digits or hyphens, such as `abc-mnop-xyz`).
    pub fn new(
        name: impl Into<String>,
        meeting_uri: impl Into<String>,
        meeting_code: impl Into<String>,
    ) -> Result<Self, InvalidMeetingSpace> {
        let (name, meeting_uri, meeting_code) =
            (name.into(), meeting_uri.into(), meeting_code.into());
        let id = name.strip_prefix("spaces/").unwrap_or_default();
        let id_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        if id.is_empty() || !id.chars().all(id_char) {
            return Err(InvalidMeetingSpace(
                "`name` must be `spaces/` followed by the space's id (letters, digits, `-`, `_`)",
            ));
        }
        let https = Url::parse(&meeting_uri).is_ok_and(|url| {
            url.scheme() == "https" && url.host_str().is_some_and(|host| !host.is_empty())
        });
        if !https {
            return Err(InvalidMeetingSpace("`meetingUri` must be an https URL"));
        }
        let code_char = |c: char| c.is_ascii_alphanumeric() || c == '-';
        if !(1..=MAX_MEETING_CODE_CHARS).contains(&meeting_code.len())
            || !meeting_code.chars().all(code_char)
        {
            return Err(InvalidMeetingSpace(
                "`meetingCode` must be 1 to 128 letters, digits or hyphens",
            ));
        }
        Ok(Self {
            name,
            meeting_uri,
            meeting_code,
        })
    }

    /// The space's resource name, `spaces/{space}`: its permanent id, for the Meet REST API's
    /// other methods (`spaces.get`, `spaces.patch`, `spaces.endActiveConference`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The link that joins the space's meetings, e.g. `https://meet.google.com/abc-mnop-xyz`.
    pub fn meeting_uri(&self) -> &str {
        &self.meeting_uri
    }

    /// The typeable code in the link, e.g. `abc-mnop-xyz`. Google warns that codes are not
    /// permanent (they generally expire 365 days after last use); [`name`](Self::name) is.
    pub fn meeting_code(&self) -> &str {
        &self.meeting_code
    }
}

/// Why a [`SpaceDirectory`] could not answer (its store is unreachable, say). The provider turns
/// it into an unavailable provider; the source is for the log.
#[derive(Debug, thiserror::Error)]
#[error("the meeting-space directory failed")]
pub struct SpaceDirectoryError {
    #[source]
    source: Box<dyn StdError + Send + Sync>,
}

impl SpaceDirectoryError {
    /// Wraps what went wrong in the directory's store. It must not hold a secret.
    pub fn new(source: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        Self {
            source: source.into(),
        }
    }
}

/// Where the provider keeps which [`MeetingSpace`] each room uses, so that every participant of
/// a room lands in the same meeting.
///
/// [`InMemorySpaceDirectory`] is the default. A back end that runs several token servers, or
/// wants a room to keep its link across restarts, implements this trait over its own database
/// and hands it to [`GoogleMeetSettings::with_space_directory`](crate::GoogleMeetSettings::with_space_directory).
///
/// The provider calls [`insert_if_absent`](Self::insert_if_absent) at most once per room at a
/// time within one process. Across processes, two servers may both create a space for a new room;
/// `insert_if_absent` must then keep the first and hand it to both (with a unique key on the room,
/// say), and the other space is left unused.
pub trait SpaceDirectory: fmt::Debug + Send + Sync {
    /// The space recorded for `room`, if any.
    fn get<'a>(
        &'a self,
        room: &'a RoomName,
    ) -> BoxFuture<'a, Result<Option<MeetingSpace>, SpaceDirectoryError>>;

    /// Records `space` for `room` unless a space is recorded for it already, and returns the one
    /// recorded: `space`, or the one that was there first.
    fn insert_if_absent<'a>(
        &'a self,
        room: &'a RoomName,
        space: MeetingSpace,
    ) -> BoxFuture<'a, Result<MeetingSpace, SpaceDirectoryError>>;
}

/// The default [`SpaceDirectory`]: a map in this process's memory.
///
/// It is lost when the process stops, and each process has its own: after a restart, or on a
/// second token-server replica, the same room gets a new space (a new link) on its next join.
///
/// `Debug` shows how many rooms it holds, not their links: anyone with a link may knock, or join.
#[derive(Default)]
pub struct InMemorySpaceDirectory {
    spaces: Mutex<HashMap<RoomName, MeetingSpace>>,
}

impl InMemorySpaceDirectory {
    /// An empty directory.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many rooms have a space.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no room has a space yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<RoomName, MeetingSpace>> {
        // A panic elsewhere while holding the lock cannot leave the map half-written: every
        // change is one insert.
        self.spaces.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for InMemorySpaceDirectory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InMemorySpaceDirectory")
            .field("rooms", &self.len())
            .finish()
    }
}

impl SpaceDirectory for InMemorySpaceDirectory {
    fn get<'a>(
        &'a self,
        room: &'a RoomName,
    ) -> BoxFuture<'a, Result<Option<MeetingSpace>, SpaceDirectoryError>> {
        let space = self.lock().get(room).cloned();
        Box::pin(async move { Ok(space) })
    }

    fn insert_if_absent<'a>(
        &'a self,
        room: &'a RoomName,
        space: MeetingSpace,
    ) -> BoxFuture<'a, Result<MeetingSpace, SpaceDirectoryError>> {
        let recorded = self.lock().entry(room.clone()).or_insert(space).clone();
        Box::pin(async move { Ok(recorded) })
    }
}

/// A [`SpaceDirectory`] on its host's [`RoomRecords`] (the token server's attendance database):
/// one record per room, the space as JSON (`name`, `meeting_uri`, `meeting_code`), the first
/// recorded kept, so every replica and every restart hands out the same link.
///
/// [`GoogleMeetSettings`](crate::GoogleMeetSettings) uses it when its host gives it records
/// (`ProviderSettings::with_room_records`).
#[derive(Debug)]
pub struct RecordsSpaceDirectory {
    records: Arc<dyn RoomRecords>,
}

/// How a [`MeetingSpace`] is written in a room record.
#[derive(Serialize, Deserialize)]
struct SpaceRecord {
    name: String,
    meeting_uri: String,
    meeting_code: String,
}

impl RecordsSpaceDirectory {
    /// The directory on `records`.
    pub fn new(records: Arc<dyn RoomRecords>) -> Self {
        Self { records }
    }

    /// A record back into a space, checked as one from Google is.
    fn decode(record: &str) -> Result<MeetingSpace, SpaceDirectoryError> {
        let record: SpaceRecord = serde_json::from_str(record)
            .map_err(|_| SpaceDirectoryError::new("a room record is not a meeting space's JSON"))?;
        MeetingSpace::new(record.name, record.meeting_uri, record.meeting_code)
            .map_err(SpaceDirectoryError::new)
    }
}

impl SpaceDirectory for RecordsSpaceDirectory {
    fn get<'a>(
        &'a self,
        room: &'a RoomName,
    ) -> BoxFuture<'a, Result<Option<MeetingSpace>, SpaceDirectoryError>> {
        Box::pin(async move {
            let record = self
                .records
                .get(crate::provider::PROVIDER, room)
                .await
                .map_err(SpaceDirectoryError::new)?;
            record.as_deref().map(Self::decode).transpose()
        })
    }

    fn insert_if_absent<'a>(
        &'a self,
        room: &'a RoomName,
        space: MeetingSpace,
    ) -> BoxFuture<'a, Result<MeetingSpace, SpaceDirectoryError>> {
        Box::pin(async move {
            let record = SpaceRecord {
                name: space.name,
                meeting_uri: space.meeting_uri,
                meeting_code: space.meeting_code,
            };
            let record = serde_json::to_string(&record).map_err(SpaceDirectoryError::new)?;
            let kept = self
                .records
                .insert_if_absent(crate::provider::PROVIDER, room, record)
                .await
                .map_err(SpaceDirectoryError::new)?;
            Self::decode(&kept)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAME: &str = "spaces/jQCFfuBOdN5z";
    const URI: &str = "https://meet.google.com/abc-mnop-xyz";
    const CODE: &str = "abc-mnop-xyz";

    #[test]
    fn a_space_is_checked_field_by_field() {
        let space = MeetingSpace::new(NAME, URI, CODE).unwrap();
        assert_eq!(
            (space.name(), space.meeting_uri(), space.meeting_code()),
            (NAME, URI, CODE)
        );
        let cases = [
            ("jQCFfuBOdN5z", URI, CODE, "`name`"),
            ("spaces/", URI, CODE, "`name`"),
            ("spaces/a/b", URI, CODE, "`name`"),
            (
                NAME,
                "http://meet.google.com/abc-mnop-xyz",
                CODE,
                "`meetingUri`",
            ),
            (NAME, "meet.google.com/abc-mnop-xyz", CODE, "`meetingUri`"),
            (NAME, "javascript:alert(1)", CODE, "`meetingUri`"),
            (NAME, URI, "", "`meetingCode`"),
            (NAME, URI, "abc mnop", "`meetingCode`"),
        ];
        for (name, uri, code, field) in cases {
            let error = MeetingSpace::new(name, uri, code).unwrap_err();
            assert!(error.to_string().contains(field), "{name} {uri} {code}");
        }
        assert!(MeetingSpace::new(NAME, URI, "a".repeat(128)).is_ok());
        assert!(MeetingSpace::new(NAME, URI, "a".repeat(129)).is_err());
    }

    #[test]
    fn the_first_space_recorded_for_a_room_wins() {
        let directory = InMemorySpaceDirectory::new();
        let room = RoomName::parse("physics-101").unwrap();
        let first = MeetingSpace::new(NAME, URI, CODE).unwrap();
        let second = MeetingSpace::new(
            "spaces/other",
            "https://meet.google.com/xyz-abcd-efg",
            "xyz-abcd-efg",
        )
        .unwrap();
        assert_eq!(now(directory.get(&room)).unwrap(), None);
        assert_eq!(
            now(directory.insert_if_absent(&room, first.clone())).unwrap(),
            first
        );
        assert_eq!(
            now(directory.insert_if_absent(&room, second)).unwrap(),
            first
        );
        assert_eq!(now(directory.get(&room)).unwrap(), Some(first));
        assert_eq!(directory.len(), 1);
        assert!(!directory.is_empty());
        assert_eq!(
            format!("{directory:?}"),
            "InMemorySpaceDirectory { rooms: 1 }"
        );
    }

    /// Room records in memory, as a host's database would keep them: the first per pair.
    #[derive(Debug, Default)]
    struct Records(Mutex<HashMap<(&'static str, String), String>>);

    impl RoomRecords for Records {
        fn get<'a>(
            &'a self,
            provider: &'static str,
            room: &'a RoomName,
        ) -> BoxFuture<'a, Result<Option<String>, video_core::RoomRecordsError>> {
            let record = self
                .0
                .lock()
                .unwrap()
                .get(&(provider, room.as_str().to_owned()))
                .cloned();
            Box::pin(async move { Ok(record) })
        }

        fn insert_if_absent<'a>(
            &'a self,
            provider: &'static str,
            room: &'a RoomName,
            record: String,
        ) -> BoxFuture<'a, Result<String, video_core::RoomRecordsError>> {
            let kept = self
                .0
                .lock()
                .unwrap()
                .entry((provider, room.as_str().to_owned()))
                .or_insert(record)
                .clone();
            Box::pin(async move { Ok(kept) })
        }
    }

    #[test]
    fn spaces_kept_in_room_records_come_back_checked() {
        let records = Arc::new(Records::default());
        let directory = RecordsSpaceDirectory::new(records.clone());
        let room = RoomName::parse("physics-101").unwrap();
        let first = MeetingSpace::new(NAME, URI, CODE).unwrap();
        let second = MeetingSpace::new(
            "spaces/other",
            "https://meet.google.com/xyz-abcd-efg",
            "xyz-abcd-efg",
        )
        .unwrap();
        assert_eq!(now(directory.get(&room)).unwrap(), None);
        assert_eq!(
            now(directory.insert_if_absent(&room, first.clone())).unwrap(),
            first
        );
        assert_eq!(
            now(directory.insert_if_absent(&room, second)).unwrap(),
            first,
            "the first space recorded is kept"
        );
        // Another directory on the same records (another replica) finds it.
        let replica = RecordsSpaceDirectory::new(records.clone());
        assert_eq!(now(replica.get(&room)).unwrap(), Some(first));
        // Under the provider's own name, as JSON.
        let stored = records
            .0
            .lock()
            .unwrap()
            .get(&("google-meet", "physics-101".to_owned()))
            .cloned()
            .unwrap();
        assert_eq!(
            stored,
            format!(r#"{{"name":"{NAME}","meeting_uri":"{URI}","meeting_code":"{CODE}"}}"#)
        );
        // A record that is not a sound space is an error, not a link handed out.
        let bad = RoomName::parse("tampered").unwrap();
        for record in [
            "not json",
            r#"{"name":"spaces/x","meeting_uri":"javascript:alert(1)","meeting_code":"x"}"#,
        ] {
            records
                .0
                .lock()
                .unwrap()
                .insert(("google-meet", "tampered".to_owned()), record.to_owned());
            assert!(now(replica.get(&bad)).is_err(), "{record}");
        }
    }

    #[test]
    fn directory_errors_keep_their_cause() {
        let error = SpaceDirectoryError::new("database unreachable");
        assert_eq!(error.to_string(), "the meeting-space directory failed");
        assert_eq!(
            StdError::source(&error).map(ToString::to_string).as_deref(),
            Some("database unreachable")
        );
    }

    /// The in-memory directory's futures are ready at once.
    fn now<T>(future: BoxFuture<'_, T>) -> T {
        let mut future = future;
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match future.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(output) => output,
            std::task::Poll::Pending => panic!("in-memory futures are ready at once"),
        }
    }
}
