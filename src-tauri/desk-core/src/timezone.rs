//! Account time zones (IANA names via chrono-tz) and the clock shown next to them.

use crate::FieldError;
use chrono::{DateTime, Offset, Utc};
use chrono_tz::{OffsetName, Tz, TZ_VARIANTS};
use serde::Serialize;

const FIELD: &str = "timezone";

/// Kazoo's schema bounds for `timezone` (5–32 characters): zones outside them (`UTC`, `EST`)
/// are real but the platform would refuse them.
const KAZOO_MIN: usize = 5;
const KAZOO_MAX: usize = 32;

/// An account's home time zone, or "inherited from the parent account".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timezone {
    Inherit,
    Zone(Tz),
}

impl Timezone {
    /// Parse what a user typed or picked. Empty and `inherit` mean inherited; zone names are
    /// matched exactly first, then case-insensitively (`europe/paris` → `Europe/Paris`).
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let s = input.trim();
        if s.is_empty() || s.eq_ignore_ascii_case("inherit") {
            return Ok(Timezone::Inherit);
        }
        let tz = s
            .parse::<Tz>()
            .ok()
            .or_else(|| {
                TZ_VARIANTS
                    .iter()
                    .copied()
                    .find(|tz| tz.name().eq_ignore_ascii_case(s))
            })
            .ok_or_else(|| {
                FieldError::new(
                    FIELD,
                    format!("“{s}” is not a known IANA time zone; pick one from the list"),
                )
            })?;
        let len = tz.name().len();
        if !(KAZOO_MIN..=KAZOO_MAX).contains(&len) {
            return Err(FieldError::new(
                FIELD,
                format!(
                    "“{}” is a valid zone but the platform only accepts names of 5–32 characters; \
                     use a regional name such as Etc/UTC or America/New_York",
                    tz.name()
                ),
            ));
        }
        Ok(Timezone::Zone(tz))
    }

    /// The value written to the account document.
    pub fn as_kazoo(&self) -> &'static str {
        match self {
            Timezone::Inherit => "inherit",
            Timezone::Zone(tz) => tz.name(),
        }
    }
}

/// The wall clock in a zone at a given instant, for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ZoneClock {
    pub zone: String,
    /// Local time as `HH:MM`.
    pub time: String,
    /// Local date as `YYYY-MM-DD`.
    pub date: String,
    /// UTC offset as `+05:30` / `-08:00`.
    pub offset: String,
    /// Abbreviation (`CEST`) where the zone has one, else the offset.
    pub abbreviation: String,
}

impl ZoneClock {
    pub fn at(tz: Tz, now: DateTime<Utc>) -> Self {
        let local = now.with_timezone(&tz);
        let offset = local.offset();
        let offset_text = format_offset(offset.fix().local_minus_utc());
        ZoneClock {
            zone: tz.name().to_owned(),
            time: local.format("%H:%M").to_string(),
            date: local.format("%Y-%m-%d").to_string(),
            abbreviation: offset
                .abbreviation()
                .map(str::to_owned)
                .unwrap_or_else(|| offset_text.clone()),
            offset: offset_text,
        }
    }
}

fn format_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let abs = seconds.unsigned_abs();
    format!("{sign}{:02}:{:02}", abs / 3600, (abs % 3600) / 60)
}

/// Every IANA zone chrono-tz knows, unfiltered: a zone saved on an account must always be
/// found again.
pub fn all_zones() -> impl Iterator<Item = Tz> {
    TZ_VARIANTS.iter().copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn parses_inherit_exact_and_case_insensitive() {
        assert_eq!(Timezone::parse("").unwrap(), Timezone::Inherit);
        assert_eq!(Timezone::parse("inherit").unwrap(), Timezone::Inherit);
        assert_eq!(
            Timezone::parse("europe/paris").unwrap(),
            Timezone::Zone(chrono_tz::Europe::Paris)
        );
        assert_eq!(
            Timezone::parse("America/New_York").unwrap().as_kazoo(),
            "America/New_York"
        );
    }

    #[test]
    fn rejects_unknown_and_platform_refused_names() {
        let e = Timezone::parse("Mars/Olympus").unwrap_err();
        assert_eq!(e.field, "timezone");
        assert!(e.message.contains("Mars/Olympus"));
        assert!(Timezone::parse("UTC").unwrap_err().message.contains("5–32"));
    }

    #[test]
    fn clock_shows_local_time_offset_and_abbreviation() {
        let now = Utc.with_ymd_and_hms(2026, 7, 1, 12, 0, 0).unwrap();
        let paris = ZoneClock::at(chrono_tz::Europe::Paris, now);
        assert_eq!(
            (paris.time.as_str(), paris.offset.as_str()),
            ("14:00", "+02:00")
        );
        assert_eq!(paris.abbreviation, "CEST");
        let kolkata = ZoneClock::at(chrono_tz::Asia::Kolkata, now);
        assert_eq!(kolkata.offset, "+05:30");
        let kiritimati = ZoneClock::at(chrono_tz::Pacific::Kiritimati, now);
        assert_eq!(
            (kiritimati.date.as_str(), kiritimati.offset.as_str()),
            ("2026-07-02", "+14:00")
        );
        let pago = ZoneClock::at(chrono_tz::Pacific::Pago_Pago, now);
        assert_eq!(pago.offset, "-11:00");
    }

    #[test]
    fn lists_every_zone() {
        assert!(all_zones().count() > 500);
        assert!(all_zones().any(|z| z.name() == "America/Argentina/ComodRivadavia"));
    }
}
