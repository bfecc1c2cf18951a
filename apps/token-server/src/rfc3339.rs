//! RFC 3339 times in whole seconds, UTC (`2026-11-24T06:00:00Z`): the `expires_at` of a token
//! answer and the stamp of a log line. Both change once per second at most, so each keeps a
//! [`SecondStamp`] and formats only when the second changes.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// The text of one second, on the stack.
#[derive(Clone, Copy)]
pub(crate) struct Rfc3339 {
    text: [u8; Self::MAX],
    len: u8,
}

impl Rfc3339 {
    /// Room for the text, with a margin: `humantime` writes 20 bytes.
    const MAX: usize = 32;

    const EMPTY: Self = Self {
        text: [0; Self::MAX],
        len: 0,
    };

    /// `time`, rounded down to the second. `humantime` formats the years up to 9999 and
    /// refuses later ones with an error: then the text is empty (`to_string`, and `write!` into
    /// an `io::Write`, would panic). A time before 1970 counts as 1970.
    pub(crate) fn format(time: SystemTime) -> Self {
        let since_1970 = time.duration_since(UNIX_EPOCH).unwrap_or_default();
        let mut text = Self::EMPTY;
        let time = UNIX_EPOCH + since_1970;
        if write!(text, "{}", humantime::format_rfc3339_seconds(time)).is_err() {
            text.len = 0;
        }
        text
    }

    pub(crate) fn as_str(&self) -> &str {
        // ASCII digits and punctuation from `humantime`: always UTF-8.
        std::str::from_utf8(&self.text[..usize::from(self.len)]).unwrap_or_default()
    }
}

/// Appends to the text; an error when it would not fit.
impl std::fmt::Write for Rfc3339 {
    fn write_str(&mut self, part: &str) -> std::fmt::Result {
        let start = usize::from(self.len);
        let end = start + part.len();
        let free = self.text.get_mut(start..end).ok_or(std::fmt::Error)?;
        free.copy_from_slice(part.as_bytes());
        self.len = u8::try_from(end).map_err(|_| std::fmt::Error)?;
        Ok(())
    }
}

impl std::fmt::Display for Rfc3339 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Rfc3339 {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// The text of the last second asked for, formatted again only when the second changes.
#[derive(Clone, Copy)]
pub(crate) struct SecondStamp {
    second: Option<u64>,
    text: Rfc3339,
}

impl SecondStamp {
    pub(crate) const fn new() -> Self {
        Self {
            second: None,
            text: Rfc3339::EMPTY,
        }
    }

    /// The text of `time`'s second.
    pub(crate) fn of(&mut self, time: SystemTime) -> Rfc3339 {
        let second = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        if self.second != Some(second) {
            self.second = Some(second);
            self.text = Rfc3339::format(time);
        }
        self.text
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn whole_seconds_in_utc_and_nothing_past_the_year_9999() {
        let time = UNIX_EPOCH + Duration::from_secs(1_795_500_000);
        assert_eq!(Rfc3339::format(time).as_str(), "2026-11-24T06:00:00Z");
        let later = time + Duration::from_millis(999);
        assert_eq!(Rfc3339::format(later).to_string(), "2026-11-24T06:00:00Z");
        assert_eq!(Rfc3339::format(UNIX_EPOCH).as_str(), "1970-01-01T00:00:00Z");
        let before = UNIX_EPOCH - Duration::from_secs(1);
        assert_eq!(Rfc3339::format(before).as_str(), "1970-01-01T00:00:00Z");
        let year_10000 = UNIX_EPOCH + Duration::from_secs(253_402_300_800);
        assert_eq!(Rfc3339::format(year_10000).as_str(), "");
    }

    #[test]
    fn a_stamp_follows_the_second() {
        let mut stamp = SecondStamp::new();
        let time = UNIX_EPOCH + Duration::from_secs(1_795_500_000);
        assert_eq!(stamp.of(time).as_str(), "2026-11-24T06:00:00Z");
        let later = time + Duration::from_millis(999);
        assert_eq!(stamp.of(later).as_str(), "2026-11-24T06:00:00Z");
        let next = time + Duration::from_secs(1);
        assert_eq!(stamp.of(next).as_str(), "2026-11-24T06:00:01Z");
        assert_eq!(stamp.of(time).as_str(), "2026-11-24T06:00:00Z");
    }
}
